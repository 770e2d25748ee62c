"""Script providers by the name params.yaml uses for them (script.provider), imported only when chosen; and the
ones that can also translate a narration into the other languages of params.yaml."""

from stages.core.registry import Registry

SCRIPT_PROVIDERS = Registry("script.provider", {
    "template": "stages.narration.template:TemplateScript",
    "openai": "stages.narration.openai:OpenAIScript",
})
# The template provider writes Korean from the facts and cannot translate: a museum writes its own translations.
TRANSLATORS = Registry("script.provider", {
    "openai": "stages.narration.translation:OpenAITranslation",
})


def script_provider(name: str) -> type:
    """The provider class registered under `name`; an unknown name is a one-line ParamsError."""
    return SCRIPT_PROVIDERS.get(name)


def translator(name: str) -> type | None:
    """The class that translates narrations for script provider `name`, or None when it cannot."""
    return TRANSLATORS.get(name) if name in TRANSLATORS.names() else None
