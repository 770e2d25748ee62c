"""Mastering, block by block: BS.1770-4 loudness and loudness range, 4× true peak, a true-peak limiter, trimming.

Everything here takes a mono stream as float blocks in [-1, 1] and keeps only per-block buffers and
per-100 ms energies, so a 60-minute narration is never in memory: that is what lets assembly measure a
whole narration in one pass over its chunk files and master it in a second.
"""

import math
from array import array
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from stages.speech.audio.layout import Measurement

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0  # BS.1770-4 integrated loudness
LRA_RELATIVE_GATE_LU = -20.0  # EBU Tech 3342
LRA_PERCENTILES = (10.0, 95.0)
# Gating blocks are 400 ms with 75 % overlap, so every figure is built from 100 ms "quarters".
QUARTERS_PER_BLOCK = 4
QUARTERS_PER_SHORT_TERM = 30  # Tech 3342's 3 s short-term window, at the 10 Hz it asks for at least
OVERSAMPLING = 4
# 64 taps at 4× (BS.1770-4 Annex 2 shows 48): on speech it reads within 0.03 dB of scipy's resample_poly.
TAPS_PER_PHASE = 16
# The limiter aims this far under its ceiling: where it limits densely, its gain changes within the filter length
# move the interpolated peak by up to 0.07 dB on bright noise.
LIMITER_GUARD_DB = 0.1
# How far above the plain gain the limiter's loss is probed, and the most make-up gain granted for it.
PROBE_DB = 1.0
MAX_MAKEUP_DB = 3.0
_TINY = 1e-12
_LOG2_CENTI_DB = -0.01 / (20 * math.log10(2))


def k_weighting(rate: int) -> np.ndarray:
    """The K-weighting pre-filter (high shelf, then high pass) at `rate`, as second-order sections.

    Derived as pyloudnorm derives it (RBJ cookbook biquads: +4 dB shelf at 1500 Hz with Q 1/√2, 38 Hz high
    pass with Q 0.5), so the two meters agree at any sample rate, not only at BS.1770's 48 kHz table.
    """
    sections = []
    for kind, gain_db, q, fc in (("high_shelf", 4.0, 1 / math.sqrt(2), 1500.0), ("high_pass", 0.0, 0.5, 38.0)):
        a_ = 10 ** (gain_db / 40)
        w0 = 2 * math.pi * fc / rate
        alpha = math.sin(w0) / (2 * q)
        cos = math.cos(w0)
        if kind == "high_shelf":
            root = 2 * math.sqrt(a_) * alpha
            b = [a_ * ((a_ + 1) + (a_ - 1) * cos + root), -2 * a_ * ((a_ - 1) + (a_ + 1) * cos),
                 a_ * ((a_ + 1) + (a_ - 1) * cos - root)]
            a = [(a_ + 1) - (a_ - 1) * cos + root, 2 * ((a_ - 1) - (a_ + 1) * cos), (a_ + 1) - (a_ - 1) * cos - root]
        else:
            b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
            a = [1 + alpha, -2 * cos, 1 - alpha]
        sections.append([value / a[0] for value in b + a])
    return np.array(sections)


_RUN = 128  # samples per row of the vectorised recursions below


class _Pole:
    """w[n] = p·w[n−1] + v[n] over a stream, w[−1] carried from block to block; p real or complex, |p| < 1.

    Vectorised in rows of _RUN samples: within a row, w = pⁱ·Σⱼ≤ᵢ p⁻ʲ·v[j] (a cumulative sum), then each row
    adds what it starts from, carried from the row before in one short loop over rows.
    """

    def __init__(self, pole: complex | float) -> None:
        self.pole = pole
        index = np.arange(_RUN)
        self._inverse = pole ** -index  # p⁻ⁱ; at most 0.44⁻¹²⁷ ≈ 1e45 (the 8 kHz shelf): far from overflow
        self._powers = pole ** index  # pⁱ
        self._next = pole ** (index + 1)  # pⁱ⁺¹: how the start of a row reaches sample i
        self._row_step = complex(pole ** _RUN) if isinstance(pole, complex) else float(pole ** _RUN)
        self.last: complex | float = 0.0

    def run(self, values: np.ndarray) -> np.ndarray:
        rows = -(-values.size // _RUN)
        grid = np.zeros((rows, _RUN), dtype=np.result_type(values, self._powers))
        grid.reshape(-1)[:values.size] = values
        local = np.cumsum(grid * self._inverse, axis=1)
        local *= self._powers  # each row as if it started from rest
        starts = np.empty(rows, dtype=local.dtype)
        carry, step = self.last, self._row_step
        for row, end in enumerate(local[:, -1].tolist()):
            starts[row] = carry
            carry = end + step * carry
        local += starts[:, None] * self._next
        out = local.reshape(-1)[:values.size]
        self.last = out[-1].item()
        return out


class _Biquads:
    """A cascade of second-order sections (scipy's sos layout, a0 = 1) over a stream, in numpy alone.

    Each section is its numerator (three taps) then its two poles: a conjugate pair as 2·Re(A/(1 − p·z⁻¹)),
    real poles one after the other. Same output as scipy.signal.sosfilt to ~1e-12, without importing scipy,
    which costs an audio stage 75 MB and seconds of start-up.
    """

    def __init__(self, sos: np.ndarray) -> None:
        self._sections = []
        for b0, b1, b2, _, a1, a2 in sos:
            discriminant = a1 * a1 - 4 * a2
            if discriminant < 0:
                pole = complex(-a1, math.sqrt(-discriminant)) / 2
                poles, scale = [_Pole(pole)], pole / (pole - pole.conjugate())
            else:
                root = math.sqrt(discriminant)
                poles, scale = [_Pole((-a1 + root) / 2), _Pole((-a1 - root) / 2)], None
            self._sections.append((np.array([b0, b1, b2]), np.zeros(2), poles, scale))

    def filter(self, block: np.ndarray) -> np.ndarray:
        out = np.asarray(block, dtype=np.float64)
        if out.size == 0:
            return out
        for taps, history, poles, scale in self._sections:
            padded = np.concatenate((history, out))
            history[:] = padded[-2:]
            out = taps[0] * padded[2:] + taps[1] * padded[1:-1] + taps[2] * padded[:-2]
            for pole in poles:
                out = pole.run(out)
            if scale is not None:
                out = 2 * (out * scale).real
        return out


def _db(power_or_amplitude: float, factor: float) -> float:
    return factor * math.log10(power_or_amplitude) if power_or_amplitude > 0 else float("-inf")


class LoudnessMeter:
    """BS.1770-4 integrated loudness and EBU Tech 3342 loudness range of a mono stream fed block by block."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.frames = 0
        self._weighting = _Biquads(k_weighting(rate))  # its state carried from block to block
        self._partial = 0.0  # sum of squares of the quarter being filled
        self._quarters = array("d")  # K-weighted sum of squares of each complete 100 ms quarter

    def _start(self, quarter: int | np.ndarray) -> int | np.ndarray:
        # Integer boundaries, so rates like 22050 and 11025 never drift.
        return quarter * self.rate // 10

    def add(self, block: np.ndarray) -> None:
        if block.size == 0:
            return
        weighted = np.square(self._weighting.filter(block))
        sums = np.concatenate(([0.0], np.cumsum(weighted)))
        first, end = self.frames, self.frames + block.size
        done = len(self._quarters)
        last = (end * 10) // self.rate + 1
        while self._start(last) > end:
            last -= 1
        # quarters done+1 … last start inside this block (or at its end): each closes the one before it
        cuts = np.asarray(self._start(np.arange(done + 1, last + 1)), dtype=np.int64) - first
        if cuts.size:
            closed = np.diff(sums[cuts], prepend=0.0)
            closed[0] += self._partial
            self._quarters.extend(closed)
            self._partial = sums[-1] - sums[cuts[-1]]
        else:
            self._partial += sums[-1]
        self.frames = end

    def add_silence(self, frames: int, block: int = 1 << 16) -> None:
        """Digital silence, fed through the filter too: the filter rings on after the sound before it."""
        for start in range(0, frames, block):
            self.add(np.zeros(min(block, frames - start)))

    def _windows(self, quarters: int) -> np.ndarray:
        """Mean square of every window of `quarters` consecutive quarters, one window per quarter step."""
        energy = np.frombuffer(self._quarters, dtype=np.float64) if self._quarters else np.zeros(0)
        if energy.size < quarters:
            return np.zeros(0)
        sums = np.concatenate(([0.0], np.cumsum(energy)))
        index = np.arange(energy.size - quarters + 1)
        lengths = self._start(index + quarters) - self._start(index)
        return np.maximum(sums[quarters:] - sums[:-quarters], 0.0) / lengths

    def integrated(self) -> float:
        """Integrated loudness, LUFS (−inf when nothing passes the gates)."""
        power = self._windows(QUARTERS_PER_BLOCK)
        with np.errstate(divide="ignore"):
            loudness = -0.691 + 10 * np.log10(power)
        gated = power[loudness >= ABSOLUTE_GATE_LUFS]
        if gated.size == 0:
            return float("-inf")
        relative = -0.691 + 10 * math.log10(gated.mean()) + RELATIVE_GATE_LU
        gated = power[(loudness > relative) & (loudness > ABSOLUTE_GATE_LUFS)]
        return -0.691 + _db(gated.mean(), 10) if gated.size else float("-inf")

    def loudness_range(self) -> float:
        """Loudness range, LU (0.0 when too little passes the gates to tell)."""
        power = self._windows(QUARTERS_PER_SHORT_TERM)
        with np.errstate(divide="ignore"):
            loudness = -0.691 + 10 * np.log10(power)
        gated = loudness[loudness >= ABSOLUTE_GATE_LUFS]
        if gated.size == 0:
            return 0.0
        relative = 10 * math.log10(np.mean(10 ** (gated / 10))) + LRA_RELATIVE_GATE_LU
        gated = gated[gated >= relative]
        low, high = np.percentile(gated, LRA_PERCENTILES)
        return float(high - low)


def _interpolator() -> np.ndarray:
    """The 4× interpolation filter (a Hamming-windowed sinc, as scipy's firwin makes it) as a (taps, phases) matrix."""
    length = OVERSAMPLING * TAPS_PER_PHASE
    cutoff = 1 / OVERSAMPLING
    taps = cutoff * np.sinc(cutoff * (np.arange(length) - (length - 1) / 2)) * np.hamming(length)
    taps *= OVERSAMPLING / taps.sum()  # each phase passes DC at unit gain
    # phase k's taps are h[k], h[k+4], …; reversed, so that sliding the input past a column convolves
    return np.ascontiguousarray(taps.reshape(TAPS_PER_PHASE, OVERSAMPLING)[::-1]).astype(np.float32)


class TruePeak:
    """The 4×-oversampled absolute peak of a mono stream (polyphase FIR), filter state carried across blocks."""

    # peaks()[i] is the peak around input sample i − DELAY: between it and the next one, the sample included.
    DELAY = TAPS_PER_PHASE // 2

    def __init__(self) -> None:
        self._phases = _interpolator()
        self._history = np.zeros(TAPS_PER_PHASE - 1, dtype=np.float32)
        self.peak = 0.0  # the highest so far, linear

    def peaks(self, block: np.ndarray) -> np.ndarray:
        """One peak per input sample: the largest of the sample and the oversampled points after it."""
        padded = np.concatenate((self._history, np.asarray(block, dtype=np.float32)))
        self._history = padded[padded.size - self._history.size:]
        size = padded.size - TAPS_PER_PHASE + 1
        own = TAPS_PER_PHASE - 1 - self.DELAY  # where sample i − DELAY sits in `padded`
        peaks = np.abs(padded[own:own + size])
        # Shifted multiply-adds rather than a matrix product: BLAS threads crawl when other processes share the cores.
        phase, term = np.empty(size, dtype=np.float32), np.empty(size, dtype=np.float32)
        for k in range(OVERSAMPLING):
            np.multiply(padded[:size], self._phases[0, k], out=phase)
            for tap in range(1, TAPS_PER_PHASE):
                phase += np.multiply(padded[tap:tap + size], self._phases[tap, k], out=term)
            np.maximum(peaks, np.abs(phase, out=phase), out=peaks)
        if peaks.size:
            self.peak = max(self.peak, float(peaks.max()))
        return peaks

    def finish(self) -> np.ndarray:
        """The peaks of the last DELAY samples (the filter's tail, fed with silence)."""
        return self.peaks(np.zeros(self.DELAY, dtype=np.float32))

    def db(self) -> float:
        return _db(self.peak, 20)


def _sliding_min(values: np.ndarray, width: int) -> np.ndarray:
    """The minimum of every `width` consecutive values (van Herk/Gil-Werman: three passes whatever the width)."""
    count = values.size - width + 1
    rows = -(-values.size // width)
    padded = np.full(rows * width, np.inf)
    padded[:values.size] = values
    padded = padded.reshape(rows, width)
    forward = np.minimum.accumulate(padded, axis=1).ravel()
    backward = np.minimum.accumulate(padded[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(backward[:count], forward[width - 1:width - 1 + count])


def _sliding_mean(values: np.ndarray, width: int) -> np.ndarray:
    """The mean of every `width` consecutive values."""
    sums = np.concatenate(([0.0], np.cumsum(values)))
    return (sums[width:] - sums[:-width]) / width


class _Centred:
    """A centred sliding-window filter (min or mean) over a stream, `pad` assumed before its start and after its end."""

    def __init__(self, radius: int, kind: str, pad: float) -> None:
        self.radius = radius
        self._filter = _sliding_min if kind == "min" else _sliding_mean
        self._pad = pad
        self._buffer = np.full(radius, pad)

    def push(self, values: np.ndarray) -> np.ndarray:
        buffer = np.concatenate((self._buffer, values))
        if buffer.size <= 2 * self.radius:
            self._buffer = buffer
            return np.zeros(0)
        out = self._filter(buffer, 2 * self.radius + 1)
        self._buffer = buffer[buffer.size - 2 * self.radius:]
        return out

    def finish(self) -> np.ndarray:
        return self.push(np.full(self.radius, self._pad))


class TruePeakLimiter:
    """Look-ahead true-peak limiter: the output's 4× true peak stays ≤ the ceiling; the gain never rises above 1.

    The gain g(n) is worked out in log₂ from r(n) = ceiling / true peak near n:
    the minimum of r over ±(look-ahead + filter length), then a release of at most `release_db_per_s`,
    then two moving averages of ±look-ahead/2 each.
    Every value averaged for g(n) is at most r(n), so the output never exceeds the ceiling. The minimum is
    taken wider than the averages, so the gain is flat across the interpolation filter around each peak.
    The output lags the input by a few milliseconds; process() returns what is ready, finish() the rest, and
    the total equals the input sample for sample. Pure numpy arithmetic: the same input gives the same output.
    """

    def __init__(self, rate: int, ceiling_db: float, lookahead_s: float = 0.005,
                 release_db_per_s: float = 40.0) -> None:
        self.ceiling_db = ceiling_db
        self._log_ceiling = (ceiling_db - LIMITER_GUARD_DB) / (20 * math.log10(2))
        half = max(1, round(lookahead_s * rate / 2))
        self._peak = TruePeak()
        self._min = _Centred(2 * half + TAPS_PER_PHASE, "min", 0.0)
        self._smooth = [_Centred(half, "mean", 0.0), _Centred(half, "mean", 0.0)]
        self._release = release_db_per_s / rate / (20 * math.log10(2))  # log₂ gain per sample
        self._gain = 0.0  # log₂ gain of the last sample released
        self._drop = TruePeak.DELAY  # gains computed for the peaks' lead (before the first sample)
        self._pending = np.zeros(0, dtype=np.float32)
        self.limited = 0  # samples whose gain was below 1
        self.min_gain_db = 0.0

    def _gains(self, peaks: np.ndarray, final: bool = False) -> np.ndarray:
        with np.errstate(divide="ignore"):
            headroom = np.minimum(self._log_ceiling - np.log2(np.maximum(peaks, _TINY)), 0.0)
        floor = self._min.push(headroom)
        if final:
            floor = np.concatenate((floor, self._min.finish()))
        if floor.size:
            # g(n) = min(floor(n), g(n−1) + release): a running minimum of floor(k) + release·(n − k)
            steps = self._release * np.arange(floor.size)
            floor = np.minimum.accumulate(np.minimum(floor - steps, self._gain + self._release)) + steps
            self._gain = float(floor[-1])
        for smooth in self._smooth:
            floor = smooth.push(floor) if not final else np.concatenate((smooth.push(floor), smooth.finish()))
        return floor

    def _apply(self, log_gain: np.ndarray) -> np.ndarray:
        skip = min(self._drop, log_gain.size)
        self._drop -= skip
        log_gain = log_gain[skip:]
        gain = np.exp2(log_gain)
        out = self._pending[:gain.size] * gain.astype(np.float32)
        self._pending = self._pending[gain.size:]
        if log_gain.size:
            # counted from 0.01 dB down: rounding leaves gains a hair under 1 where nothing was limited
            self.limited += int(np.count_nonzero(log_gain < _LOG2_CENTI_DB))
            self.min_gain_db = min(self.min_gain_db, float(log_gain.min()) * 20 * math.log10(2))
        return out

    def process(self, block: np.ndarray) -> np.ndarray:
        block = np.asarray(block, dtype=np.float32)
        self._pending = np.concatenate((self._pending, block))
        return self._apply(self._gains(self._peak.peaks(block)))

    def finish(self) -> np.ndarray:
        out = self._apply(self._gains(self._peak.finish(), final=True))
        assert self._pending.size == 0, "the limiter's gain stream and its input fell out of step"
        return out


def limited(blocks: Iterable[np.ndarray], limiter: TruePeakLimiter) -> Iterator[np.ndarray]:
    """The blocks through the limiter, delay included: as many samples out as in."""
    for block in blocks:
        out = limiter.process(block)
        if out.size:
            yield out
    tail = limiter.finish()
    if tail.size:
        yield tail


class Trim:
    """One chunk without its leading and trailing silence, fed block by block.

    A sample is silent below `threshold_db` (dBFS). `keep` silent samples stay at each edge, so the soft start
    of a consonant under the threshold is not cut. Silence inside the chunk is held back until sound follows it,
    so memory is bounded by the longest silence inside a chunk, not by the chunk.
    """

    def __init__(self, threshold_db: float, keep: int) -> None:
        self.threshold = 10 ** (threshold_db / 20)
        self.keep = keep
        self.skipped = 0  # leading samples dropped
        self.head = 0  # silent samples kept before the first sound
        self.sound = 0  # samples from the first sound to the last, both included
        self.tail = 0  # silent samples kept after the last sound
        self._frames = 0
        self._onset: int | None = None
        self._quiet: list[np.ndarray] = []  # silence since the last sound (before the first: its last `keep`)

    @property
    def length(self) -> int:
        return self.head + self.sound + self.tail

    def feed(self, block: np.ndarray) -> list[np.ndarray]:
        """The samples now known to belong to the trimmed chunk."""
        loud = np.abs(block) >= self.threshold
        start, self._frames = self._frames, self._frames + block.size
        if not loud.any():
            self._quiet.append(block)
            if self._onset is None:
                self._quiet = [_last(self._quiet, self.keep)]
            return []
        first = int(loud.argmax())
        last = block.size - 1 - int(loud[::-1].argmax())
        if self._onset is None:
            head = _last(self._quiet + [block[:first]], self.keep)
            self.head = head.size
            self.skipped = start + first - head.size
            self._onset = start + first
            out = [head, block[first:last + 1]]
        else:
            out = self._quiet + [block[:last + 1]]
        self._quiet = [block[last + 1:]]
        self.sound = start + last + 1 - self._onset
        return out

    def finish(self) -> list[np.ndarray]:
        """The kept part of the trailing silence (nothing at all for a chunk that is silent throughout)."""
        if self._onset is None:
            self.skipped = self._frames
            return []
        tail = _first(self._quiet, self.keep)
        self.tail = tail.size
        return [tail]


def _last(blocks: list[np.ndarray], count: int) -> np.ndarray:
    joined = np.concatenate(blocks) if blocks else np.zeros(0)
    return joined[max(0, joined.size - count):]


def _first(blocks: list[np.ndarray], count: int) -> np.ndarray:
    joined = np.concatenate(blocks) if blocks else np.zeros(0)
    return joined[:count]


def trimmed(blocks: Iterable[np.ndarray], trim: Trim) -> Iterator[np.ndarray]:
    """The blocks through `trim`; its figures are complete once this is exhausted."""
    for block in blocks:
        yield from (part for part in trim.feed(block) if part.size)
    yield from (part for part in trim.finish() if part.size)


def measure(blocks: Iterable[np.ndarray], rate: int) -> Measurement:
    """Integrated loudness, loudness range, 4× true peak and length of a mono stream, in one pass."""
    meter, peak = LoudnessMeter(rate), TruePeak()
    for block in blocks:
        meter.add(block)
        peak.peaks(block)
    peak.finish()
    return Measurement(lufs=meter.integrated(), lra=meter.loudness_range(), true_peak_db=peak.db(),
                       duration_s=meter.frames / rate)


def gain_db(stream: Callable[[], Iterable[np.ndarray]], rate: int, lufs: float, peak_db: float,
            target_lufs: float, ceiling_db: float) -> float:
    """The one gain that puts `stream` (measured at `lufs`, `peak_db`) at `target_lufs` after the limiter.

    Where the plain gain would push peaks over the ceiling, the limiter takes some loudness back (0.7 LU for
    espeak at −16 LUFS): one more pass over `stream()` limits it at two gains and interpolates between them.
    """
    if lufs == float("-inf"):
        return 0.0  # silence: nothing to normalise
    plain = target_lufs - lufs
    if peak_db + plain <= ceiling_db - LIMITER_GUARD_DB:
        return plain  # the limiter will not act, so the plain gain is exact
    trials = [(10 ** (gain / 20), TruePeakLimiter(rate, ceiling_db), LoudnessMeter(rate))
              for gain in (plain, plain + PROBE_DB)]
    for block in stream():
        block = np.asarray(block, dtype=np.float32)
        for scale, limiter, meter in trials:
            meter.add(limiter.process(block * np.float32(scale)))
    for _, limiter, meter in trials:
        meter.add(limiter.finish())
    low, high = (meter.integrated() for _, _, meter in trials)
    # Loudness grows by less than the gain once peaks are capped; never trust a slope under 0.2 (or over 1).
    slope = min(1.0, max(0.2, (high - low) / PROBE_DB))
    return plain + min(MAX_MAKEUP_DB, max(0.0, (target_lufs - low) / slope))
