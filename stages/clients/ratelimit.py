"""A client-side limit on requests per minute (requests.rpm), shared by every thread and every process.

`dvc queue start -j 2` runs two experiments at once, and each stage (and `make audio KEYWORD=…`) is a process
of its own: a limiter inside one process would restart with each process and double with each worker.
So the next free start time lives in a small file in the chunk cache's folder, read and advanced under
a file lock (filelock), and every process that shares the cache root shares the budget.
"""

import asyncio
import contextlib
import contextvars
import json
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

STATE_FOLDER = "ratelimit"
# Starts are spaced this much further apart than 60/rpm (at most a tenth of it): between a request leaving the
# client and reaching the server lie socket writes and the scheduling of both ends, which differ from one
# request to the next by a few ms, and two requests must not arrive closer than 60/rpm for it.
GUARD_S = 0.03
# The longest a granted start holds the budget without saying its request left (a killed process's grant).
HOLD_S = 10.0


@dataclass
class _Grant:
    """One try's turn: when it was granted, the hold it wrote, and whether its request has left."""

    granted: float
    hold: float
    sent: bool = False


def spacing(rpm: float) -> float:
    """Seconds between two granted starts at `rpm`."""
    interval = 60.0 / rpm
    return interval + min(GUARD_S, interval / 10)


class RateLimiter:
    """Spaces request starts at least 60/rpm seconds apart (spacing(): with a guard); rpm None means no limit.

    Even spacing rather than bursts: a server's per-minute limit is usually enforced over shorter
    windows too, so a burst of `concurrency` requests can be refused even when the minute is not full.
    With `state` (a file path) the spacing holds across processes; the clock must then be wall time.

    A start counts from when its request really left, not from when it was granted: between the two lie
    the SDK's request building and the thread's scheduling, which took from a few ms to 0.14 s on a busy
    2-core machine, so two requests granted 60/rpm apart could reach the server 0.39 s apart at rpm 120.
    turn() grants a start and holds the budget; sent() (an HTTP client's request hook, the websocket's
    connect) says the request left and makes the next start due 60/rpm after that; settle() ends the try,
    and frees the budget from the grant if nothing was sent. A holder that is killed frees it after HOLD_S.
    """

    def __init__(self, rpm: float | None, *, state: Path | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = spacing(rpm) if rpm else 0.0
        self.state = state
        self.clock = clock
        self.sleep = sleep  # injectable, so tests never really wait
        self._next = float("-inf")
        self._state_lock = threading.Lock()  # the next due time, read and written by waiters and senders
        # The calling try's grant: a context variable, so each thread and each asyncio task holds its own.
        self._mine: contextvars.ContextVar[_Grant | None] = contextvars.ContextVar("grant", default=None)
        self._turns: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop → its waiters' queue

    async def turn(self) -> float | None:
        """Wait until this try may start a request; return the start time it was given (None: no limit).

        The next start is counted from when this try really got its turn, so a sleeper woken late (a busy
        machine) pushes the next start back instead of letting two starts come closer than 60/rpm seconds.
        The sleep is asyncio's, so a cancelled task (a sibling failed, Ctrl-C) stops waiting at once.
        """
        if not self.interval:
            return None
        loop = asyncio.get_running_loop()
        queue = self._turns.setdefault(loop, asyncio.Lock())  # this loop's waiters, one at a time
        async with queue:
            while True:
                start, pause = self._grant()
                if start is not None:
                    return start
                await self.sleep(pause)

    def _grant(self) -> tuple[float | None, float]:
        """A start granted now (its time, 0), or none yet (None, how long to sleep before looking again)."""
        with self._locked():
            now, due = self.clock(), self._read_next()
            if now >= due:
                grant = _Grant(granted=now, hold=now + HOLD_S)
                self._mine.set(grant)
                self._write_next(grant.hold)
                return now, 0.0
        # A hold is shortened by sent(): look again after one interval at the latest.
        return None, min(due - now, self.interval)

    def sent(self) -> None:
        """The request of this try's grant left just now: the next start is due 60/rpm after this."""
        grant = self._mine.get()
        if self.interval and grant is not None:
            grant.sent = True
            self._due_after(self.clock(), grant)

    def settle(self) -> None:
        """This try is over; if its request never left (it failed before sending), the budget is freed as if it
        had left when it was granted."""
        grant = self._mine.get()
        if self.interval and grant is not None:
            if not grant.sent:
                self._due_after(grant.granted, grant)
            self._mine.set(None)

    def _due_after(self, start: float, grant: _Grant) -> None:
        with self._locked():
            due = self._read_next()
            # Our own hold is replaced; anything else (a later grant after our hold ran out) only moves later.
            self._write_next(start + self.interval if due == grant.hold else max(due, start + self.interval))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._state_lock, (FileLock(self._lock_path()) if self.state is not None else contextlib.nullcontext()):
            yield

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
