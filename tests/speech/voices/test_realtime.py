"""RealtimeSpeech against a local server that speaks the Realtime protocol, driven by the real SDK."""

import logging
import threading
import wave
from pathlib import Path

import pytest

from stages.clients import openai_access
from stages.core.cache import Cache
from stages.core.errors import ParamsError, PipelineError
from stages.core.params import parse_params
from stages.core.progress import Progress
from stages.speech.chunking import Chunk
from stages.speech.providers import speech_options, speech_provider
from stages.speech.synthesis import ChunkSynthesizer, chunk_key
from stages.speech.voices.realtime import (
    MODEL,
    READER_INSTRUCTIONS,
    SAMPLE_RATE,
    RealtimeSpeech,
    read_cer,
)
from tests.conftest import speak
from tests.fake_realtime import FakeRealtime

KEY = "sk-test-realtime-DO-NOT-PRINT-7f3a"
TEXT = "청자 상감운학문 매병은 12세기 고려에서 만들어졌습니다."
# Long enough that a preamble stays under the 0.1 CER threshold: only the added-run check catches it.
LONG = ("고려청자는 비취색이라 불리는 맑은 푸른빛으로 이름이 높습니다. 상감 기법은 그릇 표면에 무늬를 새기고 "
        "그 홈에 흰 흙과 붉은 흙을 메워 구워 내는 방법으로, 고려의 도공들이 독자적으로 완성했습니다. "
        "이 매병에는 구름 사이를 나는 학이 가득 새겨져 있어 운학문이라는 이름이 붙었습니다.")


@pytest.fixture
def fake(monkeypatch):
    with FakeRealtime() as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield server


def provider(**overrides) -> tuple[RealtimeSpeech, list[float]]:
    sections = {"tts": {"provider": "realtime", "model": "gpt-realtime-2.1-mini", "voice": "marin"},
                "retry": {"max_tries": 4}, "requests": {}}
    for dotted, value in overrides.items():
        section, key = dotted.split("__")
        sections[section][key] = value
    slept: list[float] = []
    params = parse_params({"keywords": ["k"], **sections})
    return speech_provider("realtime")(params, sleep=slept.append), slept


def frames(path: Path) -> tuple[int, int, int, int]:
    with wave.open(str(path)) as wav:
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()


def failure(speech: RealtimeSpeech, dest: Path, text: str = TEXT) -> str:
    with pytest.raises(PipelineError) as caught:
        speak(speech, text, dest)
    message = str(caught.value)
    assert "\n" not in message and KEY not in message
    assert not dest.exists() and not list(dest.parent.glob(".*.tmp"))
    return message


def test_a_faithful_read_is_a_24khz_pcm16_mono_wav_with_its_cer(fake, tmp_path):
    speech, slept = provider(tts__speed=1.25, tts__instructions="밝고 힘찬 목소리로.")
    dest = tmp_path / "chunk.wav"
    speak(speech, TEXT, dest)
    channels, width, rate, count = frames(dest)
    assert (channels, width, rate) == (1, 2, SAMPLE_RATE)
    assert count == int(fake.seconds_per_char * len(TEXT) / 1.25 * SAMPLE_RATE)  # every delta, nothing else
    assert (speech.requests, speech.retries) == (1, 0) and slept == []
    assert read_cer(dest) == 0.0 and read_cer(tmp_path) is None  # the proof is in the file, for cached chunks
    update = fake.session_updates[0]
    assert update["type"] == "realtime" and update["output_modalities"] == ["audio"]
    assert update["audio"]["output"] == {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin",
                                         "speed": 1.25}
    assert update["instructions"].startswith(READER_INSTRUCTIONS) and update["instructions"].endswith("밝고 힘찬 목소리로.")
    [response] = fake.responses
    assert response["text"] == TEXT and response["session_updated"] and 0 < response["max_output_tokens"] <= 4096
    assert not list(tmp_path.glob(".*.tmp"))


def test_reasoning_is_kept_minimal_on_reasoning_models_only(fake, tmp_path):
    speak(provider()[0], TEXT, tmp_path / "a.wav")
    speak(provider(tts__model="gpt-realtime-mini")[0], TEXT, tmp_path / "b.wav")
    assert [u.get("reasoning") for u in fake.session_updates] == [{"effort": "minimal"}, None]


def test_identity_names_provider_model_voice_speed_instructions_and_format():
    speech, _ = provider(tts__voice="cedar")
    identity = speech.identity()
    assert {k: identity[k] for k in ("provider", "model", "voice", "speed", "chunk_format")} == {
        "provider": "realtime", "model": "gpt-realtime-2.1-mini", "voice": "cedar", "speed": 1.0, "chunk_format": "wav"}
    assert identity != provider(tts__instructions="다른 말투")[0].identity()


def test_a_read_cached_under_a_looser_max_cer_is_read_again_under_a_stricter_one(fake, tmp_path):
    cache = Cache("chunks", ".wav", root=tmp_path / "cache")
    chunks = [Chunk(TEXT, "paragraph"), Chunk(LONG, "paragraph")]

    def narrate(max_cer: float) -> ChunkSynthesizer:
        synthesizer = ChunkSynthesizer(provider(tts__max_cer=max_cer)[0], speed=1.0, cache=cache)
        with Progress("test", len(chunks)) as progress:
            list(synthesizer.files(chunks, progress))
        return synthesizer

    fake.seconds_per_char = 0.1  # a speaking pace the synthesizer's duration check accepts
    fake.queue("slip")
    narrate(0.1)
    slipped = read_cer(cache.get(chunk_key(provider()[0], TEXT)))
    assert 0 < slipped <= 0.1
    assert narrate(0.1).cached_chunks == 2  # the same threshold reuses both
    strict = narrate(slipped / 2)
    assert strict.cached_chunks == 1 and [r["text"] for r in fake.responses][-1] == TEXT
    assert read_cer(cache.get(chunk_key(provider()[0], TEXT))) == 0.0


def test_identity_names_a_server_other_than_openai(fake, monkeypatch):
    assert provider()[0].identity()["server"] == fake.base_url
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1/")
    assert "server" not in provider()[0].identity()


def test_a_paraphrase_is_read_again_and_the_second_read_is_kept(fake, tmp_path, caplog):
    fake.queue("paraphrase")
    speech, slept = provider()
    speak(speech, TEXT, tmp_path / "c.wav")
    assert [r["behaviour"] for r in fake.responses] == ["paraphrase", "faithful"]
    assert (speech.requests, speech.retries, read_cer(tmp_path / "c.wav")) == (2, 1, 0.0)
    assert slept == [0.0]  # the server is fine, the model strayed: no backoff
    assert "not read verbatim (CER" in caplog.text


def test_a_preamble_on_a_long_chunk_is_caught_although_its_cer_is_under_the_threshold(fake, tmp_path, caplog):
    fake.queue("preamble")
    speech, _ = provider()
    speak(speech, LONG, tmp_path / "c.wav")
    assert len(fake.responses) == 2 and read_cer(tmp_path / "c.wav") == 0.0
    assert "not read verbatim (added '네읽어드리겠습니다'):" in caplog.text  # the CER alone would have passed it


def test_a_read_cut_off_by_max_output_tokens_is_read_again(fake, tmp_path):
    fake.queue("incomplete")
    speech, _ = provider()
    speak(speech, TEXT, tmp_path / "c.wav")
    assert [r["behaviour"] for r in fake.responses] == ["incomplete", "faithful"]


def test_unfaithful_every_time_fails_after_max_tries_showing_expected_and_heard(fake, tmp_path):
    fake.queue(*["paraphrase"] * 3, "incomplete")
    speech, _ = provider()
    message = failure(speech, tmp_path / "c.wav")
    assert len(fake.responses) == 4 and speech.requests == 4
    assert "gave up after 4 tries" in message and "cut off by max_output_tokens" in message
    assert f"expected '{TEXT}'" in message and f"heard '{TEXT[:len(TEXT) // 2]}'" in message
    assert not (tmp_path / "c.wav").exists()


@pytest.mark.parametrize("behaviour", ["quota", "quota_event"])
def test_insufficient_quota_is_fatal_after_one_attempt(fake, tmp_path, behaviour):
    fake.queue(behaviour)  # the real API reports it in a failed response.done; an error event is read alike
    speech, slept = provider()
    message = failure(speech, tmp_path / "c.wav")
    assert openai_access.QUOTA_EXHAUSTED in message
    assert (fake.sessions, len(fake.responses), slept) == (1, 1, [])


def test_an_auth_error_event_is_fatal_after_one_attempt(fake, tmp_path):
    fake.queue("auth")
    speech, _ = provider()
    assert openai_access.key_rejected("invalid_api_key") in failure(speech, tmp_path / "c.wav")
    assert fake.sessions == 1


def test_a_refused_key_completes_the_upgrade_then_is_fatal_after_one_attempt_naming_the_variable(fake, tmp_path):
    fake.refused_keys.add(KEY)
    speech, slept = provider()
    message = failure(speech, tmp_path / "c.wav")
    assert "the API key was rejected (invalid_api_key)" in message and "check OPENAI_API_KEY" in message
    assert "401" not in message  # the real server sends no 401: an error event, then close code 3000
    assert (fake.sessions, fake.handshakes_refused, len(fake.responses), slept) == (1, 0, 0, [])
    assert fake.errors[0]["code"] == "invalid_api_key"


def test_a_close_3000_alone_is_an_auth_failure():
    from websockets.exceptions import ConnectionClosedError
    from websockets.frames import Close

    speech, _ = provider()
    decision = speech._classify(ConnectionClosedError(Close(3000, "invalid_api_key"), None))
    assert not decision.retry and "check OPENAI_API_KEY" in decision.reason


def test_a_key_without_access_gets_403_at_the_upgrade_and_is_fatal_naming_the_variable(fake, tmp_path):
    fake.forbidden_keys.add(KEY)
    speech, slept = provider()
    message = failure(speech, tmp_path / "c.wav")
    assert "(403)" in message and "OPENAI_API_KEY" in message
    assert (fake.handshakes_refused, fake.sessions, slept) == (1, 0, [])


def test_quota_at_the_handshake_is_fatal_after_one_attempt(fake, tmp_path):
    fake.refuse_handshakes("quota")
    speech, _ = provider()
    assert openai_access.QUOTA_EXHAUSTED in failure(speech, tmp_path / "c.wav")
    assert fake.handshakes_refused == 1


def test_handshake_rate_limits_and_server_errors_are_retried_with_the_servers_wait(fake, tmp_path):
    fake.refuse_handshakes(429, 503)
    speech, slept = provider(retry__initial_wait=0.5)
    speak(speech, TEXT, tmp_path / "c.wav")
    assert (fake.handshakes_refused, fake.sessions) == (2, 1)
    assert slept[0] == 0.3 and 0 <= slept[1] <= 1.0  # retry-after-ms, then full jitter


def test_a_close_1011_mid_response_reconnects_with_a_new_session_and_redoes_only_that_chunk(fake, tmp_path):
    speech, slept = provider()
    speak(speech, "첫 번째 문단입니다.", tmp_path / "1.wav")
    fake.queue("close_1011")
    speak(speech, TEXT, tmp_path / "2.wav")
    assert [r["text"] for r in fake.responses] == ["첫 번째 문단입니다.", TEXT, TEXT]
    assert fake.sessions == 3 and len(fake.session_updates) == 3  # the new session is configured again
    assert all(r["session_updated"] and r["voice"] == "marin" for r in fake.responses)
    assert len(slept) == 1 and speech.retries == 1 and frames(tmp_path / "2.wav")[3] > 0


@pytest.mark.parametrize("behaviour", ["drop", "rate_limit", "close_none"])
def test_a_cut_connection_or_a_rate_limited_response_is_retried(fake, tmp_path, behaviour):
    fake.queue(behaviour)
    speech, slept = provider()
    speak(speech, TEXT, tmp_path / "c.wav")
    assert len(fake.responses) == 2 and read_cer(tmp_path / "c.wav") == 0.0
    if behaviour == "rate_limit":
        assert slept == [0.25]  # "Please try again in 0.25s."


@pytest.mark.parametrize("code", [1001, 1005, 1006, 1011, 1012, 1013, 1015])
def test_the_sdks_recoverable_close_codes_are_retried(code):
    from websockets.exceptions import ConnectionClosedError
    from websockets.frames import Close

    speech, _ = provider()
    assert speech._classify(ConnectionClosedError(Close(code, ""), None)).retry


def test_a_close_without_a_status_code_is_retried_in_a_new_session(fake, tmp_path, caplog):
    fake.queue("close_none")
    speech, slept = provider()
    speak(speech, TEXT, tmp_path / "c.wav")
    assert fake.sessions == 2 and len(slept) == 1 and "connection dropped with code 1005" in caplog.text


def test_reasoning_refused_by_the_model_is_dropped_and_the_read_goes_on(fake, tmp_path, caplog):
    fake.reasoning_models.clear()
    speech, slept = provider()
    speak(speech, TEXT, tmp_path / "a.wav")
    speak(speech, TEXT, tmp_path / "b.wav")
    assert [("reasoning" in u) for u in fake.session_updates] == [True, False, False]  # tried once, then never
    assert (fake.sessions, speech.requests, slept) == (2, 2, [])
    assert "does not take session.reasoning" in caplog.text


def test_a_normal_close_before_the_response_is_done_is_not_retried(fake, tmp_path):
    fake.queue("close_1000")
    speech, _ = provider()
    assert "closed the session with code 1000" in failure(speech, tmp_path / "c.wav")
    assert fake.sessions == 1


def test_a_stalled_response_is_abandoned_after_the_request_timeout_and_retried(fake, tmp_path):
    fake.queue("stall")
    speech, _ = provider(requests__timeout=0.4)
    speak(speech, TEXT, tmp_path / "c.wav")
    assert [r["behaviour"] for r in fake.responses] == ["stall", "faithful"]


def test_a_voice_the_server_refuses_is_fatal_and_named(fake, tmp_path):
    fake.voices.discard("marin")
    speech, _ = provider()
    message = failure(speech, tmp_path / "c.wav")
    assert "refused voice 'marin'" in message and "Invalid value: 'marin'" in message
    assert fake.sessions == 1 and fake.responses == []  # nothing is read in a voice that was not set


def test_a_server_that_cannot_be_reached_is_retried_then_named(monkeypatch, tmp_path):
    with FakeRealtime() as server:
        base_url = server.base_url
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    speech, slept = provider(retry__max_tries=3)
    message = failure(speech, tmp_path / "c.wav")
    assert "gave up after 3 tries" in message and "cannot connect to the Realtime API" in message
    assert len(slept) == 2


def test_a_missing_key_names_the_variable_and_sends_nothing(fake, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY")
    speech, _ = provider()  # a provider can be built without a key: chunks may all come from a cache
    assert "OPENAI_API_KEY" in failure(speech, tmp_path / "c.wav")
    assert fake.sessions == fake.handshakes_refused == 0


def test_the_key_never_reaches_a_message_or_a_log_line(fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    fake.queue("paraphrase", "close_1011", "drop", "rate_limit", "faithful", "auth")
    speech, _ = provider(retry__max_tries=8)
    speak(speech, TEXT, tmp_path / "c.wav")
    failure(speech, tmp_path / "d.wav")
    assert fake.keys_seen == {KEY}  # it was sent, in the Authorization header
    assert KEY not in caplog.text


def test_chunks_synthesised_from_several_threads_keep_their_own_audio_and_exact_counters(fake, tmp_path):
    texts = [f"{n}번째 문단입니다. " + "가나다라" * n for n in range(1, 9)]
    fake.queue("paraphrase", "close_1011")
    speech, _ = provider()
    errors = []

    def work(texts_for_thread):
        try:
            for text in texts_for_thread:
                speak(speech, text, tmp_path / f"{texts.index(text)}.wav")
        except Exception as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(texts[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for index, text in enumerate(texts):
        assert frames(tmp_path / f"{index}.wav")[3] == int(fake.seconds_per_char * len(text) * SAMPLE_RATE)
    assert (speech.requests, speech.retries) == (10, 2) and len(fake.responses) == fake.sessions == 10
    assert {read_cer(tmp_path / f"{index}.wav") for index in range(len(texts))} == {0.0}


def test_the_audio_stage_can_pick_it_by_name():
    assert speech_provider("realtime") is RealtimeSpeech and RealtimeSpeech.max_chars <= 4096


# --- its options, price and credit ------------------------------------------------------------------

REALTIME = {"provider": "realtime", "model": "gpt-realtime-2.1-mini", "voice": "marin"}


def options_error(**tts) -> str:
    with pytest.raises(ParamsError) as caught:
        speech_options(parse_params({"keywords": ["k"], "tts": {**REALTIME, **tts}}).tts)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(("voice", "nearest"), [("fable", "ballad or verse"), ("onyx", "cedar or ash"),
                                                ("nova", "marin or coral")])
def test_speech_only_voices_are_refused_with_the_nearest(voice, nearest):
    message = options_error(voice=voice)
    assert message.startswith(f"params.yaml: tts.voice: '{voice}' is a speech-API voice")
    assert f"nearest: {nearest}" in message and "alloy, ash, ballad" in message


def test_a_close_spelling_of_an_unknown_voice_is_suggested():
    assert "nearest: marin" in options_error(voice="marine")


@pytest.mark.parametrize(("tts", "bad", "named"), [
    ({"speed": 1.6}, "tts.speed", "0.25–1.5"),
    ({"model": "gpt-4o-mini-tts"}, "tts.model", "gpt-realtime-2.1-mini"),
    ({"model": "tts-1-hd"}, "tts.model", "gpt-realtime-2.1-mini"),
    ({"max_cer": 1.5}, "tts.max_cer", "0.0–1.0"),
])
def test_the_realtime_apis_limits(tts, bad, named):
    message = options_error(**tts)
    assert message.startswith(f"params.yaml: {bad}:") and named in message


def test_its_voices_and_speeds_are_accepted_and_null_is_the_default_model():
    tts = parse_params({"keywords": ["k"], "tts": {**REALTIME, "voice": "cedar", "speed": 1.5}}).tts
    assert speech_options(tts).max_cer == 0.1
    for written in ({"provider": "realtime"}, {"provider": "realtime", "model": None}):
        assert speech_options(parse_params({"keywords": ["k"], "tts": written}).tts).model == MODEL == \
            "gpt-realtime-2.1-mini"


def test_price_counts_audio_minutes_and_the_transcript():
    speech, _ = provider()
    assert speech.est_cost_usd(1000, 120.0) == pytest.approx(0.0006 + 0.049)


def test_credit_names_provider_model_voice_and_speed():
    speech, _ = provider(tts__speed=1.25)
    assert speech.credit() == "realtime gpt-realtime-2.1-mini marin, speed 1.25"
