"""OpenAISpeech against the fake server, through the real openai SDK: the fault matrix, validation, atomicity."""

import logging
import threading

import pytest
import soundfile as sf

from stages.clients.retry import RetryError
from stages.core.cache import Cache
from stages.core.errors import ParamsError, PipelineError
from stages.core.params import parse_params
from stages.core.progress import Progress
from stages.speech.chunking import Chunk
from stages.speech.providers import speech_provider
from stages.speech.synthesis import ChunkSynthesizer
from stages.speech.voices.openai import OpenAISpeech
from tests.conftest import FAKE_KEY, speak
from tests.fake_openai import SECONDS_PER_CHAR

TEXT = "청자 상감운학문 매병은 고려 시대에 만들어진 청자 매병입니다."
MAX_TRIES = 4


def make_params(timeout: float = 0.5, **tts):
    return parse_params({
        "keywords": ["x"],
        "tts": {"provider": "openai", "model": "gpt-4o-mini-tts", **tts},
        "retry": {"max_tries": MAX_TRIES, "initial_wait": 1.0, "max_wait": 10.0},
        "requests": {"timeout": timeout},
    })


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def speech(fake_openai, slept) -> OpenAISpeech:
    """The provider pointed at the fake server; its retry waits are recorded, never slept."""
    return OpenAISpeech(make_params(), sleep=slept.append)


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_registered_under_its_params_name():
    assert speech_provider("openai") is OpenAISpeech


def test_writes_a_complete_decodable_wav(speech, fake_openai, tmp_path):
    dest = tmp_path / "00000.wav"
    speak(speech, TEXT, dest)
    info = sf.info(dest)
    assert info.format == "WAV" and info.duration == pytest.approx(len(TEXT) * SECONDS_PER_CHAR, abs=0.01)
    assert leftovers(tmp_path) == ["00000.wav"]
    sent = fake_openai.received[-1]["json"]
    assert sent["response_format"] == "wav" and sent["input"] == TEXT and sent["voice"] == "alloy"
    assert speech.requests == 1 and speech.retries == 0


def test_each_request_tells_the_rpm_limiter_when_it_left(fake_openai, tmp_path, monkeypatch):
    # The SDK's HTTP client reports every send, retries included, so the next start counts from it.
    monkeypatch.setenv("DOCENT_CACHE_DIR", str(tmp_path / "cache"))
    speech = OpenAISpeech(parse_params({**make_params().model_dump(), "requests": {"timeout": 0.5, "rpm": 6000}}),
                          sleep=lambda seconds: None)
    sends = []
    monkeypatch.setattr(speech.limiter, "sent", lambda: sends.append(threading.current_thread().name))
    fake_openai.queue("speech", "500")
    speak(speech, TEXT, tmp_path / "chunk.wav")
    assert fake_openai.count("speech") == 2 and len(sends) == 2
    assert set(sends) == {threading.current_thread().name}  # in the thread that was granted the start


# --- the fault matrix -------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "408", "409", "reset", "cut", "stall", "stall-body"])
def test_transient_fault_is_retried(speech, fake_openai, slept, tmp_path, fault):
    fake_openai.queue("speech", fault)
    dest = tmp_path / "chunk.wav"
    speak(speech, TEXT, dest)
    assert fake_openai.count("speech") == 2 and speech.requests == 2 and speech.retries == 1
    assert len(slept) == 1 and 0 <= slept[0] <= 1.0  # full jitter under initial_wait
    assert sf.info(dest).frames > 0 and leftovers(tmp_path) == ["chunk.wav"]


def test_a_headerless_429_backs_off_with_jitter(speech, fake_openai, slept, tmp_path):
    fake_openai.queue("speech", "429")  # the default: no retry-after, retry-after-ms or x-ratelimit-*
    speak(speech, TEXT, tmp_path / "chunk.wav")
    assert len(slept) == 1 and 0 <= slept[0] <= 1.0 and fake_openai.count("speech") == 2


def test_an_html_5xx_page_is_one_clear_line(speech, fake_openai, tmp_path):
    fake_openai.always["speech"] = "502"
    with pytest.raises(RetryError) as caught:
        speak(speech, TEXT, tmp_path / "chunk.wav")
    message = str(caught.value)
    assert message.endswith("server error 502: an HTML error page (502 Bad Gateway) instead of the API's JSON error")
    assert "<" not in message and "\n" not in message


def test_429_with_retry_after_ms_waits_that_long(speech, fake_openai, slept, tmp_path):
    fake_openai.queue("speech", "429-ms")
    speak(speech, TEXT, tmp_path / "chunk.wav")
    assert slept == [1.5]  # retry-after-ms: 1500, no jitter
    assert fake_openai.count("speech") == 2


@pytest.mark.parametrize("fault", ["quota", "quota-type", "quota-code"])
def test_insufficient_quota_makes_exactly_one_request(speech, fake_openai, slept, tmp_path, fault):
    fake_openai.queue("speech", fault)
    with pytest.raises(RetryError) as caught:
        speak(speech, TEXT, tmp_path / "chunk.wav")
    assert fake_openai.count("speech") == 1 and slept == []
    message = str(caught.value)
    assert "credit is exhausted" in message and "billing" in message and "retrying will not help" in message
    assert leftovers(tmp_path) == []


def test_refused_key_makes_exactly_one_request(speech, fake_openai, slept, tmp_path):
    fake_openai.queue("speech", "401")
    with pytest.raises(RetryError) as caught:
        speak(speech, TEXT, tmp_path / "chunk.wav")
    assert fake_openai.count("speech") == 1 and slept == []
    assert "rejected" in str(caught.value) and "OPENAI_API_KEY" in str(caught.value)


@pytest.mark.parametrize("fault", ["400", "403", "404", "422"])
def test_client_errors_are_not_retried(speech, fake_openai, tmp_path, fault):
    fake_openai.queue("speech", fault)
    with pytest.raises(RetryError, match=f"\\({fault}\\)"):
        speak(speech, TEXT, tmp_path / "chunk.wav")
    assert fake_openai.count("speech") == 1


def test_permanent_503_makes_exactly_max_tries_requests(speech, fake_openai, slept, tmp_path):
    fake_openai.always["speech"] = "503"
    with pytest.raises(RetryError, match=f"gave up after {MAX_TRIES} tries over .* s: server error 503"):
        speak(speech, TEXT, tmp_path / "chunk.wav")
    assert fake_openai.count("speech") == MAX_TRIES and len(slept) == MAX_TRIES - 1
    assert leftovers(tmp_path) == []


def test_exhausted_rate_limit_says_how_many_tries_over_how_long(speech, fake_openai, slept, tmp_path):
    fake_openai.always["speech"] = "429-ms"
    with pytest.raises(RetryError, match=rf"gave up after {MAX_TRIES} tries over [0-9.]+ s: rate limited \(429\)"):
        speak(speech, TEXT, tmp_path / "chunk.wav")
    assert slept == [1.5] * (MAX_TRIES - 1)


def test_body_closed_mid_way_every_time_leaves_no_file(speech, fake_openai, tmp_path):
    fake_openai.always["speech"] = "cut"
    dest = tmp_path / "chunk.wav"
    with pytest.raises(RetryError, match="connection dropped mid-body"):
        speak(speech, TEXT, dest)
    assert fake_openai.count("speech") == MAX_TRIES
    assert leftovers(tmp_path) == []  # neither dest nor a temp file


def test_a_wav_body_short_of_its_declared_size_is_retried(speech, fake_openai, slept, tmp_path):
    fake_openai.wav_sizes_unknown = False  # exact sizes: only then can the body be measured against them
    fake_openai.queue("speech", "short")
    speak(speech, TEXT, tmp_path / "chunk.wav")
    assert fake_openai.count("speech") == 2 and len(slept) == 1


def test_wav_of_unknown_length_is_accepted(speech, fake_openai, tmp_path):
    assert fake_openai.wav_sizes_unknown  # what the real endpoint streams
    dest = tmp_path / "chunk.wav"
    speak(speech, TEXT, dest)
    assert sf.read(dest)[0].size == round(len(TEXT) * SECONDS_PER_CHAR * 24000)
    assert fake_openai.count("speech") == 1


def test_failed_retry_keeps_an_existing_file_untouched(speech, fake_openai, tmp_path):
    dest = tmp_path / "chunk.wav"
    speak(speech, "먼저 만든 소리입니다.", dest)
    before = dest.read_bytes()
    fake_openai.always["speech"] = "cut"
    with pytest.raises(RetryError):
        speak(speech, TEXT, dest)
    assert dest.read_bytes() == before and leftovers(tmp_path) == ["chunk.wav"]


def test_retry_log_lines(speech, fake_openai, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    fake_openai.queue("speech", "503")
    speak(speech, TEXT, tmp_path / "chunk.wav")
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"{len(TEXT)} characters (~" in m and "gpt-4o-mini-tts" in m and "voice alloy" in m
               and "speed 1.0" in m for m in messages)
    assert any("waiting" in m and "before try 2/4" in m for m in messages)


def test_threads_share_one_provider(speech, fake_openai, tmp_path):
    fake_openai.queue("speech", "503", "reset", "cut", "429")
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            speak(speech, f"{TEXT} {index}번째 문장입니다.", tmp_path / f"{index:05d}.wav")
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # 4 faults + 8 successes reach the server. A pooled keep-alive connection that the server closed after
    # a fault can fail once more on the client side before reaching it: a real attempt, retried like any other.
    assert fake_openai.count("speech") == 12
    assert speech.requests - speech.retries == 8 and speech.retries >= 4 and speech.requests >= 12
    assert len(leftovers(tmp_path)) == 8 and all(sf.info(p).frames for p in tmp_path.iterdir())


# --- validation before any request ------------------------------------------------------------------

@pytest.mark.parametrize(("tts", "message"), [
    ({"voice": "bella"}, "not an OpenAI voice"),
    ({"voice": "marin", "model": "tts-1"}, "not available with tts-1"),
    ({"voice": "ballad", "model": "tts-1-hd"}, "not available with tts-1-hd"),
])
def test_bad_voice_is_refused_by_params_before_any_request(fake_openai, tts, message):
    with pytest.raises(ParamsError, match=f"^params.yaml: tts.voice: .*{message}"):
        OpenAISpeech(make_params(**tts))
    assert fake_openai.count() == 0


def test_bad_speed_is_refused_before_any_request(fake_openai):
    with pytest.raises(ParamsError, match="tts.speed"):
        OpenAISpeech(make_params(speed=4.5))
    assert fake_openai.count() == 0


def test_text_over_the_limit_fails_before_any_request(speech, fake_openai, tmp_path):
    with pytest.raises(PipelineError, match="4097 characters is over the speech API's limit of 4096"):
        speak(speech, "가" * 4097, tmp_path / "chunk.wav")
    assert fake_openai.count() == 0


def test_missing_key_names_the_variable_at_the_first_request(fake_openai, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY")
    provider = OpenAISpeech(make_params())  # no key needed until something must be asked
    with pytest.raises(PipelineError, match="OPENAI_API_KEY is not set"):
        speak(provider, TEXT, tmp_path / "a.wav")
    assert fake_openai.count("speech") == 0 and list(tmp_path.iterdir()) == []


def test_instructions_go_only_to_models_that_take_them(fake_openai, tmp_path):
    speak(OpenAISpeech(make_params()), TEXT, tmp_path / "a.wav")
    assert "도슨트" in fake_openai.received[-1]["json"]["instructions"]
    legacy = OpenAISpeech(make_params(model="tts-1"))
    speak(legacy, TEXT, tmp_path / "b.wav")  # the fake refuses instructions for tts-1 with a 400
    assert "instructions" not in fake_openai.received[-1]["json"]
    assert legacy.identity()["instructions"] is None


def test_identity_names_everything_that_changes_the_sound(fake_openai):
    identity = OpenAISpeech(make_params(voice="coral", speed=1.25, instructions="빠르게")).identity()
    assert identity == {"provider": "openai", "model": "gpt-4o-mini-tts", "voice": "coral", "speed": 1.25,
                        "instructions": "빠르게", "format": "wav", "server": fake_openai.url}


@pytest.mark.parametrize(("url", "server"), [
    (None, None), ("https://api.openai.com/v1", None), ("https://API.openai.com/v1/", None),
    ("http://127.0.0.1:8880/v1/", "http://127.0.0.1:8880/v1"), ("HTTP://LocalHost:8080/v1", "http://localhost:8080/v1"),
])
def test_identity_names_the_server_and_openai_by_default(monkeypatch, url, server):
    if url is None:
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    else:
        monkeypatch.setenv("OPENAI_BASE_URL", url)
    # A compatible server answering to the same model name must not share OpenAI's cached audio.
    assert OpenAISpeech(make_params()).identity().get("server") == server


def test_key_never_reaches_logs_or_errors(speech, fake_openai, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    fake_openai.queue("speech", "429", "reset", "cut")
    speak(speech, TEXT, tmp_path / "a.wav")
    for fault in ("401", "quota", "400"):
        fake_openai.queue("speech", fault)
        with pytest.raises(RetryError) as caught:
            speak(speech, TEXT, tmp_path / "b.wav")
        assert FAKE_KEY not in str(caught.value)
    captured = capsys.readouterr()
    assert FAKE_KEY not in caplog.text and FAKE_KEY not in captured.out + captured.err


def test_a_response_cut_cleanly_at_half_its_audio_is_made_again_and_never_cached(speech, fake_openai, tmp_path):
    texts = [f"{TEXT} {word}" for word in ("첫째 문단입니다.", "둘째 문단입니다.", "셋째 문단입니다.")]
    cache = Cache("chunks", ".wav", root=tmp_path / "cache")
    fake_openai.queue("speech", "ok", "short")  # a terminated chunked stream, no transport error, half the audio
    synthesizer = ChunkSynthesizer(speech, speed=1.0, cache=cache)
    with Progress("test", len(texts)) as progress:
        files = list(synthesizer.files([Chunk(text, "paragraph") for text in texts], progress))
    # The HTTP layer saw nothing wrong; verify's rejection is one more try of the same policy, counted with the rest.
    assert fake_openai.count("speech") == speech.requests == 4 and speech.retries == 1
    assert synthesizer.truncation_retries == 1
    full = [len(text) * SECONDS_PER_CHAR for text in texts]
    assert [sf.info(path).duration for path in files] == pytest.approx(full, abs=0.01)
    cached = [sf.info(path).duration for path in sorted(cache.dir.rglob("*.wav"))]
    assert sorted(cached) == pytest.approx(sorted(full), abs=0.01)  # the half never entered the cache


# --- its options, price and credit ------------------------------------------------------------------

def test_the_speech_api_asks_for_a_model_by_name():
    with pytest.raises(ParamsError) as raised:
        OpenAISpeech(make_params(model=None))  # parsing alone leaves the provider's keys to the provider
    assert str(raised.value).startswith("params.yaml: tts.model: tts.provider openai needs the model your server serves")
    assert "tts.provider: realtime (its default model is gpt-realtime-2.1-mini)" in str(raised.value)


def test_a_newer_voice_with_a_legacy_model_points_to_a_route_that_lives():
    # Not to gpt-4o-mini-tts: OpenAI shuts it down on 2027-01-06, with every speech-API model.
    with pytest.raises(ParamsError) as raised:
        OpenAISpeech(make_params(model="tts-1", voice="marin"))
    assert str(raised.value).endswith("(or use tts.provider: realtime, which has marin)")
    assert "gpt-4o-mini-tts" not in str(raised.value)


def test_per_character_models(fake_openai):
    assert OpenAISpeech(make_params(model="tts-1")).est_cost_usd(1_000_000, 0) == pytest.approx(15.0)
    assert OpenAISpeech(make_params(model="tts-1-hd")).est_cost_usd(2000, 0) == pytest.approx(0.06)


def test_a_token_priced_model_is_mostly_audio_minutes_and_an_unknown_one_is_free(fake_openai):
    assert OpenAISpeech(make_params()).est_cost_usd(1000, 120.0) == pytest.approx(0.0006 + 0.03)
    assert OpenAISpeech(make_params(model="my-local-model")).est_cost_usd(5000, 300.0) == 0.0


def test_credit_names_provider_model_voice_and_speed(fake_openai):
    assert OpenAISpeech(make_params(voice="nova", speed=1.2)).credit() == "openai gpt-4o-mini-tts nova, speed 1.2"


def test_a_refused_chunk_ends_its_siblings_30_s_retry_waits_through_the_real_sdk(fake_openai, tmp_path):
    # No stand-in clock: the three siblings really start waiting out a 30 s retry-after when the fourth is refused.
    fake_openai.retry_after_ms = 30_000
    fake_openai.queue("speech", "429-ms", "429-ms", "429-ms", "401")
    speech = OpenAISpeech(parse_params({"keywords": ["x"], "tts": {"provider": "openai", "model": "gpt-4o-mini-tts"},
                                        "retry": {"max_tries": MAX_TRIES, "max_wait": 60.0},
                                        "requests": {"concurrency": 4}}))
    texts = [f"{TEXT} {index}번째 문장입니다." for index in range(4)]
    cache = Cache("chunks", ".wav", root=tmp_path / "cache")
    synthesizer = ChunkSynthesizer(speech, speed=1.0, concurrency=4, cache=cache)
    with pytest.raises(RetryError, match="the API key was rejected"), Progress("test", len(texts)) as progress:
        list(synthesizer.files([Chunk(text, "paragraph") for text in texts], progress))
    # Each chunk was asked for once: the waiting ones were cancelled before any second try.
    assert fake_openai.count("speech") == speech.requests == 4 and speech.retries == 0
    assert not list(cache.dir.rglob("*.tmp")) and not list(cache.dir.rglob("*.wav"))
