"""Script providers by the name params.yaml uses for them (script.provider)."""

from stages.providers.script.openai import OpenAIScript
from stages.providers.script.template import TemplateScript

SCRIPT_PROVIDERS = {TemplateScript.name: TemplateScript, OpenAIScript.name: OpenAIScript}
