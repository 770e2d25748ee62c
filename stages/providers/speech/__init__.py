"""Speech providers by the name params.yaml uses for them (tts.provider)."""

from stages.providers.speech.espeak import EspeakSpeech
from stages.providers.speech.openai import OpenAISpeech

SPEECH_PROVIDERS = {EspeakSpeech.name: EspeakSpeech, OpenAISpeech.name: OpenAISpeech}
