"""Script providers by the name params.yaml uses for them (script.provider), imported only when chosen."""

from stages.core.registry import Registry

SCRIPT_PROVIDERS = Registry("script.provider", {
    "template": "stages.narration.template:TemplateScript",
    "openai": "stages.narration.openai:OpenAIScript",
})


def script_provider(name: str) -> type:
    """The provider class registered under `name`; an unknown name is a one-line ParamsError."""
    return SCRIPT_PROVIDERS.get(name)
