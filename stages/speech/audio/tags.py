"""Audio tags: ID3 for mp3 (and wav), Vorbis comments for flac and opus. No dates, so bytes stay stable."""

from pathlib import Path

from mutagen.flac import FLAC
from mutagen.id3 import COMM, ID3, TALB, TIT2
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus
from mutagen.wave import WAVE

from stages.core.errors import PipelineError

_OGG_SERIAL = 0x646F6365  # any fixed value; libsndfile draws a random one per file


def fix_ogg_serial(path: Path) -> None:
    """Give every Ogg page one fixed stream serial, page by page, so identical audio gives identical bytes.

    Call it on the temp file, which is rewritten in place: a second file beside it would be a temp file of no
    output's, which the clean-up after a killed run cannot recognise. An hour of opus is ~15 MB in memory.
    """
    pages = []
    with open(path, "rb") as source:
        while True:
            try:
                page = OggPage(source)
            except EOFError:
                break
            page.serial = _OGG_SERIAL
            pages.append(page.write())  # write() recomputes the page checksum
    path.write_bytes(b"".join(pages))


def write_tags(path: Path, fmt: str, *, title: str, album: str, comment: str) -> None:
    """Tag the file in place (call it on the temp file, before it is moved into place)."""
    if fmt in ("mp3", "wav"):
        frames = [TIT2(encoding=3, text=title), TALB(encoding=3, text=album),
                  COMM(encoding=3, lang="kor", desc="", text=comment)]
        if fmt == "mp3":
            tags = ID3()
            for frame in frames:
                tags.add(frame)
            tags.save(path, v2_version=4)
        else:
            audio = WAVE(path)
            audio.add_tags()
            for frame in frames:
                audio.tags.add(frame)
            audio.save(v2_version=4)
    elif fmt in ("flac", "opus"):
        if fmt == "opus":
            fix_ogg_serial(path)
        audio = FLAC(path) if fmt == "flac" else OggOpus(path)
        audio["title"] = title
        audio["album"] = album
        audio["comment"] = comment
        audio.save()
    else:
        raise PipelineError(f"cannot tag a .{fmt} file")
