"""Speed of mastering in × real time: the loudness pass and the limiter pass, as assembly runs them.

    python -m bench.mastering [seconds]

bench.run calls speed(); nothing here asserts a time.
"""

import sys
import time
from collections.abc import Iterator

import numpy as np
import scipy.signal

from stages.speech.audio import mastering

RATE = 24000  # OpenAI's speech rate
BLOCK = 1 << 16  # assembly's block size


def _speech_like(seconds: float, rate: int) -> np.ndarray:
    """Red noise under a syllable envelope, peaking near +4 dBTP at −16 LUFS, as espeak does: the limiter works."""
    rng = np.random.default_rng(0)
    frames = int(seconds * rate)
    noise = scipy.signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal(frames))
    t = np.arange(frames) / rate
    envelope = np.sin(2 * np.pi * 2.5 * t) ** 2 * (0.3 + 0.7 * rng.random(int(seconds) + 1))[t.astype(int)]
    return (noise / np.abs(noise).max() * envelope).astype(np.float32)


def _blocks(loop: np.ndarray, frames: int) -> Iterator[np.ndarray]:
    """`frames` samples of `loop` repeated, in assembly-sized blocks, without holding them all."""
    done = 0
    while done < frames:
        start = done % loop.size
        block = loop[start:start + min(BLOCK, frames - done)]
        done += block.size
        yield block


def speed(seconds: float = 300.0, rate: int = RATE) -> dict[str, float]:
    """× real time of pass 1 (loudness and true peak), pass 2's limiter, both, and the make-up probe."""
    loop = _speech_like(30.0, rate)
    frames = int(seconds * rate)
    started = time.perf_counter()
    meter, peak = mastering.LoudnessMeter(rate), mastering.TruePeak()
    for block in _blocks(loop, frames):
        meter.add(block)
        peak.peaks(block)
    peak.finish()
    measured = time.perf_counter() - started
    gain = np.float32(10 ** ((-16.0 - meter.integrated()) / 20))
    started = time.perf_counter()
    limiter = mastering.TruePeakLimiter(rate, -1.5)
    for _ in mastering.limited((block * gain for block in _blocks(loop, frames)), limiter):
        pass
    limited = time.perf_counter() - started
    started = time.perf_counter()
    mastering.gain_db(lambda: _blocks(loop, frames), rate, meter.integrated(), peak.db(), -16.0, -1.5)
    probe = time.perf_counter() - started
    return {"loudness": seconds / measured, "limiter": seconds / limited,
            "loudness+limiter": seconds / (measured + limited), "make-up probe": seconds / probe,
            "limited_share": limiter.limited / frames}


def main(argv: list[str]) -> None:
    seconds = float(argv[0]) if argv else 300.0
    figures = speed(seconds)
    print(f"mastering {seconds:.0f} s of speech-like sound at {RATE} Hz "
          f"({figures.pop('limited_share'):.0%} of samples limited):")
    for name, factor in figures.items():
        print(f"  {name:18s} {factor:8.0f}× real time")


if __name__ == "__main__":
    main(sys.argv[1:])
