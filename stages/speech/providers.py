"""Speech providers by the name params.yaml uses for them (tts.provider); adding one is a module and a line here."""

from stages.core.params import TTSParams
from stages.core.registry import Registry
from stages.speech.voices.options import VoiceOptions, parse_options

SPEECH_PROVIDERS = Registry("tts.provider", {
    "espeak": "stages.speech.voices.espeak:EspeakSpeech",
    "openai": "stages.speech.voices.openai:OpenAISpeech",
    "realtime": "stages.speech.voices.realtime:RealtimeSpeech",
})


def speech_provider(name: str) -> type:
    """The provider class registered under `name`; an unknown name is a one-line ParamsError."""
    return SPEECH_PROVIDERS.get(name)


def speech_options(tts: TTSParams) -> VoiceOptions:
    """tts's provider keys checked by the chosen provider, without starting it (no SDK, no engine is loaded)."""
    return parse_options(speech_provider(tts.provider).Options, tts)
