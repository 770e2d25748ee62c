"""Tags: the keyword as title plus album and comment, in each format's own tag system, byte-stable."""

import hashlib

import mutagen
import mutagen.ogg
import numpy as np
import pytest

from stages.speech.audio import assembly
from stages.speech.audio.tags import fix_ogg_serial, write_tags


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


def test_an_opus_file_stopped_mid_tagging_leaves_no_other_file_beside_it(tmp_path, monkeypatch):
    # The serial is rewritten in place: a second file beside the temp one would outlive a killed run, and the
    # clean-up of the next run could not tell whose it is.
    tagged(tmp_path, "opus", "a")
    pages = []

    def write_then_stop(page):
        pages.append(page)
        if len(pages) == 2:
            raise KeyboardInterrupt
        return original(page)

    original = mutagen.ogg.OggPage.write
    monkeypatch.setattr(mutagen.ogg.OggPage, "write", write_then_stop)
    with pytest.raises(KeyboardInterrupt):
        fix_ogg_serial(tmp_path / "a.opus")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.opus", "chunk.wav"]
