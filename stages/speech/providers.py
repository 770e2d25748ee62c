"""Speech providers by the name params.yaml uses for them (tts.provider); adding one is a module and a line here."""

from stages.core.params import Params, TTSParams
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


def speech_options(tts: TTSParams, language: str | None = None) -> VoiceOptions:
    """tts's provider keys checked by the chosen provider, and that it reads `language` (when given), without starting
    it (no SDK, no engine is loaded)."""
    provider = speech_provider(tts.provider)
    if language is not None:
        provider.check_language(language)
    return parse_options(provider.Options, tts)


def check_speech(params: Params) -> None:
    """Every language's provider keys, as that language is spoken (Params.in_language): one line on the first
    problem, before anything is written."""
    for language in params.languages:
        speech_options(params.in_language(language).tts, language)
