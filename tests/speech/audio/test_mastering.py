"""Mastering: BS.1770-4 loudness against pyloudnorm, Tech 3342 LRA, 4× true peak, the limiter, trimming."""

import numpy as np
import pyloudnorm
import pytest
import scipy.signal
import soundfile as sf

from stages.speech.audio import mastering

RATES = [16000, 22050, 24000, 44100, 48000]


def speech_like(seconds: float, rate: int, seed: int = 0, level: float = 0.5) -> np.ndarray:
    """Red noise under a 2.5 Hz syllable envelope whose height changes every second: a crest factor like speech's."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * rate)
    noise = scipy.signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal(frames))
    noise /= np.abs(noise).max()
    t = np.arange(frames) / rate
    heights = 0.3 + 0.7 * rng.random(int(seconds) + 1)
    return level * noise * np.sin(2 * np.pi * 2.5 * t) ** 2 * heights[t.astype(int)]


def sine(seconds: float, rate: int, freq: float, amplitude: float, phase: float = 0.0) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate + phase)


def noise_bursts(rate: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    parts = []
    for level in (0.3, 0.05, 0.2, 0.01, 0.4):
        parts += [level * rng.standard_normal(rate // 2), np.zeros(rate // 3)]
    return np.concatenate(parts)


def with_silence_gaps(rate: int) -> np.ndarray:
    # the quiet middle part falls under the relative gate, the silences under the absolute one
    return np.concatenate([speech_like(4, rate, 1), np.zeros(5 * rate), speech_like(5, rate, 2, level=0.05),
                           np.zeros(2 * rate + 1234), speech_like(3, rate, 3)])


SIGNALS = {
    "sine 1 kHz": lambda rate: sine(5, rate, 1000, 0.3),
    "sine 100 Hz": lambda rate: sine(5, rate, 100, 0.5),
    "sine 6 kHz": lambda rate: sine(5, rate, 6000, 0.1),
    "noise bursts": noise_bursts,
    "speech-like": lambda rate: speech_like(12, rate),
    "silence gaps": with_silence_gaps,
}


def fed(meter, signal: np.ndarray, seed: int = 0):
    """Feed `signal` in blocks of random length, so that filter state and 100 ms quarters straddle blocks."""
    rng = np.random.default_rng(seed)
    start = 0
    while start < signal.size:
        size = int(rng.integers(1, 20000))
        meter.add(signal[start:start + size])
        start += size
    return meter


def true_peak_db(signal: np.ndarray) -> float:
    """An independent 4× true peak: scipy's polyphase resampler, not the module's interpolator."""
    return 20 * np.log10(np.abs(scipy.signal.resample_poly(signal, 4, 1)).max())


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("name", SIGNALS)
def test_integrated_loudness_agrees_with_pyloudnorm(name, rate):
    """Whole 100 ms steps: pyloudnorm also counts a last, incomplete 400 ms block, which BS.1770 (and we) do not."""
    signal = SIGNALS[name](rate)
    signal = signal[:signal.size // (rate // 10) * (rate // 10)]
    expected = pyloudnorm.Meter(rate).integrated_loudness(signal)
    assert fed(mastering.LoudnessMeter(rate), signal).integrated() == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("rate", [8000, *RATES, 96000])
def test_k_weighting_in_numpy_equals_scipys_sosfilt_across_blocks(rate):
    signal = np.random.default_rng(3).standard_normal(100_000) * 0.3
    expected = scipy.signal.sosfilt(mastering.k_weighting(rate), signal)
    biquads = mastering._Biquads(mastering.k_weighting(rate))
    out = np.concatenate([biquads.filter(signal[start:start + 7001]) for start in range(0, signal.size, 7001)])
    assert np.abs(out - expected).max() < 1e-9


def test_the_mastering_module_needs_no_scipy():
    """scipy.signal costs an audio stage 75 MB and seconds of start-up; the stage must not import it."""
    import subprocess
    import sys

    code = "import sys, stages.speech.audio.assembly; print(any(m.startswith('scipy') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_silence_and_too_short_a_stream_measure_minus_infinity():
    assert fed(mastering.LoudnessMeter(24000), np.zeros(24000 * 3)).integrated() == float("-inf")
    short = mastering.LoudnessMeter(24000)
    short.add(sine(0.3, 24000, 1000, 0.5))  # shorter than one 400 ms gating block
    assert short.integrated() == float("-inf")


def test_add_silence_equals_feeding_zeros():
    signal = speech_like(3, 24000)
    zeros, silence = mastering.LoudnessMeter(24000), mastering.LoudnessMeter(24000)
    for meter in (zeros, silence):
        meter.add(signal)
    zeros.add(np.zeros(100_000))
    silence.add_silence(100_000, block=7000)
    assert silence.integrated() == pytest.approx(zeros.integrated(), abs=1e-9)
    assert silence.frames == zeros.frames


@pytest.mark.parametrize("step_db, expected", [(-10.0, 10.0), (5.0, 5.0)])
def test_loudness_range_follows_tech_3342_test_signals(step_db, expected):
    """Tech 3342's cases 1 and 2: 20 s of 1 kHz at −20 dBFS, then 20 s at −30 (or −15) dBFS; tolerance ±1 LU."""
    rate = 48000
    level = 10 ** (-20 / 20)
    signal = np.concatenate([sine(20, rate, 1000, level), sine(20, rate, 1000, level * 10 ** (step_db / 20))])
    assert fed(mastering.LoudnessMeter(rate), signal).loudness_range() == pytest.approx(expected, abs=1.0)


def test_loudness_range_of_a_steady_tone_is_zero_and_of_speech_near_pyloudnorms():
    assert fed(mastering.LoudnessMeter(24000), sine(10, 24000, 1000, 0.3)).loudness_range() == pytest.approx(0, abs=0.1)
    signal = speech_like(30, 24000)
    expected = pyloudnorm.Meter(24000).loudness_range(signal)  # pads 1.5 s of silence, so only near
    assert fed(mastering.LoudnessMeter(24000), signal).loudness_range() == pytest.approx(expected, abs=0.5)


def test_true_peak_finds_the_peak_between_samples():
    """A quarter-rate sine sampled 45° off its crests: samples at −3 dB of the crest, the true peak at the crest."""
    signal = sine(1, 48000, 12000, 0.9, phase=np.pi / 4)
    assert 20 * np.log10(np.abs(signal).max()) == pytest.approx(20 * np.log10(0.9) - 3.01, abs=0.01)
    meter = mastering.TruePeak()
    meter.peaks(signal)
    meter.finish()
    assert meter.db() == pytest.approx(20 * np.log10(0.9), abs=0.1)


@pytest.mark.parametrize("rate", [22050, 24000, 48000])
def test_true_peak_agrees_with_resample_poly_whatever_the_blocks(rate):
    signal = speech_like(10, rate) * 1.7
    whole, blocked = mastering.TruePeak(), mastering.TruePeak()
    whole.peaks(signal)
    whole.finish()
    for start in range(0, signal.size, 3001):
        blocked.peaks(signal[start:start + 3001])
    blocked.finish()
    assert whole.db() == pytest.approx(true_peak_db(signal), abs=0.1)
    assert blocked.db() == pytest.approx(whole.db(), abs=1e-4)


def limit(signal: np.ndarray, rate: int, ceiling_db: float,
          block: int = 5000) -> tuple[np.ndarray, mastering.TruePeakLimiter]:
    limiter = mastering.TruePeakLimiter(rate, ceiling_db)
    blocks = (signal[start:start + block] for start in range(0, signal.size, block))
    return np.concatenate(list(mastering.limited(blocks, limiter))), limiter


@pytest.mark.parametrize("rate", [22050, 24000, 48000])
@pytest.mark.parametrize("ceiling_db", [-1.5, -3.5])
def test_the_limiter_keeps_the_true_peak_under_the_ceiling(rate, ceiling_db):
    signal = speech_like(10, rate) * 5  # peaks near +8 dBTP: 9–12 dB of limiting
    out, limiter = limit(signal, rate, ceiling_db)
    assert out.size == signal.size
    assert true_peak_db(out) <= ceiling_db
    assert limiter.min_gain_db < -6
    # a smooth envelope: 9–12 dB taken in ramps of 5 ms, never a step of 0.5 dB from one sample to the next (a clip)
    voiced = np.abs(signal) > 1e-3
    gain_db = 20 * np.log10(np.abs(out[voiced] / signal[voiced]))
    assert np.abs(np.diff(gain_db[np.diff(np.flatnonzero(voiced), prepend=-1) == 1])).max() < 0.5


def test_the_limiter_leaves_a_signal_under_the_ceiling_untouched_and_is_deterministic():
    signal = (speech_like(5, 24000) * 0.3).astype(np.float32)
    out, limiter = limit(signal, 24000, -1.0)
    assert np.array_equal(out, signal) and limiter.limited == 0
    loud = (speech_like(5, 24000) * 2).astype(np.float32)
    assert limit(loud, 24000, -1.0)[0].tobytes() == limit(loud, 24000, -1.0)[0].tobytes()
    assert np.allclose(limit(loud, 24000, -1.0, block=777)[0], limit(loud, 24000, -1.0, block=65536)[0], atol=1e-6)


def test_the_ceiling_margin_survives_mp3_encoding(tmp_path):
    """MP3 overshoots the true peak a little: a −1.5 dBTP limit stays under −1.0 dBTP once encoded and decoded."""
    rate = 24000
    out, _ = limit(speech_like(20, rate) * 2, rate, -1.5)
    path = tmp_path / "limited.mp3"
    sf.write(path, out.astype(np.float32), rate, format="MP3")
    decoded, _ = sf.read(path)
    assert true_peak_db(out) <= -1.5
    assert true_peak_db(decoded) <= -1.0


@pytest.mark.parametrize("target, ceiling_db", [(-16.0, -1.5), (-19.0, -3.5)])
def test_gain_db_makes_up_for_what_the_limiter_takes(target, ceiling_db):
    rate = 24000
    signal = (speech_like(30, rate) * 0.9).astype(np.float32)
    measured = mastering.measure([signal], rate)

    def stream():
        return (signal[start:start + 8000] for start in range(0, signal.size, 8000))

    gain = mastering.gain_db(stream, rate, measured.lufs, measured.true_peak_db, target, ceiling_db)
    out, _ = limit(signal * np.float32(10 ** (gain / 20)), rate, ceiling_db)
    assert gain > target - measured.lufs  # some make-up was needed
    assert pyloudnorm.Meter(rate).integrated_loudness(out) == pytest.approx(target, abs=0.1)
    assert true_peak_db(out) <= ceiling_db


def test_gain_db_is_the_plain_gain_when_nothing_will_be_limited():
    signal = speech_like(5, 24000) * 0.05
    measured = mastering.measure([signal], 24000)
    assert mastering.gain_db(lambda: [signal], 24000, measured.lufs, measured.true_peak_db, -23.0, -1.0) == \
        pytest.approx(-23.0 - measured.lufs)
    assert mastering.gain_db(list, 24000, float("-inf"), float("-inf"), -16.0, -1.0) == 0.0


def test_measure_gives_pyloudnorms_loudness_and_the_length():
    signal = with_silence_gaps(22050)
    measured = mastering.measure((signal[i:i + 4096] for i in range(0, signal.size, 4096)), 22050)
    assert measured.lufs == pytest.approx(pyloudnorm.Meter(22050).integrated_loudness(signal), abs=0.1)
    assert measured.duration_s == pytest.approx(signal.size / 22050)
    assert measured.true_peak_db == pytest.approx(true_peak_db(signal), abs=0.1)


def chunk(rate: int, lead_s: float, sound_s: float, trail_s: float, floor: float = 0.0) -> np.ndarray:
    """Sound between two silences; `floor` adds noise under the −50 dBFS threshold to the silences."""
    rng = np.random.default_rng(5)
    sound = speech_like(sound_s, rate)
    sound[0] = sound[-1] = 0.5  # the sound's exact first and last samples
    parts = [np.zeros(int(lead_s * rate)), sound, np.zeros(int(trail_s * rate))]
    out = np.concatenate(parts)
    out[:parts[0].size] += floor * rng.uniform(-1, 1, parts[0].size)
    out[out.size - parts[2].size:] += floor * rng.uniform(-1, 1, parts[2].size)
    return out


def trim(signal: np.ndarray, keep: int, block: int) -> tuple[np.ndarray, mastering.Trim]:
    trimmer = mastering.Trim(-50.0, keep)
    blocks = (signal[start:start + block] for start in range(0, signal.size, block))
    parts = list(mastering.trimmed(blocks, trimmer))
    return (np.concatenate(parts) if parts else np.zeros(0)), trimmer


@pytest.mark.parametrize("block", [100, 4096, 1 << 16])
@pytest.mark.parametrize("lead_s, trail_s, floor", [(0.3, 0.5, 0.0), (0.0, 0.8, 1e-3), (0.004, 0.0, 0.0)])
def test_trim_keeps_the_sound_and_a_few_ms_of_each_edge(block, lead_s, trail_s, floor):
    rate, keep = 24000, 360  # 15 ms
    signal = chunk(rate, lead_s, 2.0, trail_s, floor)
    out, trimmer = trim(signal, keep, block)
    lead, sound = int(lead_s * rate), int(2.0 * rate)
    assert (trimmer.head, trimmer.sound) == (min(keep, lead), sound)
    assert trimmer.tail == min(keep, int(trail_s * rate))
    assert trimmer.skipped == lead - trimmer.head
    assert np.array_equal(out, signal[trimmer.skipped:trimmer.skipped + trimmer.length])


def test_trim_keeps_silence_inside_a_chunk_and_drops_a_silent_chunk():
    rate = 24000
    signal = np.concatenate([chunk(rate, 0.2, 1.0, 1.0), chunk(rate, 0.0, 1.0, 0.2)])
    out, trimmer = trim(signal, 240, 1000)
    assert trimmer.sound == int(3.2 * rate) - int(0.2 * rate)  # the inner second of silence is kept
    assert out.size == trimmer.length
    out, trimmer = trim(np.full(50_000, 1e-4), 240, 1000)
    assert out.size == 0 and trimmer.length == 0 and trimmer.skipped == 50_000
