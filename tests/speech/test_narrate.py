"""The audio stage: what run() records, order under concurrency, and one edited sentence costing one request."""

import json
import re
from pathlib import Path

import mutagen
import numpy as np
import pyloudnorm
import pytest
import scipy.signal
import soundfile as sf

from stages.core.errors import ParamsError, PipelineError
from stages.core.info_file import Facts, FactSection, write_facts
from stages.core.params import parse_params
from stages.core.paths import audio_path, metrics_path, script_path, spoken_path, subtitles_path
from stages.korean.reading import Reader
from stages.speech.chunking import speakable_paragraphs, split_chunks
from stages.speech.narrate import narrate
from stages.speech.voices.espeak import EspeakSpeech
from tests.conftest import FAKE_KEY, Project, edit_params
from tests.fake_openai import speech_seconds, tone_frequency
from tests.test_pipeline_openai import FakeProcess

KEYWORD = "청자 상감운학문 매병"
LONG_NARRATION = (Path(__file__).parent.parent / "long_narration.md").read_text(encoding="utf-8")
SENTENCE = "학의 수를 세어 보려는 관람객이 많은데, 보는 방향을 바꾸면 숨어 있던 학이 새로 나타나서 끝까지 세기가 쉽지 않습니다."
EDITED = "학이 모두 몇 마리인지 세어 보는 분이 많은데, 보는 방향을 바꾸면 숨어 있던 학이 새로 나타나서 끝까지 세기가 쉽지 않습니다."
_PREVIEW = re.compile(r"preview: .* \(\S+ s; (\d+) chunks, (\d+) from the cache, (\d+) requests\)")


def cache_entries(root: Path) -> set[Path]:
    return {p for p in root.rglob("*.wav") if not p.name.startswith(".")}


def write_inputs(script: str) -> None:
    """What the audio stage reads in the current folder: the script, and the facts (for tags and subtitles)."""
    script_path(KEYWORD).parent.mkdir(parents=True)
    script_path(KEYWORD).write_text(script, encoding="utf-8")
    write_facts(Facts(keyword=KEYWORD, title=KEYWORD, provider="local",
                      sections=[FactSection("개요", "사실.", f"sources/{KEYWORD}.md")]))


@pytest.mark.slow  # a whole 12-chunk narration; the cut itself: test_plan.py
def test_run_records_the_narration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "cache"))
    write_inputs(LONG_NARRATION)
    params = parse_params({"keywords": [KEYWORD], "tts": {"chunk_chars": 400}, "requests": {"concurrency": 2}})
    first, cost = narrate(params, KEYWORD)
    assert (first.chunks, cost.cached_chunks, cost.requests, cost.retries) == (12, 0, 12, 0)
    # Characters as sent, i.e. spoken (no lexicon.yaml here, so the reader has no entries).
    assert first.chars == cost.new_chars == sum(len(Reader().spoken(p)) for p in speakable_paragraphs(LONG_NARRATION))
    out = audio_path(KEYWORD, "mp3")
    assert first.duration_s == round(sf.info(out).duration, 3) == round(mutagen.File(out).info.length, 3)
    assert first.duration_s > 300  # 3400 Korean characters at espeak's pace
    metrics_bytes = metrics_path(KEYWORD).read_bytes()
    again, cost = narrate(params, KEYWORD)
    assert (cost.cached_chunks, cost.requests, cost.new_chars) == (12, 0, 0)
    assert again.duration_s == first.duration_s
    # The tracked metrics describe the narration, not the run: the same bytes whatever the cache held.
    assert metrics_path(KEYWORD).read_bytes() == metrics_bytes
    assert not {"requests", "retries", "cached_chunks"} & set(json.loads(metrics_bytes))


def test_editing_one_sentence_of_a_long_script_synthesises_one_chunk(fresh_project: Project, tmp_path):
    cache = tmp_path / "chunk-cache"
    hand_edited = fresh_project.file(f"scripts/{KEYWORD}.md")
    hand_edited.write_text(LONG_NARRATION, encoding="utf-8")
    first = fresh_project.run("python", "-m", "stages.preview", KEYWORD, DOCENT_CACHE_DIR=str(cache))
    chunks, cached, requests = map(int, _PREVIEW.search(first.stderr).groups())
    assert chunks > 2 and cached == 0 and requests == chunks
    entries = cache_entries(cache)
    assert len(entries) == chunks

    assert LONG_NARRATION.count(SENTENCE) == 1
    hand_edited.write_text(LONG_NARRATION.replace(SENTENCE, EDITED), encoding="utf-8")
    second = fresh_project.run("python", "-m", "stages.preview", KEYWORD, DOCENT_CACHE_DIR=str(cache))
    # The edited sentence's chunk, nothing else.
    assert tuple(map(int, _PREVIEW.search(second.stderr).groups())) == (chunks, chunks - 1, 1)
    assert len(cache_entries(cache) - entries) == 1


def test_chunk_chars_has_bounds():
    with pytest.raises(ParamsError, match=r"tts.chunk_chars: 50 is not allowed.*\(allowed: 100–4096\)"):
        parse_params({"keywords": [KEYWORD], "tts": {"chunk_chars": 50}})


@pytest.mark.slow  # a whole 8-chunk narration
def test_output_is_in_script_order_when_the_fake_server_answers_late_chunks_first(tmp_path, monkeypatch,
                                                                                 fake_openai):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "cache"))
    paragraphs = [p for p in speakable_paragraphs(LONG_NARRATION)][:8]
    write_inputs("\n\n".join(paragraphs))
    paragraphs = [Reader().spoken(p) for p in paragraphs]  # what the server is sent
    order = {text: i for i, text in enumerate(paragraphs)}
    fake_openai.speech_latency = lambda text: 0.04 * (len(paragraphs) - order[text])  # the first is the slowest
    params = parse_params({"keywords": [KEYWORD], "tts": {"provider": "openai", "model": "gpt-4o-mini-tts", "format": "wav", "chunk_chars": 400},
                           "requests": {"concurrency": 4}})
    narration, _ = narrate(params, KEYWORD)
    assert narration.chunks == len(paragraphs) and fake_openai.count("speech") == len(paragraphs)
    samples, rate = sf.read(audio_path(KEYWORD, "wav"), dtype="float32")
    heard = sounds(samples, rate)  # paragraphs are 0.6 s apart
    assert len(heard) == len(paragraphs)
    for index, (text, (start, end)) in enumerate(zip(paragraphs, heard)):
        segment = samples[int(start * rate):int(end * rate)]
        peak = np.fft.rfftfreq(segment.size, 1 / rate)[np.abs(np.fft.rfft(segment)).argmax()]
        assert peak == pytest.approx(tone_frequency(text), abs=2), f"chunk {index} is out of place"
        assert end - start == pytest.approx(speech_seconds(text), abs=0.01)
    assert samples.size / rate == pytest.approx(narration.duration_s, abs=1e-3)


def sounds(samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """(start, end) in seconds of each stretch of sound over −50 dBFS, split at 0.3 s of quiet."""
    loud = np.flatnonzero(np.abs(samples) >= 10 ** (-50 / 20))
    breaks = np.flatnonzero(np.diff(loud) > 0.3 * rate)
    starts, ends = np.concatenate(([loud[0]], loud[breaks + 1])), np.concatenate((loud[breaks], [loud[-1]]))
    return [(start / rate, (end + 1) / rate) for start, end in zip(starts, ends)]


@pytest.mark.parametrize("audio", [{}, {"loudness_lufs": -19.0, "true_peak_db": -3.0}], ids=["default", "acx"])
@pytest.mark.slow  # two whole narrations per case
def test_two_voices_of_different_levels_land_on_the_same_loudness(tmp_path, monkeypatch, fake_openai, audio):
    """The fake's onyx speaks 13 dB under its nova; measured by pyloudnorm on the decoded files, both hit the target."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "cache"))
    write_inputs("\n\n".join(list(speakable_paragraphs(LONG_NARRATION))[:3]))
    target, ceiling = audio.get("loudness_lufs", -16.0), audio.get("true_peak_db", -1.0)
    measured = {}
    for voice in ("onyx", "nova"):
        params = parse_params({"keywords": [KEYWORD], "tts": {"provider": "openai", "model": "gpt-4o-mini-tts", "voice": voice}, "audio": audio})
        metrics, _ = narrate(params, KEYWORD)
        samples, rate = sf.read(audio_path(KEYWORD, "mp3"), dtype="float64")
        measured[voice] = pyloudnorm.Meter(rate).integrated_loudness(samples)
        assert measured[voice] == pytest.approx(target, abs=0.5)
        assert 20 * np.log10(np.abs(scipy.signal.resample_poly(samples, 4, 1)).max()) <= ceiling
        assert metrics.lufs == pytest.approx(measured[voice], abs=0.1) and metrics.true_peak_db <= ceiling
    assert abs(measured["onyx"] - measured["nova"]) <= 1.0
    chunk_levels = {voice: [] for voice in ("onyx", "nova")}  # the raw chunks really are 13 dB apart
    for path in (tmp_path / "cache").rglob("*.wav"):
        chunk, rate = sf.read(path, dtype="float64")
        level = 20 * np.log10(np.abs(chunk).max())
        chunk_levels["onyx" if level < -15 else "nova"].append(level)
    assert len(chunk_levels["onyx"]) == len(chunk_levels["nova"]) > 0


def test_editing_one_sentence_sends_exactly_one_request_to_the_speech_api(fresh_project: Project, tmp_path):
    fake = FakeProcess()
    try:
        env = {"OPENAI_BASE_URL": fake.url, "OPENAI_API_KEY": FAKE_KEY, "DOCENT_CACHE_DIR": str(tmp_path / "cache")}
        edit_params(fresh_project, {"tts.provider": "openai", "tts.model": "gpt-4o-mini-tts"})
        hand_edited = fresh_project.file(f"scripts/{KEYWORD}.md")
        hand_edited.write_text(LONG_NARRATION, encoding="utf-8")
        fresh_project.run("dvc", "repro", **env)
        first = fake.count("speech")
        assert first > len(split_chunks(LONG_NARRATION, 1200)) > 2  # and the other two keywords' chunks

        hand_edited.write_text(LONG_NARRATION.replace(SENTENCE, EDITED), encoding="utf-8")
        assert fresh_project.repro(**env) == {"script", "audio", "report", "guide"}
        assert fake.count("speech") - first == 1
        assert sf.info(fresh_project.file(f"outputs/audio/{KEYWORD}.mp3")).duration > 200
    finally:
        fake.stop()


def test_ctrl_c_during_a_30_s_retry_wait_ends_the_stage_at_once_with_no_partial_file(tmp_path, monkeypatch,
                                                                                     fake_openai):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    monkeypatch.chdir(tmp_path)
    write_inputs("첫째 문단입니다.\n\n둘째 문단입니다.\n\n셋째 문단입니다.")
    (tmp_path / "params.yaml").write_text(
        f"keywords: [{KEYWORD}]\ntts: {{provider: openai, model: gpt-4o-mini-tts, format: wav, chunk_chars: 100}}\n"
        "retry: {max_tries: 3, initial_wait: 30, max_wait: 30}\nrequests: {concurrency: 2}\n", encoding="utf-8")
    fake_openai.retry_after_ms = 30_000
    fake_openai.always["speech"] = "429-ms"  # the variant that says how long to wait
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DOCENT_CACHE_DIR": str(tmp_path / "cache")}
    # As from a terminal: a shell starts a background job with SIGINT ignored, the child would inherit that,
    # and Python leaves an ignored SIGINT ignored (so `.ci/run &` would otherwise fail here).
    stage = subprocess.Popen([sys.executable, "-m", "stages.audio"], cwd=tmp_path, env=env,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for line in stage.stderr:
        if "waiting 30.00 s before try 2/3" in line:
            break
    interrupted = time.monotonic()
    stage.send_signal(signal.SIGINT)
    rest = stage.communicate(timeout=20)[1]
    took = time.monotonic() - interrupted
    assert stage.returncode == 130 and "error: interrupted" in rest and "Traceback" not in rest
    print(f"Ctrl-C to exit: {took:.3f} s")
    assert took < 10, f"took {took:.1f} s after Ctrl-C"  # a behaviour bound, far from the 30 s wait
    assert not list((tmp_path / "outputs").rglob("*.wav")) and FAKE_KEY not in rest
    # Nor anything half-made in the chunk cache: the workers were mid-retry with their temp files open.
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.name.endswith(".tmp")]


# --- the spoken form (stages.korean.reading) ------------------------------------------------------------------
WRITTEN = ["이 매병은 1935년에 기와집 20채 값으로 사들였고, 높이는 42.1cm에 이릅니다. 몸체에는 3개의 고리가 있습니다.",
           "CT와 X선으로 조사한 결과, 내부에서 수리한 흔적이 여러 군데 발견되었습니다. 지금은 국보로 지정되어 있습니다.",
           "이 문단에는 숫자도 약어도 없어서 적힌 그대로 읽힙니다. 그래도 한 덩어리로 따로 합성되는 문단입니다."]


def narrate_written(lexicon: str | None = None, **tts) -> tuple:
    """Narrate WRITTEN (one chunk a paragraph) in the current folder with espeak, lexicon.yaml as given."""
    if lexicon is not None:
        Path("lexicon.yaml").write_text(lexicon, encoding="utf-8")
    if not script_path(KEYWORD).exists():
        write_inputs("\n\n".join(WRITTEN))
    return narrate(parse_params({"keywords": [KEYWORD], "tts": {"chunk_chars": 100, **tts}}), KEYWORD)


def test_the_voice_gets_the_spoken_form_and_the_subtitles_keep_the_written_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "cache"))
    sent = []
    original = EspeakSpeech.synthesize

    def synthesize(self, text, dest, **try_args):
        sent.append(text)
        return original(self, text, dest, **try_args)

    monkeypatch.setattr(EspeakSpeech, "synthesize", synthesize)
    metrics, _ = narrate_written("CT: 씨티\nX선: 엑스선\n")
    spoken = spoken_path(KEYWORD).read_text(encoding="utf-8")
    assert sorted(spoken.rstrip("\n").split("\n\n")) == sorted(sent) and metrics.chunks == 3
    assert "천구백삼십오 년에 기와집 스무 채 값으로" in spoken and "사십이 점 일 센티미터에" in spoken
    assert "세 개의 고리" in spoken and "씨티와 엑스선으로" in spoken and WRITTEN[2] in spoken
    assert not re.search(r"[0-9A-Za-z]", spoken)
    vtt = subtitles_path(KEYWORD).read_text(encoding="utf-8")
    assert "1935년에 기와집 20채 값으로" in vtt and "42.1cm에" in vtt and "CT와 X선으로" in vtt and "칠백" not in vtt


def test_tts_reading_false_sends_the_written_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "cache"))
    narrate_written("CT: 씨티\n", reading=False)
    assert spoken_path(KEYWORD).read_text(encoding="utf-8") == "\n\n".join(WRITTEN) + "\n"
    assert parse_params({"keywords": [KEYWORD]}).tts.reading is True


def test_the_cache_is_keyed_by_the_spoken_form(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "cache"))
    _, first = narrate_written("CT: 씨티\n")
    assert (first.cached_chunks, first.requests) == (0, 3)
    # An entry no chunk uses changes no spoken form: every chunk comes from the cache.
    _, unused = narrate_written("CT: 씨티\nUNESCO: 유네스코\n")
    assert (unused.cached_chunks, unused.requests) == (3, 0)
    # An entry that changes one chunk's spoken form re-synthesises exactly that chunk.
    _, changed = narrate_written("CT: 시티\nUNESCO: 유네스코\n")
    assert (changed.cached_chunks, changed.requests) == (2, 1)
    # Turning reading off changes the two chunks with numbers or abbreviations; the plain one keeps its audio.
    _, raw = narrate_written("CT: 시티\n", reading=False)
    assert (raw.cached_chunks, raw.requests) == (1, 2)


def test_a_bad_lexicon_stops_the_stage_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PipelineError, match=r"^lexicon.yaml is not valid YAML \(line \d+, column \d+: .*\); write one"):
        narrate_written("CT: [\n")
