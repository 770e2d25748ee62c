"""Chunk audio files → one encoded narration, encoded once, chunk by chunk, written atomically."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from stages.atomic import atomic_path
from stages.errors import PipelineError

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


def read_chunk(path: Path) -> tuple[np.ndarray, int]:
    """Decode one chunk file to mono int16 samples; an undecodable file is a PipelineError."""
    try:
        samples, rate = sf.read(path, dtype="int16", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise PipelineError(f"chunk audio {path.name} cannot be decoded: {exc}") from None
    return samples.mean(axis=1).astype(np.int16) if samples.shape[1] > 1 else samples[:, 0], rate


@dataclass(frozen=True)
class Encoded:
    """What the encoder wrote: the total length and where each chunk's speech sits in it."""

    duration_s: float
    spans: list[tuple[float, float]]  # (start, length) of each chunk's sound, pauses excluded, in seconds


def encode(parts: Iterable[tuple[Path, float]], out: Path, fmt: str,
           finish: Callable[[Path], None] | None = None) -> Encoded:
    """Encode (chunk file, pause after it) pairs into `out`.

    Only one chunk is in memory at a time, so memory does not grow with the narration's length.
    `finish(temp_path)` runs on the complete file before it is moved into place (e.g. to tag it).
    """
    encoding = _ENCODINGS[fmt]
    frames = 0
    spans: list[tuple[int, int]] = []
    with atomic_path(out) as tmp:
        writer = None
        try:
            for path, pause_s in parts:
                samples, rate = read_chunk(path)
                if writer is None:
                    target = output_rate(fmt, rate)
                    writer = sf.SoundFile(tmp, "w", samplerate=target, channels=1, **encoding)
                samples = resample(samples, rate, target)
                silence = np.zeros(int(round(pause_s * target)), dtype=np.int16)
                writer.write(samples)
                writer.write(silence)
                spans.append((frames, samples.size))
                frames += samples.size + silence.size
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
