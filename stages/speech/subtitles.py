"""WebVTT subtitles: one cue per sentence, timed from each chunk's real decoded duration."""

from collections.abc import Callable
from dataclasses import dataclass

from stages.core.text import split_sentences


@dataclass(frozen=True)
class SpokenChunk:
    text: str
    start_s: float  # where the chunk's audio starts in the narration
    duration_s: float  # the chunk's decoded length, pauses excluded


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


def cues_for(chunks: list[SpokenChunk], say: Callable[[str], str] | None = None) -> list[Cue]:
    """Share each chunk's duration out among its written sentences in proportion to their length.

    With `say` (written → spoken), the length is the spoken one: 751년 takes as long as 칠백오십일 년 to say.
    """
    cues = []
    for chunk in chunks:
        sentences = split_sentences(chunk.text) or [chunk.text]
        weights = [max(1, len((say(s) if say else s).replace(" ", ""))) for s in sentences]
        total = sum(weights)
        elapsed = 0
        for sentence, weight in zip(sentences, weights):
            start = chunk.start_s + chunk.duration_s * elapsed / total
            elapsed += weight
            end = chunk.start_s + chunk.duration_s * elapsed / total
            cues.append(Cue(start_s=start, end_s=end, text=sentence))
    return cues


def _timestamp(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape(text: str) -> str:
    # Cue text is HTML-like: &, < and > must be escaped, and "-->" would end the timing line.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cues: list[Cue], notes: list[str]) -> str:
    """A WebVTT file; `notes` (title, sources) go into a NOTE block in the header."""
    lines = ["WEBVTT", ""]
    if notes:
        lines += ["NOTE", *(note.replace("-->", "→") for note in notes), ""]
    for number, cue in enumerate(cues, start=1):
        lines += [str(number), f"{_timestamp(cue.start_s)} --> {_timestamp(cue.end_s)}", _escape(cue.text), ""]
    return "\n".join(lines)
