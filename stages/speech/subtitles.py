"""Subtitle cues: one per sentence, timed from each chunk's real decoded duration (written by stages/core/vtt.py)."""

from collections.abc import Callable
from dataclasses import dataclass

from stages.core.text import split_sentences
from stages.core.vtt import Cue


@dataclass(frozen=True)
class SpokenChunk:
    text: str
    start_s: float  # where the chunk's audio starts in the narration
    duration_s: float  # the chunk's decoded length, pauses excluded


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
