"""Chunk audio files → one mastered narration, in two passes over the chunk files, encoded once.

Pass 1 trims each chunk's edge silence and measures the narration as it will be laid out: lead-in, chunks,
the pauses the script asks for, tail. Pass 2 lays it out again with one gain and the true-peak limiter, and
encodes it. Both read the chunks block by block, so memory does not grow with the narration's length.
"""

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from stages.core.errors import PipelineError
from stages.core.params import AudioParams
from stages.speech.audio import mastering
from stages.speech.audio.layout import Encoded, Measurement

log = logging.getLogger(__name__)

# tts.format → libsndfile container and codec; opus only takes a few sample rates, so it gets its own.
_ENCODINGS = {
    "mp3": {"format": "MP3", "subtype": "MPEG_LAYER_III"},
    "wav": {"format": "WAV", "subtype": "PCM_16"},
    "flac": {"format": "FLAC", "subtype": "PCM_16"},
    "opus": {"format": "OGG", "subtype": "OPUS"},
}
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
BLOCK_FRAMES = 1 << 16
MAX_ENCODES = 3
LOUDNESS_TOLERANCE_LU = 0.2  # re-encode past this: well inside the ±0.5 LU a narration must meet
PEAK_STEP_DB = 0.15  # lower the ceiling by a codec's overshoot and this much more
_INT16_SCALE = np.float32(1 / 32768)


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


def _floats(path: Path, rate_for: Callable[[int], int]) -> Iterator[tuple[np.ndarray, int]]:
    for samples, rate in decoded(path, rate_for):
        yield samples.astype(np.float32) * _INT16_SCALE, rate


def _silence(frames: int) -> Iterator[np.ndarray]:
    for start in range(0, frames, BLOCK_FRAMES):
        yield np.zeros(min(BLOCK_FRAMES, frames - start), dtype=np.float32)


@dataclass(frozen=True)
class _Placed:
    """One chunk in the narration: which of its decoded samples to take, and the silence put before them."""

    path: Path
    skip: int  # leading samples dropped by the trim
    length: int  # samples taken: the sound and the few ms of edge silence kept
    silence_before: int
    onset: int  # where its sound starts in the narration
    sound: int  # from its first sound to its last


@dataclass(frozen=True)
class _Layout:
    rate: int
    placed: list[_Placed]
    tail: int  # silence after the last chunk
    frames: int
    lufs: float  # of the laid-out narration before any gain
    peak_db: float  # its 4× true peak


def _lay_out(parts: Iterable[tuple[Path, float]], fmt: str, audio: AudioParams) -> _Layout:
    """Pass 1: trim every chunk, place it after the silence it needs, and measure the result as it goes."""
    rate: int | None = None
    meter = peak = None
    placed: list[_Placed] = []
    frames = 0
    pause_s = audio.lead_in_s  # the silence due before the next chunk's sound
    tail_kept = 0  # edge silence the previous chunk brought along, which counts towards that pause

    def feed(block: np.ndarray) -> None:
        nonlocal frames
        meter.add(block)
        peak.peaks(block)
        frames += block.size

    for path, pause_after_s in parts:
        trim, gap, onset = None, 0, None
        # rate is read late on purpose: None until the first chunk's first block fixes it.
        for block, block_rate in _floats(path, lambda source: rate or output_rate(fmt, source)):  # noqa: B023
            if rate is None:
                rate = block_rate
                meter, peak = mastering.LoudnessMeter(rate), mastering.TruePeak()
            if trim is None:
                trim = mastering.Trim(audio.silence_threshold_db, round(audio.trim_keep_s * rate))
            kept = trim.feed(block)
            if kept and onset is None:  # the chunk's first sound: its head is known, so the silence before it is too
                gap = max(0, round(pause_s * rate) - tail_kept - trim.head)
                for zeros in _silence(gap):
                    feed(zeros)
                onset = frames + trim.head
            for part in kept:
                if part.size:
                    feed(part)
        if trim is None or not trim.sound:
            # A silent chunk adds nothing (its subtitles get no time); the longer of the two pauses stands.
            placed.append(_Placed(path, 0, 0, 0, frames, 0))
            if any(chunk.sound for chunk in placed):
                pause_s = max(pause_s, pause_after_s)
            continue
        for part in trim.finish():
            if part.size:
                feed(part)
        placed.append(_Placed(path, trim.skipped, trim.length, gap, onset, trim.sound))
        pause_s, tail_kept = pause_after_s, trim.tail
    if not any(chunk.sound for chunk in placed):
        raise PipelineError("nothing to encode: every chunk is silent under audio.silence_threshold_db; lower it, "
                            "or clear the chunk cache (make clean-cache) if the engine returned silence")
    tail = max(0, round(audio.tail_s * rate) - tail_kept)
    for zeros in _silence(tail):
        feed(zeros)
    peak.finish()
    return _Layout(rate, placed, tail, frames, meter.integrated(), peak.db())


def _laid_out(layout: _Layout) -> Iterator[np.ndarray]:
    """The narration pass 1 measured, sample for sample: the kept part of each chunk, between its silences."""
    for chunk in layout.placed:
        yield from _silence(chunk.silence_before)
        if not chunk.length:
            continue
        at, end = 0, chunk.skip + chunk.length
        for block, _ in _floats(chunk.path, lambda source: layout.rate):
            part = block[max(0, chunk.skip - at):max(0, end - at)]
            at += block.size
            if part.size:
                yield part
        if at < end:
            raise PipelineError(f"chunk audio {chunk.path.name} changed while the narration was encoded; run again")
    yield from _silence(layout.tail)


def encode(parts: Iterable[tuple[Path, float]], out: Path, fmt: str, audio: AudioParams = AudioParams(),
           finish: Callable[[Path], None] | None = None) -> Encoded:
    """Master and encode (chunk file, pause after it) pairs into `out`, which the caller makes atomic (narrate.py).

    `parts` is read once, as it comes (the chunks may still be being synthesised); pass 2 reads the files again.
    The encoded file is measured as decoded. A codec can lift the peaks past audio.peak_margin_db or take some
    loudness away (Opus drops what is over its bandwidth); then it is encoded again, aiming off by what it
    missed, at most MAX_ENCODES times in all. `finish(out)` runs on the final file before its length is
    checked (e.g. to tag it).
    """
    layout = _lay_out(parts, fmt, audio)
    rate = layout.rate
    aim, ceiling = audio.loudness_lufs, audio.true_peak_db - audio.peak_margin_db
    lift = audio.peak_margin_db  # how far the codec raises the peaks over the limiter's ceiling, at most
    for attempt in range(1, MAX_ENCODES + 1):
        gain_db = mastering.gain_db(lambda: _laid_out(layout), rate, layout.lufs, layout.peak_db, aim, ceiling)
        measured = _write(out, layout, fmt, gain_db, ceiling)
        over = measured.true_peak_db - audio.true_peak_db
        short = audio.loudness_lufs - measured.lufs
        if over <= 0 and abs(short) <= LOUDNESS_TOLERANCE_LU:
            break
        if attempt == MAX_ENCODES:
            log.warning("%s: %.2f LUFS, %.2f dBTP after %d encodes (aimed at %.1f LUFS, %.1f dBTP); try a larger "
                        "audio.peak_margin_db", out.name, measured.lufs, measured.true_peak_db, attempt,
                        audio.loudness_lufs, audio.true_peak_db)
            break
        # Opus's lift changes from one encode to the next: keep the largest seen, with a step to spare.
        lift = max(lift, measured.true_peak_db - ceiling + PEAK_STEP_DB)
        ceiling = audio.true_peak_db - lift
        aim += short
    if finish is not None:
        finish(out)
    # The file must say how long it is (an mp3 through its LAME header): what players and metrics read.
    reported = sf.info(out).frames
    if reported != layout.frames:
        raise PipelineError(f"{out.name}: the encoded file reports {reported} samples but {layout.frames} "
                            "were written")
    return Encoded(duration_s=layout.frames / rate, spans=[(c.onset / rate, c.sound / rate) for c in layout.placed],
                   gain_db=gain_db, measured=measured, encodes=attempt)


def _write(tmp: Path, layout: _Layout, fmt: str, gain_db: float, ceiling_db: float) -> Measurement:
    """Pass 2: the laid-out narration times one gain, through the limiter, encoded; measured as decoded."""
    scale = np.float32(10 ** (gain_db / 20))
    frames = 0
    with sf.SoundFile(tmp, "w", samplerate=layout.rate, channels=1, **_ENCODINGS[fmt]) as writer:
        limiter = mastering.TruePeakLimiter(layout.rate, ceiling_db)
        # Decoding, gain and limiter on one core while the encoder (libsndfile, without the GIL) runs on another.
        for block in _ahead(mastering.limited((block * scale for block in _laid_out(layout)), limiter)):
            writer.write(block)
            frames += block.size
    if frames != layout.frames:
        raise PipelineError(f"{tmp.name}: {frames} samples encoded but {layout.frames} laid out; run again")
    return measure_file(tmp)


_DONE = object()


def _ahead(blocks: Iterator[np.ndarray], depth: int = 4) -> Iterator[np.ndarray]:
    """`blocks`, computed in a worker thread at most `depth` blocks ahead of the reader; its errors re-raised here.

    Memory stays bounded by `depth` blocks; when the reader stops early, the worker stops at its next block.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for block in blocks:
                if not put(block):
                    return
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 (handed to the reader, who raises it)
            put(exc)

    worker = threading.Thread(target=work, name="mastering", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def measure_file(path: Path) -> Measurement:
    """Loudness, loudness range, true peak and length of an audio file, decoded block by block."""
    with sf.SoundFile(path) as audio:
        return mastering.measure(_sequential_blocks(audio), audio.samplerate)


def _sequential_blocks(audio: sf.SoundFile) -> Iterator[np.ndarray]:
    """Mono float32 blocks read straight through libsndfile.

    SoundFile.read and .blocks seek after every read; on an MP3 that makes libmpg123 resynchronise and print
    "part2_3_length too large" errors, so this reads with sf_readf_float and never seeks.
    """
    while True:
        block = np.empty(BLOCK_FRAMES * audio.channels, dtype=np.float32)
        frames = sf._snd.sf_readf_float(audio._file, sf._ffi.cast("float *", sf._ffi.from_buffer(block)), BLOCK_FRAMES)
        if frames <= 0:
            return
        yield block[:frames * audio.channels].reshape(frames, audio.channels).mean(axis=1)
