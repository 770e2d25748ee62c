"""stages/clients/openai_access.py: the client factory and the classifier, on errors the real SDK raises from the fake
server."""

import httpx2
import openai
import pytest

from stages.clients import openai_access
from stages.core.errors import PipelineError
from stages.core.params import parse_params
from tests.conftest import FAKE_KEY


def params(timeout: float = 0.5):
    return parse_params({"keywords": ["x"], "requests": {"timeout": timeout}})


def raised_by(fake, fault: str, endpoint: str = "speech") -> BaseException:
    """The exception one SDK call raises when the fake answers with `fault`."""
    fake.queue(endpoint, fault)
    client = openai_access.make_client(params())
    try:
        if endpoint == "chat":
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "안녕"}])
        else:
            with client.audio.speech.with_streaming_response.create(
                    model="gpt-4o-mini-tts", voice="alloy", input="안녕", response_format="wav") as response:
                response.read()
    except BaseException as exc:
        return exc
    raise AssertionError(f"{fault} raised nothing")


def test_client_reads_the_environment_and_leaves_retries_to_backoff(fake_openai):
    client = openai_access.make_client(params(timeout=12.5))
    assert client.max_retries == 0 and client.timeout == 12.5
    assert str(client.base_url).rstrip("/") == fake_openai.url and client.api_key == FAKE_KEY


def test_missing_key_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(PipelineError) as caught:
        openai_access.make_client(params())
    assert "OPENAI_API_KEY" in str(caught.value) and "\n" not in str(caught.value)


def test_without_base_url_the_sdk_default_is_used(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert str(openai_access.make_client(params()).base_url).startswith("https://api.openai.com/v1")


@pytest.mark.parametrize(("fault", "retry", "wait"), [
    ("429-ms", True, 1.5),
    ("429", True, None),
    ("502", True, None),
    ("quota", False, None),
    ("quota-type", False, None),
    ("quota-code", False, None),
    ("401", False, None),
    ("403", False, None),
    ("400", False, None),
    ("404", False, None),
    ("422", False, None),
    ("408", True, None),
    ("409", True, None),
    ("500", True, None),
    ("503", True, None),
    ("reset", True, None),
    ("stall", True, None),
])
def test_classifier_on_real_sdk_errors(fake_openai, fault, retry, wait):
    decision = openai_access.classify(raised_by(fake_openai, fault))
    assert (decision.retry, decision.server_wait) == (retry, wait)


@pytest.mark.parametrize("fault", ["cut", "stall-body"])
def test_errors_raised_while_the_body_streams_are_transport_errors_and_retried(fake_openai, fault):
    error = raised_by(fake_openai, fault)
    assert isinstance(error, httpx2.TransportError) and not isinstance(error, openai.OpenAIError)
    assert openai_access.classify(error).retry


def test_cut_chat_body_is_a_connection_error(fake_openai):
    error = raised_by(fake_openai, "cut", endpoint="chat")
    assert isinstance(error, openai.APIConnectionError) and openai_access.classify(error).retry


def test_messages_for_the_user(fake_openai):
    quota = openai_access.classify(raised_by(fake_openai, "quota")).reason
    assert "credit is exhausted" in quota and "billing" in quota and "retrying will not help" in quota
    key = openai_access.classify(raised_by(fake_openai, "401")).reason
    assert "rejected" in key and "OPENAI_API_KEY" in key


def test_a_server_echoing_the_key_is_redacted(fake_openai):
    error = raised_by(fake_openai, "400")
    error.body["message"] = f"bad key {FAKE_KEY} here"  # a careless compatible server
    reason = openai_access.classify(error).reason
    assert FAKE_KEY not in reason and "***" in reason


def test_estimated_tokens_count_hangul_denser_than_ascii():
    assert openai_access.estimate_tokens("abcd" * 10) == 10
    assert openai_access.estimate_tokens("가" * 30) == 20
