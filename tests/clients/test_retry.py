"""The retry policy on its own: what is retried, how long it waits, when it gives up."""

import contextlib

import pytest

from stages.clients.retry import Decision, RetryError, RetryPolicy, server_wait
from stages.core.params import RetryParams


class Flaky(Exception):
    pass


class Fatal(Exception):
    pass


def classify(error: BaseException) -> Decision:
    if isinstance(error, Flaky):
        return Decision(retry=True, reason="flaky", server_wait=getattr(error, "wait", None))
    return Decision(retry=False, reason="fatal")


def make_policy(**retry) -> tuple[RetryPolicy, list[float]]:
    slept: list[float] = []
    return RetryPolicy(RetryParams(**retry), sleep=slept.append, rng=lambda: 1.0), slept


def failing(errors: list[BaseException], result="ok"):
    calls = []

    def fn():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result
    return fn, calls


def test_retries_then_succeeds_with_exponential_waits():
    policy, slept = make_policy(max_tries=5, initial_wait=1.0, max_wait=3.0)
    fn, calls = failing([Flaky(), Flaky(), Flaky()])
    assert policy.call(fn, retry_on=(Flaky, Fatal), classify=classify, what="t") == "ok"
    assert len(calls) == 4 and slept == [1.0, 2.0, 3.0]  # capped at max_wait
    assert policy.retries == 3


def test_full_jitter_draws_below_the_ceiling():
    policy = RetryPolicy(RetryParams(initial_wait=2.0, max_wait=60.0), sleep=lambda s: None, rng=lambda: 0.25)
    assert policy.backoff_wait(3) == pytest.approx(0.25 * 8.0)


def test_server_wait_wins_without_jitter_and_is_capped():
    policy, slept = make_policy(max_tries=3, max_wait=2.0)
    first, second = Flaky(), Flaky()
    first.wait, second.wait = 0.5, 30.0
    fn, _ = failing([first, second])
    policy.call(fn, retry_on=(Flaky,), classify=classify, what="t")
    assert slept == [0.5, 2.0]


def test_fatal_gives_up_after_one_try():
    policy, slept = make_policy(max_tries=8)
    fn, calls = failing([Fatal()])
    with pytest.raises(RetryError, match="^t: fatal$") as caught:
        policy.call(fn, retry_on=(Flaky, Fatal), classify=classify, what="t")
    assert len(calls) == 1 and slept == [] and caught.value.tries == 1


def test_tries_run_out_after_max_tries():
    policy, slept = make_policy(max_tries=4)
    fn, calls = failing([Flaky() for _ in range(10)])
    with pytest.raises(RetryError, match=r"gave up after 4 tries over .* s: flaky"):
        policy.call(fn, retry_on=(Flaky,), classify=classify, what="t")
    assert len(calls) == 4 and len(slept) == 3


def test_other_exceptions_propagate_untouched():
    policy, _ = make_policy()
    fn, calls = failing([KeyError("x")])
    with pytest.raises(KeyError):
        policy.call(fn, retry_on=(Flaky,), classify=classify, what="t")
    assert len(calls) == 1


@pytest.mark.parametrize(("headers", "expected"), [
    ({"retry-after-ms": "1500"}, 1.5),
    ({"retry-after": "3"}, 3.0),
    ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
    ({}, None),
    (None, None),
])
def test_server_wait_reads_both_headers(headers, expected):
    assert server_wait(headers) == expected


def test_every_try_passes_before_try_retries_included():
    policy, _ = make_policy(max_tries=5)
    passed = []
    policy.before_try = lambda: passed.append(1)
    fn, calls = failing([Flaky(), Flaky()])
    policy.call(fn, retry_on=(Flaky,), classify=classify, what="t")
    assert len(calls) == len(passed) == 3 and (policy.attempts, policy.retries) == (3, 2)


@pytest.mark.parametrize("outcome", ["success", "fatal", "not retryable at all"])
def test_every_try_is_followed_by_after_try_however_it_ends(outcome):
    # The rate limiter's settle: a try that ends without it would hold the requests.rpm budget.
    policy, _ = make_policy(max_tries=5)
    events = []
    policy.before_try, policy.after_try = lambda: events.append("before"), lambda: events.append("after")
    errors = {"success": [Flaky()], "fatal": [Flaky(), Fatal()], "not retryable at all": [Flaky(), KeyError()]}
    fn, calls = failing(errors[outcome])
    with contextlib.suppress(RetryError, KeyError):
        policy.call(fn, retry_on=(Flaky, Fatal), classify=classify, what="t")
    assert events == ["before", "after"] * len(calls)


def test_interrupt_ends_a_long_retry_wait_at_once():
    import threading
    import time

    from stages.clients.retry import Interrupted

    policy = RetryPolicy(RetryParams(max_tries=3, initial_wait=30.0, max_wait=30.0), rng=lambda: 1.0)
    fn, calls = failing([Flaky() for _ in range(5)])
    outcome = []

    def run():
        try:
            policy.call(fn, retry_on=(Flaky,), classify=classify, what="t")
        except Interrupted as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=run)
    started = time.monotonic()
    worker.start()
    while not calls:
        time.sleep(0.01)
    policy.interrupt()
    worker.join(timeout=10)
    assert not worker.is_alive() and outcome == ["t: stopped because the run is stopping"]
    assert len(calls) == 1 and time.monotonic() - started < 10  # not the 30 s wait


def test_a_malformed_retry_after_is_ignored():
    assert server_wait({"retry-after": "soon, maybe"}) is None
    assert server_wait({"retry-after": "Wed, 99 Foo 2026 25:61:00 GMT"}) is None
    assert server_wait({"retry-after": ""}) is None
