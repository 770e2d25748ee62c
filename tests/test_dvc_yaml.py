"""dvc.yaml declares every code file each stage runs, and only that stage's own params section."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

STAGE_PARAMS = {"info": ["info"], "script": ["script"], "audio": ["tts"]}


def pipeline() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def imported_project_files(module: str) -> set[str]:
    """The project's .py files that `python -m <module>` loads, found by importing it in a clean process."""
    code = (
        "import importlib, json, sys; importlib.import_module(sys.argv[1]);"
        "print(json.dumps([m.__file__ for m in list(sys.modules.values()) if getattr(m, '__file__', None)]))"
    )
    out = subprocess.run([sys.executable, "-c", code, module], cwd=ROOT, capture_output=True, text=True, check=True)
    files = {Path(f).resolve() for f in json.loads(out.stdout)}
    return {f.relative_to(ROOT).as_posix() for f in files if (ROOT / "stages") in f.parents}


@pytest.mark.parametrize("kind", sorted(STAGE_PARAMS))
def test_deps_cover_every_imported_code_file(kind):
    deps = pipeline()[kind]["do"]["deps"]
    uncovered = {
        f for f in imported_project_files(f"stages.{kind}")
        if not any(f == dep or f.startswith(dep.rstrip("/") + "/") for dep in deps)
    }
    assert not uncovered, f"{kind} stage imports files missing from its deps: {sorted(uncovered)}"


@pytest.mark.parametrize("kind", sorted(STAGE_PARAMS))
def test_each_stage_tracks_only_its_own_params(kind):
    assert pipeline()[kind]["do"]["params"] == STAGE_PARAMS[kind]


def test_keyword_in_commands_is_quoted():
    for stage in pipeline().values():
        if "foreach" in stage:
            assert '"${item}"' in stage["do"]["cmd"]


def test_guide_deps_cover_its_code_and_it_tracks_only_its_params():
    guide = pipeline()["guide"]
    uncovered = {f for f in imported_project_files("stages.guide")
                 if not any(f == dep or f.startswith(dep.rstrip("/") + "/") for dep in guide["deps"])}
    assert not uncovered, f"guide stage imports files missing from its deps: {sorted(uncovered)}"
    assert guide["params"] == ["keywords", "guide"]
    # The templates and static files are read at run time, not imported: the folder dep covers them.
    assert "stages/publishing" in guide["deps"]
