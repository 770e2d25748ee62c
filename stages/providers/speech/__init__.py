"""Speech providers by the name params.yaml uses for them (tts.provider)."""

from stages.providers.speech.espeak import EspeakSpeech

SPEECH_PROVIDERS = {EspeakSpeech.name: EspeakSpeech}
