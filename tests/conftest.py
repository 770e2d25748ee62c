"""Shared fixtures: a throw-away copy of the project in its own git + DVC repository."""

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# What a fresh clone has; outputs, caches and the venv are left behind.
PROJECT_FILES = ["stages", "sources", "scripts", "params.yaml", "lexicon.yaml", "dvc.yaml", "Makefile",
                 "requirements.txt", ".gitignore", ".dvcignore",
                 "outputs/.gitignore"]
# Variables of the developer's shell that change what the pipeline does: none may leak into a test.
ISOLATED_ENV = ("OPENAI_", "DOCENT_", "DVC_")
# The stages a `dvc repro` ran, by name.
RAN = re.compile(r"^Running stage '(.+)':$", re.M)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch):
    """In-process tests see no OPENAI_*, DOCENT_* or DVC_* variable of the developer's shell either."""
    for name in [name for name in os.environ if name.startswith(ISOLATED_ENV)]:
        monkeypatch.delenv(name)


def project_env(**extra: str) -> dict[str, str]:
    # A developer's own key, server or chunk cache must not reach the tests.
    env = {name: value for name, value in os.environ.items() if not name.startswith(ISOLATED_ENV)}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


class Project:
    """A project copy; run() runs a command in it, repro() runs `dvc repro` and says which stages ran."""

    def __init__(self, path: Path, env: dict[str, str] | None = None) -> None:
        self.path = path
        self.env = env or project_env()

    def run(self, *cmd: str, check: bool = True, timeout: float = 600, **extra_env: str) -> subprocess.CompletedProcess:
        result = subprocess.run(cmd, cwd=self.path, env={**self.env, **extra_env}, capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{cmd} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def repro(self, *targets: str, **extra_env: str) -> set[str]:
        result = self.run("dvc", "repro", *targets, **extra_env)
        return set(RAN.findall(result.stdout))

    def commit(self, message: str = "snapshot") -> None:
        self.run("git", "add", "-A")
        self.run("git", "commit", "-qm", message, "--allow-empty")

    def file(self, relative: str) -> Path:
        return self.path / relative


def copy_project(dest: Path) -> Project:
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    project = Project(dest)
    project.run("git", "init", "-q", "-b", "main")
    project.run("git", "config", "user.email", "test@example.invalid")
    project.run("git", "config", "user.name", "test")
    project.run("dvc", "init", "-q")
    project.run("dvc", "config", "core.analytics", "false")
    project.commit("project")
    return project


def edit_params(project: Project, changes: dict[str, str]) -> None:
    """Set dotted keys of params.yaml in place ({"tts.voice": "nova"}), comments kept; every key must be there."""
    path = project.file("params.yaml")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    left, section = dict(changes), None
    for index, line in enumerate(lines):
        if top := re.match(r"(\w+):", line):
            section = top.group(1)
        elif (key := re.match(r"  (\w+): (\S+)", line)) and f"{section}.{key.group(1)}" in left:
            lines[index] = line[:key.start(2)] + left.pop(f"{section}.{key.group(1)}") + line[key.end(2):]
    assert not left, f"params.yaml has no {sorted(left)}"
    path.write_text("".join(lines), encoding="utf-8")


# What an audio stage with nothing to make must not load (docs/performance.md: Lean stage processes): the
# encoder's, and the SDK.
HEAVY_PACKAGES = {"numpy", "soundfile", "mutagen", "openai"}


def imported_packages(project: Project, module: str, *args: str, **env: str) -> set[str]:
    """The top-level packages `python -m module args` imported, read off its -X importtime report."""
    result = project.run(sys.executable, "-X", "importtime", "-m", module, *args, **env)
    return {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines()
            if line.startswith("import time:")}


@pytest.fixture(scope="module")
def built_project(tmp_path_factory) -> Project:
    """The project after one full `dvc repro`, committed; copy it with `project` before changing it."""
    project = copy_project(tmp_path_factory.mktemp("built") / "repo")
    project.first_run = project.repro()
    project.commit("first repro")
    return project


@pytest.fixture
def project(built_project, tmp_path) -> Project:
    """A private copy of the built project, DVC cache and git history included."""
    dest = tmp_path / "repo"
    shutil.copytree(built_project.path, dest, symlinks=True)
    return Project(dest)


@pytest.fixture
def fresh_project(tmp_path) -> Project:
    """An unbuilt copy of the project, as a fresh clone has it."""
    return copy_project(tmp_path / "repo")


FAKE_KEY = "sk-test-fake-0123456789abcdef"  # a dummy key; tests check it never reaches any output


@pytest.fixture
def fake_openai(monkeypatch):
    """A fake OpenAI server on 127.0.0.1, with OPENAI_BASE_URL and a dummy OPENAI_API_KEY pointing the SDK at it."""
    from tests.fake_openai import FakeOpenAI

    with FakeOpenAI(stall_seconds=5.0) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
        monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
        yield fake


# Fixtures that build a project copy and run real dvc (repro, exp, queue): a test using one is `slow`.
DVC_FIXTURES = {"built_project", "project", "fresh_project", "openai_project"}


def pytest_collection_modifyitems(items):
    for item in items:
        if DVC_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def speak(provider, text: str, dest) -> None:
    """One chunk through a speech provider's synthesize(), awaited on a loop of its own, as a test needs it."""
    asyncio.run(provider.synthesize(text, dest))
