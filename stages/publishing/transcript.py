"""The transcript of a stop: sentences with their cue times, read back from the narration's WebVTT file."""

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


def _key(text: str) -> str:
    return "".join(text.split())


def paragraphs(cues: list[Cue], script: str) -> list[list[Cue]]:
    """Group the cues into the script's paragraphs, so the transcript reads like the script.

    A cue opens a new paragraph when it is not in the current paragraph but is in the next one; a cue found
    in neither (a hand-edited script with markdown, say) stays where it is, so every cue is shown once.
    """
    keys = [_key(block) for block in re.split(r"\n\s*\n", script) if _key(block)]
    groups: list[list[Cue]] = [[]]
    current, offset = 0, 0
    for cue in cues:
        needle = _key(cue.text)
        found = keys[current].find(needle, offset) if current < len(keys) else -1
        if found < 0 and current + 1 < len(keys) and (ahead := keys[current + 1].find(needle)) >= 0:
            current, found = current + 1, ahead
            if groups[-1]:
                groups.append([])
        if found >= 0:
            offset = found + len(needle)
        groups[-1].append(cue)
    return [group for group in groups if group]
