"""The fake server itself: it must speak the API the way OpenAI documents it, or the other tests prove nothing."""

import io
import json
import subprocess
import sys
import urllib.request

import numpy as np
import openai
import pytest
import soundfile as sf

from tests.conftest import FAKE_KEY, ROOT
from tests.fake_openai import SAMPLE_RATE, SECONDS_PER_CHAR, tone_frequency

TEXT = "성덕대왕신종은 통일신라 시대의 범종입니다."


@pytest.fixture
def client(fake_openai) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake_openai.url, api_key=FAKE_KEY, max_retries=0, timeout=5)


def speak(client, text=TEXT, **args) -> bytes:
    args = {"model": "gpt-4o-mini-tts", "voice": "alloy", "input": text, "response_format": "wav", **args}
    with client.audio.speech.with_streaming_response.create(**args) as response:
        return response.read()


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3", "opus"])
def test_speech_is_real_audio_in_the_asked_format(client, fmt):
    samples, rate = sf.read(io.BytesIO(speak(client, response_format=fmt)), dtype="int16")
    assert rate in (SAMPLE_RATE, 48000)
    assert len(samples) / rate == pytest.approx(len(TEXT) * SECONDS_PER_CHAR, abs=0.08)


def test_pcm_is_raw_24khz_16bit(client):
    data = speak(client, response_format="pcm", speed=2.0)
    assert len(data) == 2 * round(len(TEXT) * SECONDS_PER_CHAR / 2.0 * SAMPLE_RATE)


def test_tone_depends_on_the_text(client):
    samples, rate = sf.read(io.BytesIO(speak(client)), dtype="float32")
    peak = np.argmax(np.abs(np.fft.rfft(samples))) * rate / len(samples)
    assert peak == pytest.approx(tone_frequency(TEXT), abs=3)
    assert tone_frequency(TEXT) != tone_frequency(TEXT + " ")


@pytest.mark.parametrize(("args", "param"), [
    ({"input": "가" * 4097}, "input"),
    ({"voice": "bella"}, "voice"),
    ({"voice": "cedar", "model": "tts-1"}, "voice"),
    ({"speed": 4.5}, "speed"),
    ({"speed": 0.2}, "speed"),
    ({"model": "tts-1-hd", "instructions": "천천히"}, "instructions"),
])
def test_invalid_speech_requests_get_documented_400s(client, args, param):
    with pytest.raises(openai.BadRequestError) as caught:
        speak(client, **args)
    assert caught.value.body["param"] == param and caught.value.type == "invalid_request_error"


def test_a_default_429_carries_no_wait_or_rate_limit_headers(client, fake_openai):
    fake_openai.queue("speech", "429")
    with pytest.raises(openai.RateLimitError) as caught:
        speak(client)
    headers = caught.value.response.headers
    assert not {"retry-after", "retry-after-ms"} & set(headers) and not any(h.startswith("x-ratelimit") for h in headers)


def test_a_wav_declares_unknown_sizes_by_default(client, fake_openai):
    data = speak(client, response_format="wav")
    assert data[4:8] == b"\xff\xff\xff\xff" and data[data.index(b"data") + 4:][:4] == b"\xff\xff\xff\xff"


def test_a_502_is_an_html_page(client, fake_openai):
    fake_openai.queue("speech", "502")
    with pytest.raises(openai.InternalServerError) as caught:
        speak(client)
    assert caught.value.response.headers["content-type"] == "text/html" and "<title>502" in caught.value.body


def test_error_body_and_rate_limit_headers(client, fake_openai):
    fake_openai.queue("speech", "429-ms")
    with pytest.raises(openai.RateLimitError) as caught:
        speak(client)
    error = caught.value
    assert set(error.body) == {"message", "type", "param", "code"} and error.code == "rate_limit_exceeded"
    assert error.response.headers["retry-after-ms"] == "1500"
    with client.audio.speech.with_streaming_response.create(model="gpt-4o-mini-tts", voice="alloy",
                                                              input=TEXT) as response:
        assert int(response.headers["x-ratelimit-remaining-requests"]) >= 0


def test_a_storm_alternates_refusals_with_answers_and_asks_for_the_set_wait(client, fake_openai):
    fake_openai.retry_after_ms = 500
    fake_openai.queue("speech", "429-ms", "ok", "429-ms", "ok")
    outcomes = []
    for _ in range(4):
        try:
            speak(client)
            outcomes.append("ok")
        except openai.RateLimitError as error:
            outcomes.append(error.response.headers["retry-after-ms"])
    assert outcomes == ["500", "ok", "500", "ok"]


def test_speech_latency_can_depend_on_the_text(client, fake_openai):
    asked = []
    fake_openai.speech_latency = lambda text: asked.append(text) or 0.0
    speak(client)
    assert asked == [TEXT]


def test_chat_completion_is_a_documented_object(client, fake_openai):
    completion = client.chat.completions.create(
        model="gpt-5-mini", messages=[{"role": "user", "content": "[개요] 종은 771년에 완성되었습니다.\n약 100자"}])
    assert completion.choices[0].finish_reason == "stop"
    assert "771년" in completion.choices[0].message.content
    assert fake_openai.count("chat") == 1 and fake_openai.count("speech") == 0


def test_wrong_key_is_refused_without_echoing_it(client, fake_openai):
    fake_openai.api_key = "sk-the-right-one"
    with pytest.raises(openai.AuthenticationError) as caught:
        speak(client)
    assert caught.value.code == "invalid_api_key" and FAKE_KEY not in str(caught.value)


def test_standalone_process_serves_and_reports_counts():
    server = subprocess.Popen([sys.executable, "-m", "tests.fake_openai", "--port", "0", "--fault", "speech=503"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().split()[-1]
        client = openai.OpenAI(base_url=url, api_key=FAKE_KEY, max_retries=0, timeout=5)
        with pytest.raises(openai.InternalServerError):
            speak(client)
        assert sf.read(io.BytesIO(speak(client)))[0].size > 0
        with urllib.request.urlopen(url.removesuffix("/v1") + "/_fake/stats") as response:
            assert json.load(response)["counts"] == {"speech": 2}
    finally:
        server.terminate()
        server.wait(timeout=10)
