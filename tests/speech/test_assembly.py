"""Assembly: one encode, pauses between chunks, a duration that matches the decoded samples, atomic output."""

import tracemalloc
from pathlib import Path

import mutagen
import numpy as np
import pytest
import soundfile as sf

from stages.core.errors import PipelineError
from stages.speech import assembly

RATE = 24000


@pytest.fixture
def chunk_files(tmp_path) -> list[Path]:
    files = []
    for index, seconds in enumerate([1.0, 0.5, 2.25]):
        path = tmp_path / f"{index}.wav"
        t = np.arange(int(seconds * RATE)) / RATE
        sf.write(path, (np.sin(2 * np.pi * 300 * (index + 1) * t) * 9000).astype(np.int16), RATE, subtype="PCM_16")
        files.append(path)
    return files


@pytest.mark.parametrize("fmt", ["mp3", "wav", "flac", "opus"])
def test_the_duration_is_the_decoded_samples(tmp_path, chunk_files, fmt):
    out = tmp_path / f"narration.{fmt}"
    pauses = assembly.pauses(["paragraph", "sentence", "paragraph"])
    duration = assembly.encode(zip(chunk_files, pauses), out, fmt).duration_s
    assert duration == pytest.approx(1.0 + 0.6 + 0.5 + 0.15 + 2.25, abs=1e-3)
    decoded, rate = sf.read(out, dtype="int16")
    assert decoded.shape[0] / rate == pytest.approx(duration, abs=1e-9)
    assert sf.info(out).duration == pytest.approx(duration, abs=1e-9)
    assert mutagen.File(out).info.length == pytest.approx(duration, abs=0.03 if fmt == "opus" else 1e-6)


def test_pauses_follow_what_each_chunk_ends():
    assert assembly.pauses(["sentence", "word", "paragraph", "paragraph"]) == [
        assembly.SENTENCE_PAUSE_S, assembly.PAUSE_AFTER_S["word"], assembly.PARAGRAPH_PAUSE_S, 0.0]


def test_chunks_are_joined_in_the_order_given(tmp_path, chunk_files):
    out = tmp_path / "narration.wav"
    assembly.encode(((f, 0.0) for f in reversed(chunk_files)), out, "wav")
    decoded, _ = sf.read(out, dtype="int16")
    expected = np.concatenate([sf.read(f, dtype="int16")[0] for f in reversed(chunk_files)])
    assert np.array_equal(decoded, expected)


def test_an_undecodable_chunk_fails_and_leaves_the_old_output_alone(tmp_path, chunk_files):
    out = tmp_path / "narration.mp3"
    out.write_bytes(b"the previous narration")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    with pytest.raises(PipelineError, match="bad.wav cannot be decoded"):
        assembly.encode([(chunk_files[0], 0.6), (bad, 0.0)], out, "mp3")
    assert out.read_bytes() == b"the previous narration"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def _peak_bytes(parts, out: Path) -> int:
    tracemalloc.start()
    try:
        assembly.encode(parts, out, "mp3")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_chunks(tmp_path, chunk_files):
    """numpy reports its buffers to tracemalloc: 100 chunks must peak no higher than 10 (one chunk at a time)."""
    short = _peak_bytes([(chunk_files[2], 0.6)] * 10, tmp_path / "short.mp3")
    long = _peak_bytes([(chunk_files[2], 0.6)] * 100, tmp_path / "long.mp3")
    assert long < short * 1.2 + 100_000


def test_spans_locate_each_chunk_and_finish_runs_before_the_move(tmp_path, chunk_files):
    out = tmp_path / "narration.wav"
    seen = []

    def finish(tmp):
        seen.append((tmp.parent == out.parent, tmp != out, out.exists()))

    encoded = assembly.encode(zip(chunk_files, [0.6, 0.15, 0.0]), out, "wav", finish=finish)
    assert seen == [(True, True, False)]  # on the temp file, before the narration appears
    assert encoded.spans == [pytest.approx(span) for span in [(0.0, 1.0), (1.6, 0.5), (2.25, 2.25)]]
    assert encoded.duration_s == pytest.approx(4.5)


def test_a_failing_finish_leaves_no_narration(tmp_path, chunk_files):
    out = tmp_path / "narration.mp3"

    def finish(tmp):
        raise RuntimeError("tagging failed")

    with pytest.raises(RuntimeError):
        assembly.encode(zip(chunk_files, [0.0, 0.0, 0.0]), out, "mp3", finish=finish)
    assert [p.name for p in tmp_path.iterdir() if p.suffix != ".wav"] == []
