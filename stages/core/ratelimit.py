"""A client-side limit on requests per minute (requests.rpm), shared by every thread and every process.

`dvc queue start -j 2` runs two experiments at once, and a catalogue's audio stages run one process
after another: a limiter inside one process would restart with each stage and double with each worker.
So the next free start time lives in a small file in the chunk cache's folder, read and advanced under
a file lock (filelock), and every process that shares the cache root shares the budget.
"""

import contextlib
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

STATE_FOLDER = "ratelimit"
# Starts are granted this much further apart than 60/rpm (at most a tenth of it): between the grant and the
# request reaching the server lie the SDK's request building and the thread's scheduling, a few ms that differ
# from one request to the next, and two requests must not arrive closer than 60/rpm because the one before them
# was slower to leave. Measured: the closest of 24 arrivals at rpm 120 was 7 ms short of 0.5 s without it.
GUARD_S = 0.03


def spacing(rpm: float) -> float:
    """Seconds between two granted starts at `rpm`."""
    interval = 60.0 / rpm
    return interval + min(GUARD_S, interval / 10)


class RateLimiter:
    """Spaces request starts at least 60/rpm seconds apart (spacing(): with a guard); rpm None means no limit.

    Even spacing rather than bursts: a server's per-minute limit is usually enforced over shorter
    windows too, so a burst of `concurrency` requests can be refused even when the minute is not full.
    With `state` (a file path) the spacing holds across processes; the clock must then be wall time.
    """

    def __init__(self, rpm: float | None, *, state: Path | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = spacing(rpm) if rpm else 0.0
        self.state = state
        self.clock = clock
        self.sleep = sleep  # injectable, so tests never really wait
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> float | None:
        """Block until this caller may start a request; return the start time it was given (None: no limit).

        The lock is held through the sleep, and the next slot is counted from when this caller really woke:
        a sleeper woken late (a busy machine) pushes the next start back instead of letting two starts
        come closer than 60/rpm seconds.
        """
        if not self.interval:
            return None
        with self._lock, (FileLock(self._lock_path()) if self.state is not None else contextlib.nullcontext()):
            now = self.clock()
            slot = max(now, self._read_next())
            if slot > now:
                self.sleep(slot - now)
            start = max(self.clock(), slot)
            self._write_next(start + self.interval)
        return start

    def _lock_path(self) -> Path:
        self.state.parent.mkdir(parents=True, exist_ok=True)
        return self.state.with_suffix(".lock")

    def _read_next(self) -> float:
        if self.state is None:
            return self._next
        try:
            return float(json.loads(self.state.read_text(encoding="utf-8"))["next"])
        except (OSError, ValueError, KeyError, TypeError):
            return float("-inf")  # no file yet, or one a killed process left half-written

    def _write_next(self, when: float) -> None:
        self._next = when
        if self.state is not None:
            # Written in place under the lock: readers hold the lock too, and a torn file reads as "no state".
            self.state.write_text(json.dumps({"next": when}), encoding="utf-8")


def shared_limiter(rpm: float | None, name: str, root: Path) -> RateLimiter:
    """The limiter every process under `root` (the cache root) shares for the service `name`."""
    return RateLimiter(rpm, state=root / STATE_FOLDER / f"{name}.json" if rpm else None)
