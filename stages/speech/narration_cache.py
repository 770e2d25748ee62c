"""Encoded narrations by content: a re-run whose chunks, pauses, format, tags and encoder code are unchanged
copies the file instead of encoding it again.

The audio stage re-runs for the whole catalogue whenever any of its inputs change: one keyword's script, or
the way back to a voice heard before when DVC's run-cache does not have that run. The other narrations' chunks
then all come from the chunk cache, and encoding (an mp3 of a few minutes takes about a second) is most of what
is left. The entry holds the encoded file
and, beside it, where each chunk's speech sits in it (for the subtitles) and how it measured (for the metrics).
"""

import json
import shutil
from dataclasses import asdict
from functools import cache
from pathlib import Path

from stages.core.atomic import write_text
from stages.core.cache import Cache, content_key
from stages.core.stage_cache import files_hash
from stages.speech.audio.layout import Encoded, Measurement

NARRATIONS = "narrations"
# The folder whose code shapes the encoded bytes: a change to any file in it must miss, a file added to it
# included. Read as files, not imported: a hit must not pay for importing numpy and mutagen.
ENCODER_FOLDER = Path(__file__).with_name("audio")


@cache  # the code does not change during a run; a catalogue asks once per narration
def encoder_version() -> str:
    """The hash of every .py file under the encoding folder, by relative name and content."""
    return files_hash([ENCODER_FOLDER], ENCODER_FOLDER)


def narration_key(chunk_keys: list[str], pauses: list[float], fmt: str, tag_values: dict, assembly_params: dict) -> str:
    """Everything that decides the encoded file's bytes."""
    return content_key({"chunks": chunk_keys, "pauses": pauses, "format": fmt, "tags": tag_values,
                        "assembly": assembly_params, "encoder": encoder_version()})


class NarrationCache:
    """Encoded narrations (<key>.<format>) and their chunk spans (<key>.json), under the cache root."""

    def __init__(self, fmt: str) -> None:
        self.audio = Cache(NARRATIONS, f".{fmt}")
        self.spans = Cache(NARRATIONS, ".json")

    def lookup(self, key: str) -> tuple[Path, Encoded] | None:
        """The entry's encoded file and what its encoding measured; None on a miss. The caller copies the file."""
        audio, spans = self.audio.get(key), self.spans.get(key)
        if audio is None or spans is None:
            return None
        try:
            record = json.loads(spans.read_text(encoding="utf-8"))
            encoded = Encoded(duration_s=record["duration_s"], spans=[tuple(s) for s in record["spans"]],
                              gain_db=record["gain_db"], measured=Measurement(**record["measured"]),
                              encodes=record["encodes"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None  # a damaged entry is a miss; the stage encodes afresh and replaces it
        return audio, encoded

    def store(self, key: str, out: Path, encoded: Encoded) -> None:
        """Keep a copy of the freshly encoded `out`; the spans go in last, so a half entry is never a hit."""
        self.audio.put(key, lambda tmp: shutil.copyfile(out, tmp))
        record = {"duration_s": encoded.duration_s, "spans": [list(span) for span in encoded.spans],
                  "gain_db": encoded.gain_db, "measured": asdict(encoded.measured), "encodes": encoded.encodes}
        write_text(self.spans.path(key), json.dumps(record))
