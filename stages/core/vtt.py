"""WebVTT, both ways: the audio stage writes a narration's cues, the guide reads them back for its transcript.

One module, so that what is written is what is read; in core because speech and publishing both use it.
"""

import html
import re
from dataclasses import dataclass

from stages.core.errors import PipelineError

_TIMING = re.compile(r"^(\d+):(\d\d):(\d\d\.\d{3})\s+-->\s+(\d+):(\d\d):(\d\d\.\d{3})")
_TAG = re.compile(r"<[^>]*>")  # cue-text markup such as <v Speaker>; escaped text (&lt;) is not a tag


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Subtitles:
    notes: list[str]  # lines of the NOTE blocks (title, source, voice)
    cues: list[Cue]


def _seconds(hours: str, minutes: str, seconds: str) -> float:
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def parse_vtt(text: str, name: str = "subtitles") -> Subtitles:
    """Cues and NOTE lines of a WebVTT file; a file that is not WebVTT is a PipelineError."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip("\ufeff\n"))
    if not blocks[0].startswith("WEBVTT"):
        raise PipelineError(f"{name} is not a WebVTT file; re-run its audio stage")
    notes: list[str] = []
    cues: list[Cue] = []
    for block in blocks[1:]:
        lines = block.strip("\n").split("\n")
        if lines[0].startswith("NOTE"):
            notes += [line for line in [lines[0][4:].strip(), *lines[1:]] if line.strip()]
            continue
        timing = next((i for i, line in enumerate(lines[:2]) if _TIMING.match(line)), None)
        if timing is None:
            continue  # a STYLE or REGION block: nothing to read along
        m = _TIMING.match(lines[timing])
        words = html.unescape(_TAG.sub("", " ".join(lines[timing + 1:]))).strip()
        if words:
            cues.append(Cue(start_s=_seconds(*m.groups()[:3]), end_s=_seconds(*m.groups()[3:]), text=words))
    return Subtitles(notes=notes, cues=cues)


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
