"""Chunk audio files → one encoded narration, encoded once, chunk by chunk, written atomically."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from stages.core.atomic import atomic_path
from stages.core.errors import PipelineError

PARAGRAPH_PAUSE_S = 0.6
SENTENCE_PAUSE_S = 0.15
# Silence after a chunk, by what its last word ends (chunking.Chunk.end); none after the last chunk.
PAUSE_AFTER_S = {"paragraph": PARAGRAPH_PAUSE_S, "sentence": SENTENCE_PAUSE_S, "word": 0.05}

# tts.format → libsndfile container and codec; opus only takes a few sample rates, so it gets its own.
_ENCODINGS = {
    "mp3": {"format": "MP3", "subtype": "MPEG_LAYER_III"},
    "wav": {"format": "WAV", "subtype": "PCM_16"},
    "flac": {"format": "FLAC", "subtype": "PCM_16"},
    "opus": {"format": "OGG", "subtype": "OPUS"},
}
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
BLOCK_FRAMES = 1 << 16


def output_rate(fmt: str, source_rate: int) -> int:
    if fmt == "opus" and source_rate not in _OPUS_RATES:
        return 48000
    return source_rate


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Linear-interpolation resampling; enough for speech between nearby rates."""
    if from_rate == to_rate or samples.size == 0:
        return samples
    count = int(round(samples.size * to_rate / from_rate))
    positions = np.arange(count) * (from_rate / to_rate)
    return np.interp(positions, np.arange(samples.size), samples.astype(np.float32)).astype(samples.dtype)


def _mono(block: np.ndarray) -> np.ndarray:
    return block.mean(axis=1).astype(np.int16) if block.shape[1] > 1 else block[:, 0]


def decoded(path: Path, rate_for: Callable[[int], int]) -> Iterator[tuple[np.ndarray, int]]:
    """One chunk file as mono int16 blocks at rate_for(its rate), with that rate; undecodable → PipelineError.

    Blocks, so that even one chunk is never whole in memory, except when it must be resampled (opus).
    """
    try:
        with sf.SoundFile(path) as chunk:
            target = rate_for(chunk.samplerate)
            if target == chunk.samplerate:
                for block in chunk.blocks(blocksize=BLOCK_FRAMES, dtype="int16", always_2d=True):
                    yield _mono(block), target
            else:
                yield resample(_mono(chunk.read(dtype="int16", always_2d=True)), chunk.samplerate, target), target
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise PipelineError(f"chunk audio {path.name} cannot be decoded: {exc}") from None


@dataclass(frozen=True)
class Encoded:
    """What the encoder wrote: the total length and where each chunk's speech sits in it."""

    duration_s: float
    spans: list[tuple[float, float]]  # (start, length) of each chunk's sound, pauses excluded, in seconds


def encode(parts: Iterable[tuple[Path, float]], out: Path, fmt: str,
           finish: Callable[[Path], None] | None = None) -> Encoded:
    """Encode (chunk file, pause after it) pairs into `out`.

    Chunks are read block by block as they come, so memory does not grow with the narration's length.
    `finish(temp_path)` runs on the complete file before it is moved into place (e.g. to tag it).
    """
    encoding = _ENCODINGS[fmt]
    frames = 0
    target: int | None = None
    spans: list[tuple[int, int]] = []
    with atomic_path(out) as tmp:
        writer = None
        try:
            for path, pause_s in parts:
                start = frames
                # Every chunk goes to the first chunk's output rate.
                # target is read late on purpose: None until the first block fixes it.
                for samples, rate in decoded(path, lambda source: target or output_rate(fmt, source)):  # noqa: B023
                    if writer is None:
                        target = rate
                        writer = sf.SoundFile(tmp, "w", samplerate=target, channels=1, **encoding)
                    writer.write(samples)
                    frames += samples.size
                spans.append((start, frames - start))
                if writer is not None:
                    silence = np.zeros(int(round(pause_s * target)), dtype=np.int16)
                    writer.write(silence)
                    frames += silence.size
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            raise PipelineError(f"nothing to encode for {out.name}: the script has no speakable text")
        if finish is not None:
            finish(tmp)
        # The file must say how long it is (an mp3 through its LAME header): what players and metrics read.
        reported = sf.info(tmp).frames
        if reported != frames:
            raise PipelineError(f"{out.name}: the encoded file reports {reported} samples but {frames} were written")
    return Encoded(duration_s=frames / target, spans=[(start / target, size / target) for start, size in spans])


def pauses(ends: list[str]) -> list[float]:
    """The silence after each chunk, from what each chunk ends; the last chunk gets none."""
    return [0.0 if i == len(ends) - 1 else PAUSE_AFTER_S[end] for i, end in enumerate(ends)]
