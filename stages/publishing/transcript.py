"""The transcript of a stop: the narration's cues (read by stages/core/vtt.py) grouped into the script's paragraphs."""

import re

from stages.core.vtt import Cue


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
