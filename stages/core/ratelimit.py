"""A client-side limit on requests per minute (requests.rpm), shared by the threads of one narration."""

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Spaces request starts at least 60/rpm seconds apart; rpm None means no limit.

    Even spacing rather than bursts: a server's per-minute limit is usually enforced over shorter
    windows too, so a burst of `concurrency` requests can be refused even when the minute is not full.
    """

    def __init__(self, rpm: float | None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 60.0 / rpm if rpm else 0.0
        self.clock = clock
        self.sleep = sleep  # injectable, so tests never really wait
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this caller may start a request."""
        if not self.interval:
            return
        with self._lock:  # reserve a slot under the lock, sleep outside it so others can reserve theirs
            now = self.clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self.sleep(slot - now)
