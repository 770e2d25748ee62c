"""The one retry policy: which failures are retried, how long to wait between tries, and how many were made.

The loop is backoff's (`backoff.on_exception`), used as designed: `giveup` is the caller's classifier, the wait
generator receives each failure through send() and yields the server's Retry-After (capped at retry.max_wait) or
a full-jitter exponential wait, and `on_backoff` writes the log line. The generator only computes waits: backoff
awaits `asyncio.sleep`, so a cancelled call stops waiting at once. SDK-level retries must be off
(max_retries=0): this is the only layer.

Every try, the first and each retry, passes `before_try` (the rate limiter, awaited) and is followed by
`after_try` whatever it did, so that the limiter learns the try is over. A try may end with a `check` of its
result (stages/speech/verify.py): a Rejected answer is retried in the same count of tries. Only exceptions of the
caller's `retry_on` types are classified; any other propagates untouched.
"""

import asyncio
import email.utils
import inspect
import itertools
import logging
import random
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import TypeVar

import backoff

from stages.core.errors import PipelineError
from stages.core.params import RetryParams

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Decision:
    """What to do about one failure."""

    retry: bool
    reason: str  # one line for the log and for the final error
    server_wait: float | None = None  # seconds the server asked for (retry-after); used without jitter


Classifier = Callable[[BaseException], Decision]


class RetryError(PipelineError):
    """A call failed for good: a fatal answer, or tries ran out."""

    def __init__(self, message: str, *, tries: int, elapsed: float, decision: Decision) -> None:
        super().__init__(message)
        self.tries = tries
        self.elapsed = elapsed
        self.decision = decision


def server_wait(headers: Mapping[str, str] | None) -> float | None:
    """The wait a response asks for: retry-after-ms, else retry-after (seconds or an HTTP date)."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    after = headers.get("retry-after")
    if after is None:
        return None
    try:
        return max(0.0, float(after))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(after)
    except (TypeError, ValueError, IndexError):
        return None  # a header that is neither seconds nor an HTTP date: fall back to backoff
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


class Rejected(Exception):
    """An answer that arrived but failed a check (cut audio, a stray read): retried like any transient failure,
    at once (the server answered; another try is what helps), and counted in the same tries."""


class RetryPolicy:
    """Exponential backoff with full jitter, honouring the server's retry-after, from params.yaml's retry.

    It also keeps the one count of tries: `attempts` (every try of every call) and `retries` (the tries
    after a call's first), safe to share between threads (the synchronous callers) and tasks.
    """

    def __init__(self, params: RetryParams, *, sleep: Callable[[float], None] | None = None,
                 rng: Callable[[], float] = random.random, before_try: Callable[[], object] | None = None,
                 after_try: Callable[[], None] | None = None) -> None:
        self.params = params
        # A stand-in clock for tests: each wait is handed to it and backoff waits no time, so tests never wait.
        self.sleep = sleep
        self.rng = rng
        self.before_try = before_try  # e.g. the rate limiter's wait: every try counts against requests.rpm
        self.after_try = after_try  # e.g. the rate limiter's settle, after every try that passed before_try
        self.attempts = 0
        self.retries = 0
        self._lock = threading.Lock()

    def backoff_wait(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_wait, initial_wait · 2^(attempt-1))]."""
        ceiling = min(self.params.max_wait, self.params.initial_wait * 2 ** (attempt - 1))
        return self.rng() * ceiling

    async def run(self, fn: Callable[[], Awaitable[T]], *, retry_on: tuple[type[BaseException], ...],
                  classify: Classifier, what: str, check: Callable[[T], Awaitable[None]] | None = None) -> T:
        """Await fn() until it succeeds, a failure is fatal, or retry.max_tries tries are spent.

        A try is fn(), then `check` of its result; a check raising Rejected fails the try like any retryable
        failure. Failing for good raises a one-line RetryError. Cancelling the awaiting task (a sibling chunk
        failed, Ctrl-C) ends a wait at once.
        """
        started = time.monotonic()
        last: list = [None, None]  # the failure last classified and its decision: each is classified once
        chosen = [0.0]  # the wait the generator chose last, for the log line and the stand-in clock
        tries = [0]  # this call's tries, for the one count

        def decide(error: BaseException) -> Decision:
            if last[0] is not error:
                last[:] = [error, Decision(retry=True, reason=str(error), server_wait=0.0)
                           if isinstance(error, Rejected) else classify(error)]
            return last[1]

        def log_wait(details: dict) -> None:
            wait = chosen[0]
            log.warning("%s: %s; waiting %.2f s before try %d/%d", what, decide(details["exception"]).reason, wait,
                        details["tries"] + 1, self.params.max_tries)
            if self.sleep is not None:
                self.sleep(wait)

        def give_up(details: dict) -> None:
            error, tries = details["exception"], details["tries"]
            decision = decide(error)
            elapsed = time.monotonic() - started
            message = (f"{what}: gave up after {tries} tries over {elapsed:.1f} s: {decision.reason}"
                       if decision.retry else f"{what}: {decision.reason}")
            log.error("%s", message)
            raise RetryError(message, tries=tries, elapsed=elapsed, decision=decision) from error

        def waits() -> Generator[float, BaseException, None]:
            """backoff's wait generator: each failure comes in through send(), its wait goes out; it never sleeps."""
            error = yield 0.0  # backoff primes the generator with send(None); this value is discarded
            for attempt in itertools.count(1):
                decision = decide(error)
                wait = self.backoff_wait(attempt)
                if decision.server_wait is not None:
                    wait = min(decision.server_wait, self.params.max_wait)  # the server's wait, no jitter
                chosen[0] = wait
                # With a stand-in clock the wait is handed to it (log_wait) and backoff sleeps none of it.
                error = yield 0.0 if self.sleep is not None else wait

        @backoff.on_exception(waits, (*retry_on, Rejected), max_tries=self.params.max_tries, jitter=None, logger=None,
                              giveup=lambda error: not decide(error).retry, on_backoff=log_wait, on_giveup=give_up)
        async def one_try() -> T:
            result = await request()
            if check is not None:
                await check(result)
            return result

        async def request() -> T:
            if self.before_try is not None:
                turn = self.before_try()
                if inspect.isawaitable(turn):
                    await turn  # the rate limiter's turn(): a cancelled task stops waiting at once
            try:
                tries[0] += 1
                with self._lock:
                    self.attempts += 1
                    self.retries += tries[0] > 1
                return await fn()
            finally:
                if self.after_try is not None:
                    self.after_try()

        return await one_try()

    def call(self, fn: Callable[[], T], *, retry_on: tuple[type[BaseException], ...], classify: Classifier,
             what: str) -> T:
        """run() for a synchronous caller (the script and the web clients): one call, on a loop of its own."""

        async def attempt() -> T:
            return fn()

        return asyncio.run(self.run(attempt, retry_on=retry_on, classify=classify, what=what))
