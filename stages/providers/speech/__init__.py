"""Speech providers by the name params.yaml uses for them (tts.provider)."""

from stages.providers.speech.espeak import EspeakSpeech
from stages.providers.speech.openai import OpenAISpeech
from stages.providers.speech.realtime import RealtimeSpeech

SPEECH_PROVIDERS = {provider.name: provider for provider in (EspeakSpeech, OpenAISpeech, RealtimeSpeech)}
