"""The fake's /v1/audio/transcriptions, seen through the real SDK: it hears what its own speech endpoint said, in the
shapes the API answers, and can be told to mishear a number or drop a phrase (the listening check's test cases)."""

import io
import json
import subprocess
import sys
import time
import urllib.request

import numpy as np
import openai
import pytest
import soundfile as sf
from openai.types.audio import Transcription, TranscriptionVerbose

from tests.conftest import FAKE_KEY, ROOT
from tests.fake_openai import SAMPLE_RATE, FakeOpenAI, tone_frequency

TEXT = "훈민정음은 1446년에 반포되었습니다."
OTHER = "성덕대왕신종은 통일신라 시대의 범종입니다."
SPOKEN_YEAR = "훈민정음은 천사백사십육 년에 반포되었습니다."


@pytest.fixture
def client(fake_openai) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake_openai.url, api_key=FAKE_KEY, max_retries=0, timeout=5)


def speak(client, text, path, fmt="wav", **args):
    """The fake's speech for `text`, written to `path`, as the pipeline caches a chunk."""
    with client.audio.speech.with_streaming_response.create(model="gpt-4o-mini-tts", voice="alloy", input=text,
                                                              response_format=fmt, **args) as response:
        response.stream_to_file(path)
    return path


def transcribe(client, path, **args):
    with open(path, "rb") as audio:
        return client.audio.transcriptions.create(**{"model": "gpt-transcribe", "language": "ko", **args}, file=audio)


def test_a_transcription_hears_the_text_the_speech_endpoint_said(client, fake_openai, tmp_path):
    first, other = speak(client, TEXT, tmp_path / "a.wav"), speak(client, OTHER, tmp_path / "b.flac", "flac")
    heard = transcribe(client, first)
    assert isinstance(heard, Transcription) and heard.text == TEXT
    assert transcribe(client, other).text == OTHER
    assert heard.usage.type == "tokens" and heard.usage.input_token_details.audio_tokens > 0
    assert heard.usage.total_tokens == heard.usage.input_tokens + heard.usage.output_tokens
    assert [language.code for language in heard.languages] == ["ko"]
    assert fake_openai.count("transcription") == 2 and fake_openai.count("speech") == 2
    assert fake_openai.stats()["models"]["transcription"] == {"gpt-transcribe": 2}
    assert fake_openai.received[-1]["json"]["language"] == "ko"


def test_audio_it_never_said_is_heard_as_nothing(client, tmp_path):
    frequency = next(f for f in range(200, 800, 7) if abs(f - tone_frequency(TEXT)) > 20)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    sf.write(tmp_path / "tone.wav", 0.3 * np.sin(2 * np.pi * frequency * t), SAMPLE_RATE)
    speak(client, TEXT, tmp_path / "said.wav")
    assert transcribe(client, tmp_path / "tone.wav").text == ""
    sf.write(tmp_path / "silence.wav", np.zeros(SAMPLE_RATE), SAMPLE_RATE)
    assert transcribe(client, tmp_path / "silence.wav").text == ""


def test_a_slower_reading_of_the_same_text_is_still_heard(client, tmp_path):
    path = speak(client, TEXT, tmp_path / "slow.mp3", "mp3", speed=0.5)
    assert transcribe(client, path).text == TEXT


def test_verbose_json_parses_into_the_sdks_type(client, tmp_path):
    path = speak(client, OTHER + " 높이는 3.75미터입니다.", tmp_path / "a.wav")
    verbose = transcribe(client, path, model="whisper-1", response_format="verbose_json",
                         timestamp_granularities=["segment", "word"])
    assert isinstance(verbose, TranscriptionVerbose)
    assert verbose.text == OTHER + " 높이는 3.75미터입니다." and verbose.language == "korean"
    assert verbose.duration == pytest.approx(sf.info(path).duration, abs=0.01)
    assert [s.text for s in verbose.segments] == [" " + OTHER, " 높이는 3.75미터입니다."]
    assert verbose.segments[0].start == 0.0 and verbose.segments[-1].end == pytest.approx(verbose.duration)
    assert all(s.tokens and s.no_speech_prob < 0.5 for s in verbose.segments)
    assert verbose.usage.type == "duration" and verbose.usage.seconds >= verbose.duration
    assert verbose.words[0].word == "성덕대왕신종은"
    assert verbose.model_extra == {"task": "transcribe"}


def test_whisper_json_bills_duration_and_text_is_plain(client, tmp_path):
    path = speak(client, TEXT, tmp_path / "a.wav")
    assert transcribe(client, path, model="whisper-1").usage.type == "duration"
    assert transcribe(client, path, model="gpt-4o-transcribe", response_format="text") == TEXT + "\n"


@pytest.mark.parametrize(("args", "param", "code"), [
    ({"model": ""}, "model", None),
    ({"response_format": "xml"}, "response_format", "invalid_value"),
    ({"model": "gpt-4o-transcribe", "response_format": "verbose_json"}, "response_format", "unsupported_value"),
    ({"language": "korean"}, "language", "invalid_language_format"),
    ({"temperature": 1.5}, "temperature", "invalid_value"),
])
def test_invalid_requests_get_the_apis_400s(client, tmp_path, args, param, code):
    path = speak(client, TEXT, tmp_path / "a.wav")
    with pytest.raises(openai.BadRequestError) as caught:
        transcribe(client, path, **args)
    error = caught.value
    assert set(error.body) == {"message", "type", "param", "code"} and error.type == "invalid_request_error"
    assert error.param == param and error.code == code


def test_a_request_without_a_file_or_with_a_foreign_one_is_refused(client, tmp_path):
    with pytest.raises(openai.BadRequestError) as caught:  # the SDK always sends a file: post the form by hand
        client.post("/audio/transcriptions", cast_to=Transcription, body={"model": "gpt-transcribe"},
                    options={"headers": {"Content-Type": "multipart/form-data"}})
    assert caught.value.code == "missing_required_parameter" and caught.value.param == "file"
    (tmp_path / "notes.txt").write_text("not audio")
    with pytest.raises(openai.BadRequestError, match="Invalid file format"):
        transcribe(client, tmp_path / "notes.txt")
    (tmp_path / "broken.wav").write_bytes(b"RIFF0000WAVEjunk")
    with pytest.raises(openai.BadRequestError, match="could not be decoded"):
        transcribe(client, tmp_path / "broken.wav")


def test_mishear_changes_one_number_for_the_next_n_transcriptions(client, fake_openai, tmp_path):
    written, spoken = speak(client, TEXT, tmp_path / "a.wav"), speak(client, SPOKEN_YEAR, tmp_path / "b.wav")
    fake_openai.mishear = {"1446년": 2, "사십육": 1}
    assert [transcribe(client, written).text for _ in range(3)] == [TEXT.replace("1446", "1443")] * 2 + [TEXT]
    assert transcribe(client, spoken).text == SPOKEN_YEAR.replace("사십육", "사십삼")
    assert transcribe(client, spoken).text == SPOKEN_YEAR
    assert fake_openai.mishear == {}
    assert [t["heard"] == t["text"] for t in fake_openai.transcripts] == [False, False, True, False, True]


def test_drop_leaves_a_phrase_out(client, fake_openai, tmp_path):
    path = speak(client, OTHER, tmp_path / "a.wav")
    fake_openai.drop = {"통일신라 시대의": 1}
    assert transcribe(client, path).text == "성덕대왕신종은 범종입니다."
    assert transcribe(client, path).text == OTHER


def test_queued_faults_reach_transcriptions(client, fake_openai, tmp_path):
    path = speak(client, TEXT, tmp_path / "a.wav")
    fake_openai.queue("transcription", "429")
    with pytest.raises(openai.RateLimitError):
        transcribe(client, path)
    assert transcribe(client, path).text == TEXT
    assert fake_openai.count("transcription") == 2 and fake_openai.stats()["pending"]["transcription"] == []


def test_audio_cut_short_is_heard_as_the_beginning_of_its_text(client, fake_openai, tmp_path):
    fake_openai.queue("speech", "short")
    heard = transcribe(client, speak(client, OTHER, tmp_path / "a.wav")).text
    assert OTHER.startswith(heard) and 0.4 < len(heard) / len(OTHER) < 0.6


def test_transcription_latency_is_its_own():
    with FakeOpenAI(latency=0.0, transcription_latency=0.15) as fake:
        client = openai.OpenAI(base_url=fake.url, api_key=FAKE_KEY, max_retries=0, timeout=5)
        buffer = io.BytesIO()
        with client.audio.speech.with_streaming_response.create(model="tts-1", voice="alloy", input=TEXT,
                                                                  response_format="wav") as response:
            buffer.write(response.read())
        started = time.monotonic()
        heard = client.audio.transcriptions.create(model="gpt-transcribe", file=("a.wav", buffer.getvalue()))
        assert heard.text == TEXT and time.monotonic() - started >= 0.15


def test_standalone_process_takes_latency_and_listening_faults():
    server = subprocess.Popen([sys.executable, "-m", "tests.fake_openai", "--port", "0",
                               "--transcription-latency", "0.05", "--fault", "transcription=503"],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().split()[-1]
        control = url.removesuffix("/v1") + "/_fake/faults"
        body = json.dumps({"mishear": {"1446": 1}, "drop": {"반포": 1}}).encode()
        with urllib.request.urlopen(urllib.request.Request(control, body, method="POST")) as response:
            assert json.load(response)["mishear"] == {"1446": 1}
        client = openai.OpenAI(base_url=url, api_key=FAKE_KEY, max_retries=0, timeout=5)
        with client.audio.speech.with_streaming_response.create(model="tts-1", voice="alloy", input=TEXT,
                                                                  response_format="wav") as response:
            audio = response.read()
        with pytest.raises(openai.InternalServerError):
            client.audio.transcriptions.create(model="gpt-transcribe", file=("a.wav", audio))
        heard = client.audio.transcriptions.create(model="gpt-transcribe", file=("a.wav", audio))
        assert heard.text == "훈민정음은 1443년에 되었습니다."
        with urllib.request.urlopen(url.removesuffix("/v1") + "/_fake/stats") as response:
            stats = json.load(response)
        assert stats["counts"] == {"speech": 1, "transcription": 2} and stats["mishear"] == stats["drop"] == {}
    finally:
        server.terminate()
        server.wait(timeout=10)
