"""A keyword taken out of params.yaml leaves nothing behind: `make audio` drops its outputs (every stage depends on
`keywords`, and DVC deletes a stage's outputs before it runs), and `make prune` removes them before that."""

from tests.conftest import Project

DROPPED = "백자 달항아리"
DROPPED_FILES = {f"outputs/info/{DROPPED}.json", f"outputs/script/{DROPPED}.md", f"outputs/audio/{DROPPED}.mp3",
                 f"outputs/audio/{DROPPED}.vtt", f"outputs/spoken/{DROPPED}.txt", f"outputs/metrics/{DROPPED}.json"}


def snapshot(project: Project) -> dict[str, bytes]:
    return {str(p.relative_to(project.path)): p.read_bytes() for p in project.path.rglob("*")
            if p.is_file() and ".git" not in p.parts and ".dvc" not in p.parts and ".cache" not in p.parts}


def drop(project: Project) -> None:
    params = project.file("params.yaml")
    params.write_text(params.read_text(encoding="utf-8").replace(f"  - {DROPPED}\n", ""), encoding="utf-8")


def test_prune_removes_a_dropped_keyword_and_nothing_else(project: Project):
    drop(project)
    before = snapshot(project)
    project.run("python", "-m", "stages.prune")
    after = snapshot(project)
    assert set(before) - set(after) == DROPPED_FILES
    assert all(after[name] == before[name] for name in after)  # nothing else changed
    assert project.file(f"sources/{DROPPED}.md").exists()  # the user's own files stay

    # The keywords changed: every stage re-runs, each from its cache, and nothing of the dropped keyword is back.
    assert project.repro() == {"info", "script", "audio", "report", "guide"}
    assert not any(DROPPED in name for name in snapshot(project) if name.startswith("outputs/")
                   and name != "outputs/stops.json")
    assert "up to date" in project.run("dvc", "status").stdout


def test_make_audio_alone_leaves_nothing_of_a_dropped_keyword(project: Project):
    drop(project)
    project.repro()
    left = {name for name in snapshot(project) if DROPPED in name and name.startswith("outputs/")}
    assert left == set()
    assert project.run("python", "-m", "stages.prune").stderr.strip().endswith(
        "nothing to prune: every output belongs to a keyword in params.yaml")


def test_prune_with_nothing_stale_changes_nothing(project: Project):
    before = snapshot(project)
    project.run("python", "-m", "stages.prune")
    assert snapshot(project) == before


def test_a_dropped_keywords_fetched_picture_is_stale_too(tmp_path):
    from stages.prune import stale_outputs

    info = tmp_path / "info"
    info.mkdir()
    for name in (f"{DROPPED}.json", f"{DROPPED}.jpg", "kept.json", "kept.png", ".keys.json"):
        (info / name).write_text("x", encoding="utf-8")
    assert {p.name for p in stale_outputs(["kept"], tmp_path)} == {f"{DROPPED}.json", f"{DROPPED}.jpg"}
