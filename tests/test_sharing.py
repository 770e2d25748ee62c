"""Sharing through a DVC remote: a teammate's fresh clone gets every narration without synthesising any."""

from pathlib import Path

from tests.conftest import Project
from tests.test_pipeline import KEYWORDS


def push_and_clone(project: Project, tmp_path: Path) -> Project:
    """Push outputs and run-cache to a local-directory remote, commit, and `git clone` + `dvc pull` elsewhere."""
    project.run("dvc", "remote", "add", "-d", "team", str(tmp_path / "remote"))
    project.run("dvc", "push", "--run-cache")
    project.commit("share")
    clone = Project(tmp_path / "clone", project.env)
    project.run("git", "clone", "-q", str(project.path), str(clone.path))
    clone.run("dvc", "pull")
    return clone


def same_narrations(clone: Project, project: Project) -> bool:
    return all(clone.file(f"outputs/audio/{k}.mp3").read_bytes() == project.file(f"outputs/audio/{k}.mp3").read_bytes()
               for k in KEYWORDS)


def test_push_then_clone_and_pull_has_every_narration_and_nothing_to_run(project: Project, tmp_path):
    clone = push_and_clone(project, tmp_path)
    assert same_narrations(clone, project)
    assert clone.repro() == set()
    assert "up to date" in clone.run("dvc", "status").stdout
