"""A fresh clone is clean after `make audio`: the committed dvc.lock and outputs are exactly what it makes."""

import subprocess

import pytest

from tests.conftest import ROOT, Project, project_env
from tests.test_pipeline import _make


@pytest.mark.slow
def test_make_audio_in_a_fresh_clone_leaves_git_status_empty(tmp_path):
    clone = tmp_path / "clone"
    # What is committed on this branch, not the working tree: what a museum team gets.
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True, timeout=120)
    project = Project(clone, project_env())
    result = _make(project, "audio")  # with this test run's venv, linked in as .venv (ignored by git)
    assert result.returncode == 0, result.stdout + result.stderr
    status = project.run("git", "status", "--porcelain", "--untracked-files=all").stdout
    assert status == "", f"make audio changed what git tracks in a fresh clone:\n{status}"
