"""The one retry policy: which failures are retried, how long to wait between tries, and how many were made.

Every remote call goes through RetryPolicy.call. The caller says which exception types are worth
looking at and classifies each failure; anything else propagates untouched, and an unclassified or
fatal failure ends the call at once. SDK-level retries must be off (max_retries=0): this is the only layer.

The loop is written out rather than delegated to a decorator library, because its sleep must be
injectable (tests never wait) and interruptible (a stopped run must not sit out a 30 s backoff), and
every try, the first and each retry, must pass `before_try` (the rate limiter), and `after_try` must follow it
whatever the try did (so that the limiter learns the try is over).
"""

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

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


class Interrupted(PipelineError):
    """A call given up because the run is stopping (Ctrl-C, or another chunk failed for good)."""


class RetryPolicy:
    """Exponential backoff with full jitter, honouring the server's retry-after, from params.yaml's retry.

    It also keeps the one count of tries: `attempts` (every try of every call) and `retries` (the tries
    after a call's first), thread-safe because one policy serves every chunk thread.
    """

    def __init__(self, params: RetryParams, *, sleep: Callable[[float], None] | None = None,
                 rng: Callable[[], float] = random.random, before_try: Callable[[], None] | None = None,
                 after_try: Callable[[], None] | None = None) -> None:
        self.params = params
        self._stop = threading.Event()
        # Injectable, so tests never really wait; by default a wait that interrupt() cuts short at once.
        self.sleep = sleep or self._stop.wait
        self.rng = rng
        self.before_try = before_try  # e.g. the rate limiter's wait: every try counts against requests.rpm
        self.after_try = after_try  # e.g. the rate limiter's settle, after every try that passed before_try
        self.attempts = 0
        self.retries = 0
        self._count_lock = threading.Lock()

    def backoff_wait(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_wait, initial_wait · 2^(attempt-1))]."""
        ceiling = min(self.params.max_wait, self.params.initial_wait * 2 ** (attempt - 1))
        return self.rng() * ceiling

    def interrupt(self) -> None:
        """Stop every call of this policy: waits end at once, and no call starts another try."""
        self._stop.set()

    def _check_stop(self, what: str) -> None:
        if self._stop.is_set():
            raise Interrupted(f"{what}: stopped because the run is stopping")

    def _count(self, tries: int) -> None:
        with self._count_lock:
            self.attempts += 1
            self.retries += tries > 1

    def _one_try(self, fn: Callable[[], T], tries: int, what: str) -> T:
        try:
            self._check_stop(what)  # the run may have stopped while before_try waited
            self._count(tries)
            return fn()
        finally:
            if self.after_try is not None:
                self.after_try()

    def call(self, fn: Callable[[], T], *, retry_on: tuple[type[BaseException], ...], classify: Classifier,
             what: str) -> T:
        """Run fn until it succeeds, a failure is fatal, or retry.max_tries tries are spent.

        Only exceptions of the `retry_on` types are classified; any other propagates untouched.
        """
        max_tries = self.params.max_tries
        started = time.monotonic()
        tries = 0
        while True:
            tries += 1
            self._check_stop(what)
            if self.before_try is not None:
                self.before_try()
            try:
                return self._one_try(fn, tries, what)
            except retry_on as error:
                decision = classify(error)
                if not decision.retry or tries >= max_tries:
                    elapsed = time.monotonic() - started
                    message = (f"{what}: gave up after {tries} tries over {elapsed:.1f} s: {decision.reason}"
                               if decision.retry else f"{what}: {decision.reason}")
                    log.error("%s", message)
                    raise RetryError(message, tries=tries, elapsed=elapsed, decision=decision) from error
                wait = self.backoff_wait(tries)
                if decision.server_wait is not None:
                    wait = min(decision.server_wait, self.params.max_wait)  # the server's wait, no jitter
                log.warning("%s: %s; waiting %.2f s before try %d/%d", what, decision.reason, wait, tries + 1,
                            max_tries)
                self.sleep(wait)
                self._check_stop(what)
