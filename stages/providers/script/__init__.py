"""Script providers by the name params.yaml uses for them (script.provider)."""

from stages.providers.script.template import TemplateScript

SCRIPT_PROVIDERS = {TemplateScript.name: TemplateScript}
