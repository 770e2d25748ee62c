"""GETs through the one retry policy, against a real server on 127.0.0.1."""

import time

import pytest

from stages.clients.retry import RetryError
from stages.clients.web import USER_AGENT, Web
from stages.core.errors import PipelineError
from stages.core.params import parse_params
from tests.fake_http import FakeServer, Reply, free_port, json_reply


class Echo(FakeServer):
    """Answers every path with {"ok": true}, after `delay` seconds."""

    delay = 0.0

    def respond(self, path, query):
        time.sleep(self.delay)
        if path == "/loop":
            return Reply(302, b"", "text/plain", (("Location", "/loop"),))
        return json_reply({"ok": True}) if path != "/missing" else Reply(404, b"{}", "application/json")


@pytest.fixture
def echo():
    with Echo() as server:
        yield server


def web(slept: list[float], **requests) -> Web:
    params = parse_params({"keywords": ["x"], "retry": {"max_tries": 4, "initial_wait": 1, "max_wait": 30},
                           "requests": {"timeout": 5, **requests}})
    return Web(params, sleep=slept.append)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_server_errors_and_429_are_retried(echo, status):
    slept = []
    echo.failures = [status, status]
    with web(slept) as client:
        assert client.get_json(f"{echo.origin}/x", what="t") == (200, {"ok": True})
    assert len(echo.requests) == 3 and len(slept) == 2


def test_the_servers_retry_after_is_the_wait(echo):
    slept = []
    echo.failures, echo.retry_after = [503], "7"
    with web(slept) as client:
        client.get(f"{echo.origin}/x", what="t")
    assert slept == [7.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_other_4xx_give_up_at_once(echo, status):
    slept = []
    echo.failures = [status]
    with web(slept) as client, pytest.raises(RetryError, match=rf"^t: GET {echo.origin}/x: HTTP {status} \w"):
        client.get(f"{echo.origin}/x", what="t")
    assert len(echo.requests) == 1 and slept == []


def test_an_accepted_status_is_an_answer(echo):
    with web([]) as client:
        assert client.get(f"{echo.origin}/missing", what="t", accept=(404,)).status_code == 404


def test_a_refused_connection_is_retried_then_one_line():
    slept = []
    url = f"http://127.0.0.1:{free_port()}/x"
    with web(slept) as client, pytest.raises(RetryError) as caught:
        client.get(url, what="t")
    assert str(caught.value).startswith(f"t: GET {url}: gave up after 4 tries over ")
    assert str(caught.value).endswith(" s: connection refused") and len(slept) == 3


def test_a_slow_answer_times_out_and_is_retried(echo):
    slept = []
    echo.delay = 0.5
    with web(slept, timeout=0.1) as client, \
            pytest.raises(RetryError, match=r"gave up after 4 tries .*: no answer within 0\.1 s$"):
        client.get(f"{echo.origin}/x", what="t")
    assert len(slept) == 3


def test_the_user_agent_says_who_is_asking(echo):
    with web([]) as client:
        client.get(f"{echo.origin}/x", what="t")
    assert echo.requests[0].user_agent == USER_AGENT and "docent" in USER_AGENT


def test_a_redirect_loop_is_one_line_and_not_retried(echo):
    slept = []
    with web(slept) as client, \
            pytest.raises(PipelineError, match=r"^t: GET .*/loop: TooManyRedirects: Exceeded \d+ redirects\.$"):
        client.get(f"{echo.origin}/loop", what="t")
    assert slept == []
