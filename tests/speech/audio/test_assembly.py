"""Assembly: two passes, one encode; loudness, peaks, pauses, head and tail as decoded; deterministic output.

Loudness is checked with pyloudnorm on the decoded file, independently of stages.speech.audio.mastering.
"""

import tracemalloc
from pathlib import Path

import mutagen
import numpy as np
import pyloudnorm
import pytest
import scipy.signal
import soundfile as sf

from stages.core.atomic import atomic_path
from stages.core.errors import PipelineError
from stages.core.params import AudioParams
from stages.speech.audio import assembly, layout
from stages.speech.subtitles import SpokenChunk, cues_for

RATE = 24000
ACX = AudioParams(loudness_lufs=-19.0, true_peak_db=-3.0)
QUIET = 10 ** (-50 / 20)  # the default silence threshold


@pytest.fixture
def chunk_files(tmp_path) -> list[Path]:
    files = []
    for index, seconds in enumerate([1.0, 0.5, 2.25]):
        path = tmp_path / f"{index}.wav"
        t = np.arange(int(seconds * RATE)) / RATE
        sf.write(path, (np.sin(2 * np.pi * 300 * (index + 1) * t) * 9000).astype(np.int16), RATE, subtype="PCM_16")
        files.append(path)
    return files


def speech_like(seconds: float, rng: np.random.Generator, level_db: float) -> np.ndarray:
    """Noise with speech's spectrum (most energy under 4 kHz) under a syllable envelope that never falls silent,
    faded in and out over 10 ms as a voice starts and stops: the only silences are between chunks."""
    frames = int(seconds * RATE)
    noise = scipy.signal.sosfilt(scipy.signal.butter(2, [150, 4000], "bandpass", fs=RATE, output="sos"),
                                 rng.standard_normal(frames))
    t = np.arange(frames) / RATE
    envelope = (0.25 + 0.75 * np.sin(2 * np.pi * 2.5 * t) ** 2) * np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)
    return noise / np.abs(noise).max() * envelope * 10 ** (level_db / 20)


# What engines leave at a chunk's edges: nothing, digital silence, or a noise floor under the threshold.
EDGES = [(0.0, 0.0, 0.0), (0.2, 0.35, 0.0), (0.7, 0.05, 10 ** (-70 / 20)), (0.03, 0.9, 10 ** (-62 / 20))]


@pytest.fixture
def engine_chunks(tmp_path) -> list[tuple[Path, float]]:
    """Four chunks of 1.5–3 s at −30 to −6 dBFS, with the edges of EDGES: (path, seconds of sound)."""
    rng = np.random.default_rng(7)
    chunks = []
    for index, ((lead, trail, floor), seconds, level) in enumerate(zip(EDGES, [2.0, 1.5, 3.0, 2.5],
                                                                       [-12.0, -30.0, -6.0, -20.0])):
        parts = [floor * rng.uniform(-1, 1, int(lead * RATE)), speech_like(seconds, rng, level),
                 floor * rng.uniform(-1, 1, int(trail * RATE))]
        path = tmp_path / f"engine-{index}.wav"
        sf.write(path, np.concatenate(parts).astype(np.float32), RATE, subtype="PCM_16")
        chunks.append((path, seconds))
    return chunks


def decoded(path: Path) -> tuple[np.ndarray, int]:
    samples, rate = sf.read(path, dtype="float64")
    return samples, rate


def true_peak_db(samples: np.ndarray) -> float:
    return 20 * np.log10(np.abs(scipy.signal.resample_poly(samples, 4, 1)).max())


def sounds(samples: np.ndarray, rate: int, min_gap_s: float = 0.02) -> list[tuple[float, float]]:
    """(start, end) in seconds of each stretch of sound, split where it is quiet for at least `min_gap_s`."""
    loud = np.flatnonzero(np.abs(samples) >= QUIET)
    breaks = np.flatnonzero(np.diff(loud) > min_gap_s * rate)
    starts = np.concatenate(([loud[0]], loud[breaks + 1]))
    ends = np.concatenate((loud[breaks], [loud[-1]]))
    return [(start / rate, (end + 1) / rate) for start, end in zip(starts, ends)]


@pytest.mark.parametrize("fmt", ["mp3", "wav", "flac", "opus"])
def test_the_duration_is_the_decoded_samples(tmp_path, chunk_files, fmt):
    out = tmp_path / f"narration.{fmt}"
    audio = AudioParams()
    pauses = layout.pauses(["paragraph", "sentence", "paragraph"], audio)
    duration = assembly.encode(zip(chunk_files, pauses), out, fmt, audio).duration_s
    assert duration == pytest.approx(0.5 + 1.0 + 0.6 + 0.5 + 0.15 + 2.25 + 1.5, abs=0.02)
    samples, rate = sf.read(out, dtype="int16")
    assert samples.shape[0] / rate == pytest.approx(duration, abs=1e-9)
    assert sf.info(out).duration == pytest.approx(duration, abs=1e-9)
    assert mutagen.File(out).info.length == pytest.approx(duration, abs=0.03 if fmt == "opus" else 1e-6)


def test_pauses_come_from_the_audio_params():
    audio = AudioParams(paragraph_pause_s=1.0, sentence_pause_s=0.3, word_pause_s=0.1)
    assert layout.pauses(["sentence", "word", "paragraph", "paragraph"], audio) == [0.3, 0.1, 1.0, 0.0]


def test_chunks_are_joined_in_the_order_given(tmp_path, chunk_files):
    out = tmp_path / "narration.wav"
    encoded = assembly.encode(((f, 0.0) for f in reversed(chunk_files)), out, "wav")
    samples, rate = decoded(out)
    for (start, length), path in zip(encoded.spans, reversed(chunk_files)):
        segment = samples[int(start * rate):int((start + length) * rate)]
        peak = np.fft.rfftfreq(segment.size, 1 / rate)[np.abs(np.fft.rfft(segment)).argmax()]
        assert peak == pytest.approx(300 * (int(path.stem) + 1), abs=3)


def test_an_undecodable_chunk_fails_and_leaves_the_old_output_alone(tmp_path, chunk_files):
    out = tmp_path / "narration.mp3"
    out.write_bytes(b"the previous narration")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    with pytest.raises(PipelineError, match="bad.wav cannot be decoded"):
        assembly.encode([(chunk_files[0], 0.6), (bad, 0.0)], out, "mp3")
    assert out.read_bytes() == b"the previous narration"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def _peak_bytes(parts, out: Path) -> int:
    tracemalloc.start()
    try:
        assembly.encode(parts, out, "mp3")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow  # encodes long narrations twice
def test_memory_does_not_grow_with_the_number_of_chunks(tmp_path, chunk_files):
    """numpy reports its buffers to tracemalloc: 100 chunks must peak no higher than 10 (one chunk at a time)."""
    short = _peak_bytes([(chunk_files[2], 0.6)] * 10, tmp_path / "short.mp3")
    long = _peak_bytes([(chunk_files[2], 0.6)] * 100, tmp_path / "long.mp3")
    assert long < short * 1.2 + 100_000


def test_spans_locate_each_chunk_and_finish_runs_on_the_encoded_file(tmp_path, chunk_files):
    out = tmp_path / "narration.wav"
    seen = []

    def finish(path):
        seen.append((path, sf.info(path).frames > 0))

    encoded = assembly.encode(zip(chunk_files, [0.6, 0.15, 0.0]), out, "wav", finish=finish)
    assert seen == [(out, True)]
    # Each sine starts with one zero sample (kept as edge silence), so its sound starts 1/24000 s later.
    assert encoded.spans == [pytest.approx(span, abs=1e-3) for span in [(0.5, 1.0), (2.1, 0.5), (2.75, 2.25)]]
    assert encoded.duration_s == pytest.approx(0.5 + 1.0 + 0.6 + 0.5 + 0.15 + 2.25 + 1.5, abs=1e-3)


def test_a_failing_finish_leaves_no_narration_under_the_writer(tmp_path, chunk_files):
    """narrate.py encodes into an atomic temp path; encode itself leaves no file of its own behind."""
    out = tmp_path / "narration.mp3"

    def finish(tmp):
        raise RuntimeError("tagging failed")

    with pytest.raises(RuntimeError), atomic_path(out) as tmp:
        assembly.encode(zip(chunk_files, [0.0, 0.0, 0.0]), tmp, "mp3", finish=finish)
    assert [p.name for p in tmp_path.iterdir() if p.suffix != ".wav"] == []


@pytest.mark.parametrize("audio", [AudioParams(), ACX], ids=["default", "acx"])
@pytest.mark.parametrize("fmt", ["mp3", "opus", "wav"])
def test_the_decoded_narration_measures_the_target(tmp_path, engine_chunks, audio, fmt):
    """Chunks 24 dB apart in level become one narration at the target, under the ceiling, once decoded."""
    out = tmp_path / f"narration.{fmt}"
    encoded = assembly.encode(((path, 0.6) for path, _ in engine_chunks), out, fmt, audio)
    samples, rate = decoded(out)
    assert pyloudnorm.Meter(rate).integrated_loudness(samples) == pytest.approx(audio.loudness_lufs, abs=0.5)
    assert true_peak_db(samples) <= audio.true_peak_db
    assert encoded.measured.lufs == pytest.approx(pyloudnorm.Meter(rate).integrated_loudness(samples), abs=0.1)
    assert encoded.measured.true_peak_db == pytest.approx(true_peak_db(samples), abs=0.1)


@pytest.mark.parametrize("audio", [AudioParams(), AudioParams(paragraph_pause_s=1.2, sentence_pause_s=0.4,
                                                              word_pause_s=0.08, lead_in_s=1.0, tail_s=3.0)],
                         ids=["default", "longer"])
def test_pauses_head_and_tail_hold_whatever_the_engine_left_at_the_edges(tmp_path, engine_chunks, audio):
    ends = ["paragraph", "sentence", "word", "paragraph"]
    out = tmp_path / "narration.mp3"
    encoded = assembly.encode(zip((path for path, _ in engine_chunks), layout.pauses(ends, audio)), out, "mp3",
                              audio)
    samples, rate = decoded(out)
    heard = sounds(samples, rate)
    assert len(heard) == len(engine_chunks)
    assert heard[0][0] == pytest.approx(audio.lead_in_s, abs=0.03)
    assert samples.size / rate - heard[-1][1] == pytest.approx(audio.tail_s, abs=0.03)
    gaps = [after[0] - before[1] for before, after in zip(heard, heard[1:])]
    assert gaps == [pytest.approx(pause, abs=0.03) for pause in layout.pauses(ends, audio)[:-1]]
    # The spans handed to the subtitles are where the sound is heard.
    for (start, length), (heard_start, heard_end), (_, seconds) in zip(encoded.spans, heard, engine_chunks):
        assert start == pytest.approx(heard_start, abs=0.03)
        assert length == pytest.approx(seconds, abs=0.02)
        assert start + length == pytest.approx(heard_end, abs=0.03)


def test_subtitle_cues_follow_the_trimmed_and_paused_speech(tmp_path, engine_chunks):
    out = tmp_path / "narration.mp3"
    texts = ["첫째 문장입니다. 둘째 문장입니다.", "셋째입니다.", "넷째 문장, 그리고", "마지막 문장입니다. 끝."]
    encoded = assembly.encode(((path, 0.6) for path, _ in engine_chunks), out, "mp3")
    cues = cues_for([SpokenChunk(text, start, length) for text, (start, length) in zip(texts, encoded.spans)])
    samples, rate = decoded(out)
    heard = sounds(samples, rate)
    firsts = [next(cue for cue in cues if cue.text == text.split(". ")[0].rstrip(".") + ".") for text in texts[:2]]
    assert [cue.start_s for cue in firsts] == [pytest.approx(start, abs=0.1) for start, _ in heard[:2]]
    assert cues[-1].end_s == pytest.approx(heard[-1][1], abs=0.3)


def test_the_same_chunks_give_the_same_bytes_and_other_params_other_bytes(tmp_path, engine_chunks):
    parts = [(path, 0.15) for path, _ in engine_chunks]
    first, second, acx = (tmp_path / name for name in ("a.mp3", "b.mp3", "acx.mp3"))
    assembly.encode(parts, first, "mp3")
    assembly.encode(parts, second, "mp3")
    assembly.encode(parts, acx, "mp3", ACX)
    assert first.read_bytes() == second.read_bytes() != acx.read_bytes()


def test_a_silent_chunk_keeps_its_place_in_the_spans(tmp_path, engine_chunks):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.full(RATE, 1e-4, dtype=np.float32), RATE, subtype="PCM_16")
    parts = [(engine_chunks[0][0], 0.6), (silent, 0.15), (engine_chunks[1][0], 0.0)]
    encoded = assembly.encode(parts, tmp_path / "narration.wav", "wav")
    assert len(encoded.spans) == 3 and encoded.spans[1][1] == 0.0
    samples, rate = decoded(tmp_path / "narration.wav")
    heard = sounds(samples, rate)
    assert heard[1][0] - heard[0][1] == pytest.approx(0.6, abs=0.01)  # the longer of the two pauses
    with pytest.raises(PipelineError, match="every chunk is silent"):
        assembly.encode([(silent, 0.0)], tmp_path / "none.wav", "wav")


def test_blocks_computed_ahead_arrive_in_order_and_a_worker_error_reaches_the_reader():
    def blocks():
        for n in range(10):
            yield np.full(3, n, dtype=np.float32)
        raise PipelineError("chunk audio 3.wav changed while the narration was encoded; run again")

    seen = []
    with pytest.raises(PipelineError, match="changed while"):
        for block in assembly._ahead(blocks(), depth=2):
            seen.append(int(block[0]))
    assert seen == list(range(10))


def test_a_reader_that_stops_early_stops_the_worker():
    made = []

    def blocks():
        for n in range(1000):
            made.append(n)
            yield np.zeros(1, dtype=np.float32)

    ahead = assembly._ahead(blocks(), depth=2)
    next(ahead)
    ahead.close()  # joins the worker: it must not go on making the other 999 blocks
    assert len(made) < 10
