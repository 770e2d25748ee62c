"""`make prune` removes exactly what a dropped keyword left behind, and nothing else."""

import yaml

from stages.core.paths import LOCK_FILES
from tests.conftest import Project

DROPPED = "백자 달항아리"
KEPT = ["청자 상감운학문 매병", "성덕대왕신종"]


def lock_stages(project: Project) -> dict:
    """Every lock file's entries, by stage name (each name is in one lock only)."""
    return {name: stage for lock in LOCK_FILES
            for name, stage in yaml.safe_load(project.file(str(lock)).read_text(encoding="utf-8"))["stages"].items()}


def snapshot(project: Project) -> dict[str, bytes]:
    return {str(p.relative_to(project.path)): p.read_bytes() for p in project.path.rglob("*")
            if p.is_file() and ".git" not in p.parts and ".dvc" not in p.parts}


def test_prune_removes_a_dropped_keyword_and_nothing_else(project: Project):
    params = project.file("params.yaml")
    params.write_text(params.read_text(encoding="utf-8").replace(f"  - {DROPPED}\n", ""), encoding="utf-8")
    before_lock = lock_stages(project)
    before_files = snapshot(project)

    project.run("python", "-m", "stages.prune")

    after_lock = lock_stages(project)
    dropped_entries = {f"{kind}@{DROPPED}" for kind in ("info", "script", "audio")}
    assert set(before_lock) - set(after_lock) == dropped_entries
    assert all(after_lock[name] == before_lock[name] for name in after_lock)

    removed = set(before_files) - set(snapshot(project))
    assert removed == {f"outputs/info/{DROPPED}.json", f"outputs/script/{DROPPED}.md", f"outputs/audio/{DROPPED}.mp3",
                       f"outputs/audio/{DROPPED}.vtt", f"outputs/spoken/{DROPPED}.txt",
                       f"outputs/metrics/{DROPPED}.json"}
    changed = {name for name, data in snapshot(project).items() if before_files[name] != data}
    assert changed == {*(str(lock) for lock in LOCK_FILES), "outputs/info/.gitignore", "outputs/script/.gitignore", "outputs/audio/.gitignore",
                       "outputs/spoken/.gitignore"}
    for folder in ("info", "script", "audio", "spoken"):
        lines = project.file(f"outputs/{folder}/.gitignore").read_text(encoding="utf-8").splitlines()
        assert not any(DROPPED in line for line in lines)
        assert len(lines) == len(KEPT) * (2 if folder == "audio" else 1)  # audio: the narration and its subtitles
    assert project.file(f"sources/{DROPPED}.md").exists()

    assert project.repro() == {"speak", "report", "guide"}  # the keywords changed: the manifests, totals and guide
    assert "up to date" in project.run("dvc", "status").stdout


def test_prune_with_nothing_stale_changes_nothing(project: Project):
    before = snapshot(project)
    project.run("python", "-m", "stages.prune")
    assert snapshot(project) == before
