"""A narration's layout and the record of its encoding, without numpy: the pauses between its chunks, what the
encoder wrote (where each chunk's speech sits, how the file measures).

A narration served whole from the encoded-narration cache needs only these, so an audio stage with nothing to
encode never imports numpy, soundfile or mutagen (docs/performance.md: Lean stage processes).
"""

from dataclasses import dataclass

from stages.core.params import AudioParams


def pauses(ends: list[str], audio: AudioParams) -> list[float]:
    """The silence after each chunk, by what its last word ends (chunking.Chunk.end); the tail follows the last."""
    after = {"paragraph": audio.paragraph_pause_s, "sentence": audio.sentence_pause_s, "word": audio.word_pause_s}
    return [0.0 if i == len(ends) - 1 else after[end] for i, end in enumerate(ends)]


@dataclass(frozen=True)
class Measurement:
    """Loudness figures of one stream."""

    lufs: float
    lra: float
    true_peak_db: float
    duration_s: float


@dataclass(frozen=True)
class Encoded:
    """What the encoder wrote: the total length, where each chunk's speech sits in it, and how it measures."""

    duration_s: float
    spans: list[tuple[float, float]]  # (start, length) of each chunk's speech, edge silence and pauses excluded
    gain_db: float  # the one gain applied before the limiter
    measured: Measurement  # of the decoded output file
    encodes: int  # 1, or more when the codec moved the loudness or the peaks too far
