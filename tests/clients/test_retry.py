"""The retry policy on its own: what is retried, how long it waits, when it gives up."""

import asyncio
import contextlib

import pytest

from stages.clients.retry import Decision, Rejected, RetryError, RetryPolicy, server_wait
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


def test_cancelling_the_call_ends_a_long_retry_wait_at_once():
    # No stand-in clock: backoff really awaits asyncio.sleep(30), and cancelling the task ends it.
    policy = RetryPolicy(RetryParams(max_tries=3, initial_wait=30.0, max_wait=30.0), rng=lambda: 1.0)
    fn, calls = failing([Flaky() for _ in range(5)])

    async def attempt():
        return fn()

    async def main():
        call = asyncio.create_task(policy.run(attempt, retry_on=(Flaky,), classify=classify, what="t"))
        while not calls:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # the call is in its 30 s wait now
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call

    asyncio.run(asyncio.wait_for(main(), 10))  # a hang would end as a TimeoutError, not a 30 s pass
    assert len(calls) == 1 and (policy.attempts, policy.retries) == (1, 0)


def test_a_rejected_result_is_tried_again_in_the_same_count_of_tries():
    policy, slept = make_policy(max_tries=3)
    fn, calls = failing([Flaky()])
    checked = []

    async def attempt():
        return fn()

    async def check(result):
        checked.append(result)
        if len(checked) == 1:
            raise Rejected("half the audio")

    assert asyncio.run(policy.run(attempt, retry_on=(Flaky,), classify=classify, what="t", check=check)) == "ok"
    assert len(calls) == 3 and checked == ["ok", "ok"] and (policy.attempts, policy.retries) == (3, 2)
    assert slept[1] == 0.0  # a rejected answer is tried again at once


def test_rejections_use_up_the_tries_like_any_failure():
    policy, _ = make_policy(max_tries=2)

    async def attempt():
        return "cut"

    async def check(result):
        raise Rejected("half the audio")

    with pytest.raises(RetryError, match=r"^t: gave up after 2 tries over .* s: half the audio$"):
        asyncio.run(policy.run(attempt, retry_on=(), classify=classify, what="t", check=check))


def test_the_wait_generator_is_fed_each_failure_and_never_sleeps():
    # backoff primes the generator, then sends each exception in and sleeps the value that comes out.
    seen = []
    policy = RetryPolicy(RetryParams(max_tries=5, initial_wait=1.0, max_wait=4.0), rng=lambda: 1.0,
                         sleep=lambda wait: seen.append(wait))
    first, second = Flaky(), Flaky()
    second.wait = 0.25
    fn, _ = failing([first, second, Flaky()])
    policy.call(fn, retry_on=(Flaky,), classify=classify, what="t")
    assert seen == [1.0, 0.25, 4.0]  # backoff, the server's wait, backoff again (the third try's ceiling)


def test_a_malformed_retry_after_is_ignored():
    assert server_wait({"retry-after": "soon, maybe"}) is None
    assert server_wait({"retry-after": "Wed, 99 Foo 2026 25:61:00 GMT"}) is None
    assert server_wait({"retry-after": ""}) is None
