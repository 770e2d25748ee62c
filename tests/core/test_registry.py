"""The one registry helper: names users write → classes, each module imported only when it is chosen."""

import subprocess
import sys

import pytest

from stages.core.errors import ParamsError
from stages.core.registry import Registry
from tests.conftest import ROOT


def test_a_name_resolves_to_its_class_and_an_unknown_one_is_one_line():
    registry = Registry("info.provider", {"local": "stages.facts.local:LocalInfo"})
    assert registry.get("local").__name__ == "LocalInfo" and registry.names() == ("local",)
    for bad in ("google", None, ["local"]):
        with pytest.raises(ParamsError) as caught:
            registry.get(bad)
        assert str(caught.value) == f"params.yaml: info.provider: {bad!r} is not a provider; allowed: local"


def imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running `code`."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                            timeout=60)
    return set(result.stdout.split())


def test_the_offline_providers_never_import_the_openai_sdk():
    loaded = imported_after(
        "from stages.core.params import parse_params\n"
        "from stages.speech.providers import speech_options, speech_provider\n"
        "from stages.narration.providers import script_provider\n"
        "params = parse_params({'keywords': ['k']})\n"
        "speech_options(params.tts); speech_provider('espeak')(params); script_provider('template')\n")
    vendor = {"openai", "stages.narration.openai", "stages.speech.voices.openai", "stages.speech.voices.realtime"}
    assert "stages.speech.voices.espeak" in loaded and "stages.narration.template" in loaded
    assert not vendor & loaded
    # The probe sees an import when there is one: choosing the OpenAI script provider loads its module.
    assert "stages.narration.openai" in imported_after("from stages.narration.providers import script_provider\n"
                                                       "script_provider('openai')")
