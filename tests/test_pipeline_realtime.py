"""`dvc repro` with tts.provider realtime, against the fake Realtime server running as its own process."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile as sf

from stages.korean.reading import Reader, load_lexicon
from stages.speech.chunking import spoken_chunks
from stages.speech.voices.realtime import RealtimeSpeech
from tests.conftest import ROOT, Project, edit_params
from tests.test_pipeline import _make

KEY = "sk-test-e2e-DO-NOT-PRINT-91c2"
KEYWORDS = ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]


class RealtimeServer:
    def __init__(self, stats: Path, script: str) -> None:
        self.stats_path = stats
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fake_realtime", "--port", "0", "--stats", str(stats), "--script", script],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        assert line.startswith("listening on "), line + self.process.stderr.read()
        self.base_url = line.split()[-1]

    def stats(self) -> dict:
        return json.loads(self.stats_path.read_text(encoding="utf-8"))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def server(request, tmp_path) -> Iterator[RealtimeServer]:
    running = RealtimeServer(tmp_path / "stats.json", getattr(request, "param", ""))
    yield running
    running.stop()


def use_realtime(project: Project) -> None:
    # tts.model stays null: the default, gpt-realtime-2.1-mini. This fake serves the Realtime websocket alone, not
    # the transcription endpoint of the listening check (tests/speech/test_listening.py hears realtime chunks).
    edit_params(project, {"tts.provider": "realtime", "tts.verify": "off"})


@pytest.mark.parametrize("server", ["paraphrase,close_1011"], indirect=True)
def test_repro_narrates_every_keyword_through_the_realtime_protocol(fresh_project: Project, server):
    use_realtime(fresh_project)
    result = fresh_project.run("dvc", "repro", OPENAI_API_KEY=KEY, OPENAI_BASE_URL=server.base_url)
    # The server is asked for the spoken form (reading on, the shipped lexicon) of each chunk.
    reader = Reader(load_lexicon(fresh_project.file("lexicon.yaml")))
    chunks = [c.spoken for k in KEYWORDS for c in spoken_chunks(
        fresh_project.file(f"outputs/script/{k}.md").read_text(encoding="utf-8"), RealtimeSpeech.max_chars,
        RealtimeSpeech.max_chars, reader.spoken)]
    assert not any(c.isdigit() for chunk in chunks for c in chunk)
    stats = server.stats()
    # Every chunk read once, plus one re-read for the paraphrase and one for the dropped connection.
    assert stats["responses"] == len(chunks) + 2 and sorted(set(stats["texts"])) == sorted(set(chunks))
    assert stats["behaviours"][:2] == ["paraphrase", "close_1011"]
    assert stats["sessions"] == stats["session_updates"] == stats["responses"]
    for keyword in KEYWORDS:
        assert sf.info(fresh_project.file(f"outputs/audio/{keyword}.mp3")).duration > 1.0
        metrics = json.loads(fresh_project.file(f"outputs/metrics/{keyword}.json").read_text(encoding="utf-8"))
        assert len(metrics["cer"]) == metrics["chunks"] and metrics["cer_max"] == max(metrics["cer"]) <= 0.1
    output = result.stdout + result.stderr
    assert output.count("read verbatim (CER 0.000") == len(chunks)
    assert KEY not in output


@pytest.mark.parametrize("server", ["quota"], indirect=True)
def test_an_exhausted_quota_stops_the_narration_with_one_line(fresh_project: Project, server):
    use_realtime(fresh_project)
    result = _make(fresh_project, "audio", "KEYWORD=백자 달항아리", OPENAI_API_KEY=KEY, OPENAI_BASE_URL=server.base_url)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors and "credit is exhausted" in errors[0] and "Traceback" not in result.stderr
    stats = server.stats()
    # One attempt: the chunk that met the quota is not retried, and with requests.concurrency > 1 the chunks
    # already in flight finish their single try while no new one starts.
    assert stats["behaviours"].count("quota") == 1 and len(stats["texts"]) == len(set(stats["texts"]))
    assert KEY not in result.stdout + result.stderr
    assert not fresh_project.file("outputs/audio/백자 달항아리.mp3").exists()
