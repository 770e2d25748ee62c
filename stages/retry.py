"""The one retry policy (backoff): which failures are retried, and how long to wait between tries.

Every remote call goes through RetryPolicy.call. The caller says which exception types are worth
looking at and classifies each failure; anything else propagates untouched, and an unclassified or
fatal failure ends the call at once. SDK-level retries must be off (max_retries=0): this is the only layer.
"""

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

import backoff

from stages.config import RetryParams
from stages.errors import PipelineError

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
        when = email.utils.parsedate_to_datetime(after) if after else None
        return max(0.0, when.timestamp() - time.time()) if when else None


class RetryPolicy:
    """Exponential backoff with full jitter, honouring the server's retry-after, from params.yaml's retry."""

    def __init__(self, params: RetryParams, *, sleep: Callable[[float], None] = time.sleep,
                 rng: Callable[[], float] = random.random) -> None:
        self.params = params
        self.sleep = sleep  # injectable, so tests never really wait
        self.rng = rng
        self.retries = 0  # retries made by every call through this policy, for metrics
        self._count_lock = threading.Lock()  # one policy serves every chunk thread

    def backoff_wait(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_wait, initial_wait · 2^(attempt-1))]."""
        ceiling = min(self.params.max_wait, self.params.initial_wait * 2 ** (attempt - 1))
        return self.rng() * ceiling

    def call(self, fn: Callable[[], T], *, retry_on: tuple[type[BaseException], ...], classify: Classifier,
             what: str) -> T:
        """Run fn until it succeeds, a failure is fatal, or retry.max_tries tries are spent.

        Only exceptions of the `retry_on` types are classified; any other propagates untouched.
        """
        max_tries = self.params.max_tries
        started = time.monotonic()
        tries = 0
        decision: Decision | None = None

        def counted() -> T:
            nonlocal tries
            tries += 1
            return fn()

        def giveup(error: BaseException) -> bool:
            nonlocal decision
            decision = classify(error)
            return not decision.retry

        def waits() -> Iterator[float]:
            # backoff sends each failure into this generator; the wait is chosen, logged and slept here
            # through the injectable sleep, and backoff is told to sleep 0. backoff still owns the loop,
            # the try count and the give-up rule.
            yield 0.0
            while True:
                assert decision is not None
                wait = self.backoff_wait(tries)
                if decision.server_wait is not None:
                    wait = min(decision.server_wait, self.params.max_wait)  # the server's wait, no jitter
                log.warning("%s: %s; waiting %.2f s before try %d/%d", what, decision.reason, wait,
                            tries + 1, max_tries)
                with self._count_lock:
                    self.retries += 1
                self.sleep(wait)
                yield 0.0

        retrying = backoff.on_exception(waits, retry_on, max_tries=max_tries, giveup=giveup, jitter=None,
                                        raise_on_giveup=True, logger=None)(counted)
        try:
            return retrying()
        except retry_on as error:
            final = decision or classify(error)
            elapsed = time.monotonic() - started
            if final.retry:
                message = f"{what}: gave up after {tries} tries over {elapsed:.1f} s: {final.reason}"
            else:
                message = f"{what}: {final.reason}"
            log.error("%s", message)
            raise RetryError(message, tries=tries, elapsed=elapsed, decision=final) from error
