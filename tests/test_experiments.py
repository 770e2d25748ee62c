"""DVC experiments against the fake OpenAI server: compare voices, switch back for free, queue in parallel,
and share through a remote without a single TTS call."""

import csv
import io
import time

import soundfile as sf

from tests.conftest import Project
from tests.test_pipeline_openai import (  # noqa: F401  (fixtures)
    KEYWORDS,
    FakeProcess,
    fake_process,
    openai_env,
    openai_project,
    project,
)
from tests.test_sharing import push_and_clone, same_narrations


def exp_table(project: Project, fake: FakeProcess) -> list[dict[str, str]]:
    result = project.run("dvc", "exp", "show", "--csv", **openai_env(fake))
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_exp_run_shows_params_and_duration_and_cost(project: Project, fake_process):
    speech = fake_process.count("speech")
    project.run("dvc", "exp", "run", "-n", "nova-fast", "-S", "tts.voice=nova", "-S", "tts.speed=1.2",
                **openai_env(fake_process))
    assert fake_process.count("speech") > speech
    rows = exp_table(project, fake_process)
    columns = set(rows[0])
    # metrics.json holds the totals; each narration's own figures are prefixed with their file.
    assert {"tts.voice", "tts.speed", "metrics.json:duration_s", "metrics.json:est_cost_usd"} <= columns
    assert f"outputs/metrics/{KEYWORDS[0]}.json:duration_s" in columns
    nova = next(row for row in rows if row["Experiment"] == "nova-fast")
    base = next(row for row in rows if row["typ"] == "baseline" and row["rev"] != "workspace")
    assert nova["tts.voice"] == "nova" and float(nova["tts.speed"]) == 1.2 and base["tts.voice"] == "alloy"
    assert float(nova["metrics.json:est_cost_usd"]) > 0
    assert float(nova["metrics.json:duration_s"]) < float(base["metrics.json:duration_s"])  # faster speech


def test_switching_back_restores_from_the_run_cache_without_a_request(project: Project, fake_process, tmp_path):
    alloy = {k: project.file(f"outputs/audio/{k}.mp3").read_bytes() for k in KEYWORDS}
    project.run("dvc", "exp", "run", "-S", "tts.voice=nova", **openai_env(fake_process))
    assert {k: project.file(f"outputs/audio/{k}.mp3").read_bytes() for k in KEYWORDS} != alloy
    speech = fake_process.count("speech")
    # An empty chunk cache, so only DVC's run-cache can make this free.
    result = project.run("dvc", "exp", "run", "-S", "tts.voice=alloy", DOCENT_CACHE_DIR=str(tmp_path / "empty"),
                         **openai_env(fake_process))
    assert fake_process.count("speech") == speech
    assert "Stage 'audio' is cached - skipping run, checking out outputs" in result.stdout
    for keyword in KEYWORDS:
        assert project.file(f"outputs/audio/{keyword}.mp3").read_bytes() == alloy[keyword]


def _wait_for_queue(project: Project, fake: FakeProcess, seconds: float = 300) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = project.run("dvc", "queue", "status", **openai_env(fake)).stdout
        if "Queued" not in status and "Running" not in status:
            return status
        time.sleep(2)
    raise AssertionError(f"queue still busy after {seconds} s:\n{status}")


def test_queued_experiments_run_two_at_a_time_and_keep_the_chunk_cache_whole(project: Project, fake_process):
    for voice in ("echo", "shimmer", "coral"):
        project.run("dvc", "exp", "run", "--queue", "-n", f"q-{voice}", "-S", f"tts.voice={voice}",
                    **openai_env(fake_process))
    project.run("dvc", "queue", "start", "-j", "2", **openai_env(fake_process))
    status = _wait_for_queue(project, fake_process)
    assert "Failed" not in status, status + project.run("dvc", "queue", "logs", "q-echo", check=False).stdout
    names = {row["Experiment"] for row in exp_table(project, fake_process)}
    assert {"q-echo", "q-shimmer", "q-coral"} <= names

    entries = [p for p in project.file(".cache/chunks").rglob("*") if p.is_file()]
    assert entries and not [p for p in entries if p.name.startswith(".")]  # no temp file left behind
    for entry in entries:
        assert sf.info(entry).frames > 0  # every entry decodes


def test_a_teammate_pulls_every_narration_and_the_server_sees_no_request(project: Project, fake_process, tmp_path):
    clone = push_and_clone(project, tmp_path)
    assert same_narrations(clone, project)
    before = fake_process.count("speech") + fake_process.count("chat")
    assert clone.repro(**openai_env(fake_process)) == set()
    assert fake_process.count("speech") + fake_process.count("chat") == before
