"""Nothing half-written: a failed write leaves neither the target nor a temp file behind."""

import numpy as np
import pytest
import soundfile as sf

from stages.core import atomic
from stages.core.errors import PipelineError
from stages.speech import assembly


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
