"""Speech providers by the name params.yaml uses for them (tts.provider), imported only when chosen.

An espeak run never loads the OpenAI SDK, which alone costs about a second of start-up.
"""

import importlib

from stages.speech.synthesis import SpeechProvider

_PROVIDERS = {"espeak": "stages.speech.voices.espeak:EspeakSpeech", "openai": "stages.speech.voices.openai:OpenAISpeech",
              "realtime": "stages.speech.voices.realtime:RealtimeSpeech"}


def speech_provider(name: str) -> type[SpeechProvider]:
    """The provider class registered under `name` (params validation has already checked the name)."""
    module, _, cls = _PROVIDERS[name].partition(":")
    return getattr(importlib.import_module(module), cls)
