"""The listening check (tts.verify: transcribe): each new chunk heard back through the real SDK by the stand-in's
/v1/audio/transcriptions, a chunk heard differently spoken once more, a cached chunk never heard again."""

import json
import logging
import re
from pathlib import Path

import pytest

from stages.core.errors import ParamsError, PipelineError
from stages.core.info_file import Facts, FactSection, write_facts
from stages.core.model_shutdowns import TRANSCRIBE, called_models
from stages.core.params import parse_params
from stages.core.paths import audio_path, metrics_path, script_path
from stages.speech.chunking import speakable_paragraphs
from stages.speech.listening import HEARD, PER_MINUTE
from stages.speech.narrate import narrate
from stages.speech.providers import speech_provider

KEYWORD = "청자 상감운학문 매병"


def _opening(paragraph: str) -> str:
    """A paragraph's first sentences, 51 characters or more: no two fit in one chunk of ONE_PARAGRAPH_PER_CHUNK."""
    opening = ""
    for sentence in re.split(r"(?<=[.?!]) ", paragraph):
        opening = f"{opening} {sentence}".strip()
        if len(opening) > 50:
            break
    return opening


# The long narration's 12 paragraphs, each cut to its opening: 12 chunks, and little audio to encode.
PARAGRAPHS = [_opening(paragraph) for paragraph in speakable_paragraphs(
    (Path(__file__).parent.parent / "long_narration.md").read_text(encoding="utf-8"))]
NARRATION = "\n\n".join(PARAGRAPHS)
ONE_PARAGRAPH_PER_CHUNK = 120
# A phrase of paragraph 9 alone, which says a year (1935년): the stand-in mishears that number in the chunk holding it.
NINTH = PARAGRAPHS[8][:20]


def write_inputs(script: str) -> None:
    script_path(KEYWORD).parent.mkdir(parents=True, exist_ok=True)
    script_path(KEYWORD).write_text(script, encoding="utf-8")
    write_facts(Facts(keyword=KEYWORD, title=KEYWORD, provider="local",
                      sections=[FactSection("개요", "사실.", f"sources/{KEYWORD}.md")]))


def params(**tts):
    return parse_params({"keywords": [KEYWORD], "requests": {"concurrency": 4},
                         "tts": {"provider": "openai", "model": "gpt-4o-mini-tts", "chunk_chars": ONE_PARAGRAPH_PER_CHUNK,
                                 **tts}})


@pytest.fixture
def workdir(tmp_path, monkeypatch, fake_openai):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "cache"))
    write_inputs(NARRATION)
    return tmp_path


@pytest.mark.slow  # two 12-chunk narrations, encoded
def test_one_misheard_chunk_of_twelve_is_spoken_and_heard_once_more_and_a_cached_rerun_asks_nothing(
        workdir, fake_openai, caplog):
    fake_openai.mishear = {NINTH: 1}
    with caplog.at_level(logging.WARNING):
        metrics, cost = narrate(params(), KEYWORD)
    assert metrics.chunks == 12
    assert (fake_openai.count("speech"), fake_openai.count("transcription")) == (13, 13)
    assert (cost.requests, cost.transcriptions, cost.misheard) == (13, 13, 1)
    # That chunk alone went twice: its text was asked for twice, every other once.
    spoken = [request["json"]["input"] for request in fake_openai.received if request["endpoint"] == "speech"]
    assert [text for text in set(spoken) if spoken.count(text) > 1] == [text for text in set(spoken) if NINTH in text]
    assert "chunk 9/12 was heard differently" in caplog.text and "a number heard differently" in caplog.text
    recorded = json.loads(metrics_path(KEYWORD).read_text(encoding="utf-8"))
    assert recorded["verify"] == "transcribe" and len(recorded["heard_cer"]) == 12
    assert recorded["heard_cer_max"] == max(recorded["heard_cer"]) == 0.0  # the fake hears a faithful read exactly
    # Speech and hearing it back, at published prices.
    assert cost.spent_usd > 0 and metrics.est_cost_usd > 0

    fake_openai.reset_counts()
    again, cost = narrate(params(), KEYWORD)
    assert (fake_openai.count("speech"), fake_openai.count("transcription")) == (0, 0)
    assert (cost.requests, cost.transcriptions, cost.cached_chunks) == (0, 0, 12)
    assert again == metrics


@pytest.mark.slow  # two 12-chunk narrations, encoded
def test_a_chunk_heard_differently_twice_fails_the_run_in_one_line_and_nothing_of_it_is_cached(workdir, fake_openai):
    fake_openai.mishear = {NINTH: 2}
    with pytest.raises(PipelineError) as failure:
        narrate(params(), KEYWORD)
    message = str(failure.value)
    assert "\n" not in message
    assert f"{KEYWORD}: chunk 9/12 was heard differently twice" in message
    assert "CER 0.0" in message and "said '" in message and "heard '" in message
    cache = workdir / "cache"
    chunk_texts = {request["json"]["input"] for request in fake_openai.received if request["endpoint"] == "speech"}
    ninth = next(text for text in chunk_texts if NINTH in text)
    heard = [json.loads(path.read_text(encoding="utf-8"))["heard"] for path in (cache / HEARD).rglob("*.json")]
    assert not any(NINTH in text for text in heard)
    assert not audio_path(KEYWORD, "mp3").exists()
    # The next run speaks that chunk alone (the stand-in now hears it right), and hears nothing else again.
    fake_openai.reset_counts()
    narrate(params(), KEYWORD)
    assert [r["json"]["input"] for r in fake_openai.received if r["endpoint"] == "speech"] == [ninth]
    assert fake_openai.count("transcription") == 1


def test_a_dropped_phrase_is_heard_as_skipped(workdir, fake_openai):
    phrase = PARAGRAPHS[2].split()[3] + " " + PARAGRAPHS[2].split()[4]
    fake_openai.drop = {phrase: 2}
    with pytest.raises(PipelineError, match=r"chunk 3/12 was heard differently twice \(.*skipped"):
        narrate(params(), KEYWORD)


@pytest.mark.slow  # two 12-chunk narrations, encoded
def test_turning_the_check_on_hears_the_cached_chunks_without_speaking_them_again(workdir, fake_openai):
    narrate(params(verify="off"), KEYWORD)
    assert (fake_openai.count("speech"), fake_openai.count("transcription")) == (12, 0)
    assert "heard_cer" not in json.loads(metrics_path(KEYWORD).read_text(encoding="utf-8"))
    fake_openai.reset_counts()
    metrics, cost = narrate(params(), KEYWORD)
    assert (fake_openai.count("speech"), fake_openai.count("transcription")) == (0, 12)
    assert cost.cached_chunks == 12 and len(metrics.extra["heard_cer"]) == 12


@pytest.mark.slow  # two 12-chunk narrations, encoded
def test_a_stricter_max_cer_speaks_again_only_the_chunks_heard_over_it(workdir, fake_openai):
    fake_openai.mishear = {}
    first, _ = narrate(params(max_cer=0.1), KEYWORD)
    # Record a hearing with a CER of 0.05 for chunk 9, as a looser threshold accepted it.
    cache = Path("cache") / HEARD
    records = list(cache.rglob("*.json"))
    for path in records:
        record = json.loads(path.read_text(encoding="utf-8"))
        if NINTH in record["heard"]:
            path.write_text(json.dumps({**record, "cer": 0.05}), encoding="utf-8")
    fake_openai.reset_counts()
    narrate(params(max_cer=0.02), KEYWORD)
    assert (fake_openai.count("speech"), fake_openai.count("transcription")) == (1, 1)


def test_verify_defaults_to_transcribe_for_neural_voices_and_off_for_espeak():
    assert speech_provider("openai")(params()).options.verify == "transcribe"
    realtime = parse_params({"keywords": [KEYWORD], "tts": {"provider": "realtime"}})
    assert speech_provider("realtime")(realtime).options.verify == "transcribe"
    espeak = parse_params({"keywords": [KEYWORD]})
    assert speech_provider("espeak")(espeak).options.verify == "off"


def test_a_bare_off_in_yaml_is_off():
    import yaml

    tts = yaml.safe_load("provider: openai\nmodel: gpt-4o-mini-tts\nverify: off\n")
    assert tts["verify"] is False  # YAML 1.1, as PyYAML and DVC's -S read it
    assert speech_provider("openai")(parse_params({"keywords": [KEYWORD], "tts": tts})).options.verify == "off"


def test_espeak_refuses_the_listening_check_and_says_why():
    with pytest.raises(ParamsError, match="tts.verify: transcribe .* no offline transcriber ships its weights"):
        speech_provider("espeak")(parse_params({"keywords": [KEYWORD], "tts": {"verify": "transcribe"}}))


def test_the_transcription_model_is_checked_for_its_shutdown_like_any_other():
    assert ("tts.verify_model", TRANSCRIBE) in called_models(params())
    assert ("tts.verify_model", "whisper-1") in called_models(params(verify_model="whisper-1"))
    assert not [key for key, _ in called_models(params(verify="off")) if key == "tts.verify_model"]
    assert TRANSCRIBE in PER_MINUTE


@pytest.mark.slow  # a 12-chunk Realtime narration, encoded
def test_realtime_chunks_are_heard_back_independently_of_the_models_own_transcript(workdir, fake_openai):
    """The Realtime model's own transcript says the chunk was read verbatim; the transcription API hears the year
    differently once, and the chunk is read again in a new session."""
    from tests.fake_realtime import FakeRealtime

    with FakeRealtime(seconds_per_char=0.15) as realtime:  # as fast as Korean is spoken
        realtime.said = fake_openai.remember  # the stand-in hears what the Realtime voice said
        fake_openai.realtime_port = realtime.port  # one base URL serves both, as api.openai.com does
        fake_openai.mishear = {NINTH: 1}
        metrics, cost = narrate(params(provider="realtime", model=None, voice="marin"), KEYWORD)
        assert (realtime.sessions, fake_openai.count("transcription"), cost.misheard) == (13, 13, 1)
        assert [response["behaviour"] for response in realtime.responses] == ["faithful"] * 13
        # Both checks are in the metrics: the model's own CER of each read, and the CER as heard.
        assert len(metrics.extra["cer"]) == len(metrics.extra["heard_cer"]) == 12
