"""dvc.yaml: each stage depends on its entry point and a few folders that cover every code file it runs,
on its own params section only, and the folders import one way."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

# Every stage covers the whole catalogue, but only info names `keywords`: the others see a keyword come, go or move
# through outputs/info (its .keys.json is in catalogue order), and each stage naming it would add the whole list to
# the lock DVC rewrites after every stage.
STAGE_PARAMS = {"info": ["keywords", "info"], "script": ["languages", "script"], "audio": ["languages", "tts", "audio"],
                "report": [],
                "guide": ["guide"]}
# What each concern folder may import besides itself: everything rests on core, and no concern knows another,
# so a change inside stages/facts/ re-runs only the info stages.
ALLOWED_IMPORTS = {"core": set(), "clients": {"core"}, "korean": {"core"}, "facts": {"core", "clients"},
                   "narration": {"core", "clients", "korean"}, "speech": {"core", "clients", "korean"},
                   "publishing": {"core"}}
MAX_CODE_FOLDERS = 4  # core, clients, the concern, and the Korean reader it shares


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def pipeline() -> dict:
    """The stages of dvc.yaml, by name."""
    return load(ROOT / "dvc.yaml")["stages"]


def stage_spec(kind: str) -> dict:
    return pipeline()[kind]


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
    assert stage_spec(kind).get("params", []) == STAGE_PARAMS[kind]


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
    assert set(top) <= {"info.py", "script.py", "audio.py", "report.py", "guide.py", "keywords.py", "prune.py",
                        "clean_cache.py", "check_params.py", "reading.py", "preview.py", "factcheck.py"}
    for name in set(top) & {"info.py", "script.py", "audio.py", "report.py", "guide.py", "preview.py"}:
        lines = (ROOT / "stages" / name).read_text(encoding="utf-8").splitlines()
        assert len(lines) <= 45, f"stages/{name} has {len(lines)} lines; entry points stay thin (about 40)"


def test_the_stages_are_one_per_kind_for_the_whole_catalogue():
    # Nothing per keyword: DVC rewrites the lock after every stage it runs, so the stage count must not grow with
    # the catalogue (docs/performance.md: Scale). No command carries a keyword either.
    assert list(pipeline()) == ["info", "script", "audio", "report", "guide"]
    for name, stage in pipeline().items():
        assert "foreach" not in stage and "${" not in str(stage) and stage["cmd"] == f"python -m stages.{name}"


def test_a_stage_cache_keys_on_the_code_its_deps_name(tmp_path):
    from stages.core.stage_cache import PROJECT, code_version, files_hash

    assert PROJECT == ROOT
    assert code_version("info") == files_hash([ROOT / dep for dep in code_deps("info")], ROOT)
    assert code_version("info") != code_version("script")
