"""Nothing half-written: a failed write leaves neither the target nor a temp file behind."""

import logging
import signal
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from stages.core import atomic
from stages.core.errors import PipelineError
from stages.speech.audio import assembly
from tests.conftest import ROOT


def test_failed_block_leaves_nothing(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_success_replaces_an_existing_file_readably(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    atomic.write_text(target, "새 내용")
    assert target.read_text(encoding="utf-8") == "새 내용"
    assert target.stat().st_mode & 0o644 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_encode_failing_on_a_bad_chunk_leaves_no_audio(tmp_path):
    good = tmp_path / "good.wav"
    sf.write(good, np.zeros(22050, dtype=np.int16), 22050)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really")
    out = tmp_path / "audio" / "narration.mp3"
    with pytest.raises(PipelineError, match="bad.wav cannot be decoded"):
        assembly.encode([(good, 0.5), (bad, 0.0)], out, "mp3")
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


@pytest.mark.parametrize("fmt", ["mp3", "wav", "flac", "opus"])
def test_encoded_duration_matches_the_decoded_samples(tmp_path, fmt):
    chunk = tmp_path / "c.wav"
    sf.write(chunk, (np.sin(np.arange(22050) / 10) * 8000).astype(np.int16), 22050)
    out = tmp_path / f"n.{fmt}"
    duration = assembly.encode([(chunk, 0.6), (chunk, 0.0)], out, fmt).duration_s
    assert duration == pytest.approx(0.5 + 1 + 0.6 + 1 + 1.5, abs=0.01)  # lead-in and tail of the audio defaults
    decoded, rate = sf.read(out)
    assert len(decoded) / rate == pytest.approx(duration, abs=0.08)


_KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from stages.core import atomic
with atomic.atomic_path(Path(sys.argv[1])) as tmp:
    tmp.write_text("half")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_stale_temps_of_the_given_outputs_are_removed_and_nothing_else(tmp_path, caplog):
    out = tmp_path / "audio" / "백자 달항아리.mp3"
    killed = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(out)], cwd=ROOT)
    assert killed.returncode == -signal.SIGKILL
    (stale,) = out.parent.iterdir()
    # Temps of other outputs, even one whose name starts with this output's, and files that are not temps.
    keep = {"백자 달항아리.mp3", ".백자 달항아리.mp3.mp3.abc123de.tmp", ".백자 달항아리.vtt.abc123de.tmp",
            ".other.mp3.abc123de.tmp", "notes.tmp"}
    for name in keep:
        (out.parent / name).write_text("x")
    with caplog.at_level(logging.INFO):
        removed = atomic.remove_stale_temps(out, tmp_path / "missing" / "x.json")
    assert removed == [stale]
    assert {p.name for p in out.parent.iterdir()} == keep
    assert f"removed {stale}, left by an interrupted run" in caplog.text


def test_a_stale_staging_folder_of_a_folder_output_is_removed(tmp_path):
    site = tmp_path / "guide"
    staging = tmp_path / f"{atomic.temp_prefix(site)}k2j4h5g6{atomic.TEMP_SUFFIX}"
    (staging / "stops").mkdir(parents=True)
    (staging / "stops" / "1.html").write_text("half")
    site.mkdir()
    assert atomic.remove_stale_temps(site) == [staging]
    assert [p.name for p in tmp_path.iterdir()] == ["guide"]


def test_a_dead_writers_temp_files_are_swept_and_a_live_ones_kept(tmp_path):
    import os

    from stages.core.atomic import sweep_dead_temps

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)  # that process has ended
    (tmp_path / "ab").mkdir()
    dead = tmp_path / "ab" / f".abcd.wav.p{dead_pid}-x1y2z3.tmp"
    live = tmp_path / "ab" / f".abcd.wav.p{os.getppid()}-q1w2e3.tmp"  # the test runner's parent is alive
    ours = tmp_path / "ab" / f".abcd.wav.p{os.getpid()}-r4t5y6.tmp"
    other = tmp_path / "ab" / ".notes.txt.tmp"  # not laid out as ours: never touched
    for path in (dead, live, ours, other):
        path.write_bytes(b"half")
    assert sweep_dead_temps(tmp_path) == 1
    assert not dead.exists() and live.exists() and ours.exists() and other.exists()


def test_ctrl_c_exit_discards_the_temp_files_still_being_written(tmp_path):
    from stages.core.atomic import atomic_path, discard_live_temps

    with pytest.raises(FileNotFoundError):  # a writer that goes on after it has nothing to move into place
        with atomic_path(tmp_path / "a.wav") as tmp:
            tmp.write_bytes(b"half")
            discard_live_temps()  # as run_main does before os._exit(130), with a worker still inside its block
            assert not tmp.exists()
    assert list(tmp_path.iterdir()) == []
