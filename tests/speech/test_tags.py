"""Tags: the keyword as title plus album and comment, in each format's own tag system, byte-stable."""

import hashlib

import mutagen
import numpy as np
import pytest

from stages.speech import assembly
from stages.speech.tags import write_tags


def tagged(tmp_path, fmt: str, name: str) -> bytes:
    import soundfile as sf

    chunk = tmp_path / "chunk.wav"
    sf.write(chunk, (np.sin(np.arange(24000) / 7) * 6000).astype(np.int16), 24000)
    out = tmp_path / f"{name}.{fmt}"
    assembly.encode([(chunk, 0.0)], out, fmt)
    write_tags(out, fmt, title="백자 달항아리", album="오디오 가이드", comment="출처: 테스트")
    return out.read_bytes()


@pytest.mark.parametrize("fmt", ["mp3", "wav", "flac", "opus"])
def test_tags_are_written_and_stable_between_runs(tmp_path, fmt):
    first, second = tagged(tmp_path, fmt, "a"), tagged(tmp_path, fmt, "b")
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    audio = mutagen.File(tmp_path / f"a.{fmt}")
    if fmt in ("mp3", "wav"):
        assert str(audio.tags["TIT2"]) == "백자 달항아리" and str(audio.tags["TALB"]) == "오디오 가이드"
        assert str(audio.tags["COMM::kor"]) == "출처: 테스트"
    else:
        assert audio["title"] == ["백자 달항아리"] and audio["album"] == ["오디오 가이드"]
        assert audio["comment"] == ["출처: 테스트"]
