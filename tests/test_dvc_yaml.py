"""dvc.yaml: each stage depends on its entry point and a few folders that cover every code file it runs,
on its own params section only, and the folders import one way."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stages.core.paths import PIPELINE_FILES
from tests.conftest import ROOT

STAGE_PARAMS = {"info": ["info"], "script": ["script"], "speak": ["tts"], "audio": ["tts", "audio"],
                "report": ["keywords"], "guide": ["keywords", "guide"]}
# What each concern folder may import besides itself: everything rests on core, and no concern knows another,
# so a change inside stages/facts/ re-runs only the info stages.
ALLOWED_IMPORTS = {"core": set(), "clients": {"core"}, "facts": {"core", "clients"},
                   "narration": {"core", "clients"}, "speech": {"core", "clients"}, "publishing": {"core"}}
MAX_CODE_FOLDERS = 3


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def pipeline() -> dict:
    """The stages of every pipeline file, by name."""
    return {name: stage for path in (Path("dvc.yaml"), *PIPELINE_FILES.values())
            for name, stage in load(ROOT / path)["stages"].items()}


def stage_spec(kind: str) -> dict:
    stage = pipeline()[kind]
    return stage.get("do", stage)


def code_deps(kind: str) -> list[str]:
    return [dep for dep in stage_spec(kind)["deps"] if dep.startswith("stages")]


def imported_project_files(module: str) -> set[str]:
    """The project's .py files that `python -m <module>` loads, found by importing it in a clean process."""
    code = (
        "import importlib, json, sys; importlib.import_module(sys.argv[1]);"
        "print(json.dumps([m.__file__ for m in list(sys.modules.values()) if getattr(m, '__file__', None)]))"
    )
    out = subprocess.run([sys.executable, "-c", code, module], cwd=ROOT, capture_output=True, text=True, check=True)
    files = {Path(f).resolve() for f in json.loads(out.stdout)}
    return {f.relative_to(ROOT).as_posix() for f in files if (ROOT / "stages") in f.parents}


def every_project_file_of(kind: str) -> set[str]:
    """What the stage may run: what it imports, and every module of the folders it names (lazy providers too)."""
    files = imported_project_files(f"stages.{kind}")
    for dep in code_deps(kind):
        if (ROOT / dep).is_dir():
            files |= {p.relative_to(ROOT).as_posix() for p in (ROOT / dep).rglob("*.py")}
    return files


@pytest.mark.parametrize("kind", sorted(STAGE_PARAMS))
def test_deps_cover_every_imported_code_file(kind):
    deps = code_deps(kind)
    uncovered = {f for f in every_project_file_of(kind)
                 if not any(f == dep or f.startswith(dep.rstrip("/") + "/") for dep in deps)}
    assert not uncovered, f"{kind} stage imports files missing from its deps: {sorted(uncovered)}"


def test_lazily_imported_providers_are_inside_the_stage_folders():
    # The provider registries import by name, so the import check above cannot see them: check the names.
    for registry, folder in (("stages/speech/providers.py", "stages/speech"),
                             ("stages/narration/providers.py", "stages/narration")):
        text = (ROOT / registry).read_text(encoding="utf-8")
        modules = [part.split(":")[0] for part in text.split('"') if part.startswith("stages.") and ":" in part]
        assert modules and all((ROOT / (m.replace(".", "/") + ".py")).is_file() for m in modules)
        assert all(m.replace(".", "/").startswith(folder) for m in modules)


@pytest.mark.parametrize("kind", sorted(STAGE_PARAMS))
def test_each_stage_depends_on_its_entry_point_and_at_most_three_folders(kind):
    deps = code_deps(kind)
    folders = [dep for dep in deps[1:] if (ROOT / dep).is_dir()]
    assert deps[0] == f"stages/{kind}.py" and len(folders) <= MAX_CODE_FOLDERS
    assert all((ROOT / dep).is_dir() or (ROOT / dep).is_file() for dep in deps[1:])


def test_an_info_stage_does_not_depend_on_the_openai_client():
    # An edit to an OpenAI message must not re-query heritage or Wikipedia for every keyword.
    deps = code_deps("info")
    assert "stages/clients" not in deps and "stages/clients/openai_access.py" not in deps


def test_an_audio_stage_does_not_depend_on_the_facts_code():
    assert not any(dep.startswith(("stages/facts", "stages/narration")) for dep in code_deps("audio"))


@pytest.mark.parametrize("kind", sorted(STAGE_PARAMS))
def test_each_stage_tracks_only_its_own_params(kind):
    assert stage_spec(kind)["params"] == STAGE_PARAMS[kind]


def imports_of(path: Path) -> set[str]:
    """The stages.* modules a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.startswith("stages.")}


def folder_of(module: str) -> str:
    return module.split(".")[1]


@pytest.mark.parametrize("folder", sorted(ALLOWED_IMPORTS))
def test_imports_point_one_way(folder):
    allowed = ALLOWED_IMPORTS[folder] | {folder}
    wrong = {(path.relative_to(ROOT).as_posix(), module)
             for path in (ROOT / "stages" / folder).rglob("*.py") for module in imports_of(path)
             if folder_of(module) not in allowed}
    assert not wrong, f"stages/{folder} imports folders it must not know: {sorted(wrong)}"


def test_the_import_direction_check_sees_a_wrong_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from stages.facts.heritage import HeritageInfo\n", encoding="utf-8")
    assert {folder_of(m) for m in imports_of(bad)} == {"facts"}


def test_top_level_holds_only_entry_points_and_commands():
    top = sorted(p.name for p in (ROOT / "stages").glob("*.py"))
    assert set(top) <= {"info.py", "script.py", "speak.py", "audio.py", "report.py", "guide.py", "keywords.py", "prune.py",
                        "clean_cache.py", "check_params.py", "reading.py"}
    for name in set(top) & {"info.py", "script.py", "speak.py", "audio.py", "report.py", "guide.py"}:
        lines = (ROOT / "stages" / name).read_text(encoding="utf-8").splitlines()
        assert len(lines) <= 45, f"stages/{name} has {len(lines)} lines; entry points stay thin (about 40)"


def test_no_command_carries_a_keyword():
    # DVC runs cmd through a shell: a keyword in it, quoted or not, could run $(...); stages read DVC_STAGE.
    for name, stage in pipeline().items():
        spec = stage.get("do", stage)
        assert "${" not in spec["cmd"] and spec["cmd"] == f"python -m stages.{name}"
        if "foreach" in stage:
            named = [entry for entry in spec["deps"] + spec["outs"] if "${item}" in str(entry)]
            assert named, f"{name}: the keyword must still name the stage's files"


@pytest.mark.parametrize("kind", sorted(PIPELINE_FILES))
def test_a_stage_with_its_own_lock_runs_at_the_root_over_the_root_params(kind):
    # Its own dvc.yaml gives it its own dvc.lock (docs/performance.md: Scale); its paths, params and keywords stay
    # the root's.
    path = ROOT / PIPELINE_FILES[kind]
    spec = load(path)
    assert (path.parent / spec["stages"][kind]["do"]["wdir"]).resolve() == ROOT
    assert [(path.parent / v.split(":")[0]).resolve() for v in spec["vars"]] == [ROOT / "params.yaml"]
    assert kind not in load(ROOT / "dvc.yaml")["stages"]
