"""Sharing through a DVC remote: a teammate's fresh clone gets every narration without synthesising any."""

from tests.conftest import Project
from tests.test_pipeline import KEYWORDS


def test_push_then_clone_and_pull_has_every_narration_and_nothing_to_run(project: Project, tmp_path):
    project.run("dvc", "remote", "add", "-d", "team", str(tmp_path / "remote"))
    project.run("dvc", "push", "--run-cache")
    project.commit("share")

    clone = Project(tmp_path / "clone")
    project.run("git", "clone", "-q", str(project.path), str(clone.path))
    clone.run("dvc", "pull")
    for keyword in KEYWORDS:
        assert clone.file(f"outputs/audio/{keyword}.mp3").read_bytes() == project.file(
            f"outputs/audio/{keyword}.mp3").read_bytes()
    assert clone.repro() == set()
    assert "up to date" in clone.run("dvc", "status").stdout
