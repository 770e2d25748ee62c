"""Script providers by the name params.yaml uses for them (script.provider), imported only when chosen.

A template run never loads the OpenAI SDK.
"""

import importlib

_PROVIDERS = {"template": "stages.narration.template:TemplateScript", "openai": "stages.narration.openai:OpenAIScript"}


def script_provider(name: str) -> type:
    """The provider class registered under `name` (params validation has already checked the name)."""
    module, _, cls = _PROVIDERS[name].partition(":")
    return getattr(importlib.import_module(module), cls)
