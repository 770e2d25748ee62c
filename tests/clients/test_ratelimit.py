"""The client-side requests-per-minute limit: evenly spaced starts, shared by threads, off when rpm is null."""

import asyncio
import threading

import pytest

from stages.clients.ratelimit import GUARD_S, HOLD_S, RateLimiter, spacing


class FakeTime:
    """A clock that only sleeping moves (shared by threads)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def request(limiter: RateLimiter, time: FakeTime, leaves_after: float = 0.0) -> float:
    """One try as the retry policy makes it, in one task: granted, its request sent `leaves_after` s later, settled."""

    async def one_try() -> float:
        granted = await limiter.turn()
        time.now += leaves_after
        limiter.sent()
        limiter.settle()
        return granted

    return asyncio.run(one_try())


def test_starts_are_spaced_sixty_over_rpm_apart():
    time = FakeTime()
    limiter = RateLimiter(30, clock=time.clock, sleep=time.sleep)
    starts = [request(limiter, time) for _ in range(4)]
    step = 2.0 + GUARD_S  # 60 / 30 rpm, and the guard
    assert [b - a for a, b in zip(starts, starts[1:])] == pytest.approx([step] * 3)
    time.now += 100
    before = len(time.slept)
    request(limiter, time)
    assert len(time.slept) == before  # after a quiet spell there is no debt to pay


def test_the_guard_is_at_most_a_tenth_of_the_interval():
    assert spacing(120) == pytest.approx(0.5 + GUARD_S)
    assert spacing(6000) == pytest.approx(0.011)  # 10 ms, and a tenth of it


def test_the_next_start_counts_from_when_the_request_left_not_from_its_grant():
    # A request slow to leave (SDK work, a busy machine) must not let the next one reach the server early.
    time = FakeTime()
    limiter = RateLimiter(120, clock=time.clock, sleep=time.sleep)
    request(limiter, time, leaves_after=0.3)
    left = time.now
    request(limiter, time)
    assert time.now - left == pytest.approx(spacing(120))


def test_a_try_that_sent_nothing_frees_the_budget_from_its_grant():
    time = FakeTime()
    limiter = RateLimiter(120, clock=time.clock, sleep=time.sleep)

    async def failed_then_next() -> float:
        granted = await limiter.turn()
        time.now += 0.2
        limiter.settle()  # it failed before sending
        return await limiter.turn() - granted

    assert asyncio.run(failed_then_next()) == pytest.approx(spacing(120))


def test_a_grant_never_settled_holds_the_budget_for_hold_s_at_most():
    time = FakeTime()
    limiter = RateLimiter(120, clock=time.clock, sleep=time.sleep)
    granted = asyncio.run(limiter.turn())  # a holder killed before it sent or settled
    other = threading.Thread(target=lambda: asyncio.run(limiter.turn()))  # another try, on a loop of its own
    other.start()
    other.join()
    assert time.now - granted == pytest.approx(HOLD_S)


def test_threads_share_the_limit():
    time = FakeTime()
    limiter = RateLimiter(60, clock=time.clock, sleep=time.sleep)
    starts: list[float] = []
    threads = [threading.Thread(target=lambda: starts.append(request(limiter, time))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    assert [b - a for a, b in zip(starts, starts[1:])] == pytest.approx([spacing(60)] * 7)


def test_no_rpm_means_no_waiting():
    async def never(seconds: float) -> None:
        pytest.fail("slept")

    limiter = RateLimiter(None, sleep=never)
    for _ in range(100):
        assert asyncio.run(limiter.turn()) is None


def test_two_processes_sharing_the_state_file_share_the_limit(tmp_path):
    # Real processes, real clock: every start either is given is at least 60/rpm after the one before it.
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import asyncio, sys; from pathlib import Path; from stages.clients.ratelimit import shared_limiter\n"
            "limiter = shared_limiter(300, 'openai', Path(sys.argv[1]))\n"
            "async def one_try():\n    print(await limiter.turn(), flush=True)\n    limiter.sent()\n"
            "    limiter.settle()\n"
            "for _ in range(5):\n    asyncio.run(one_try())\n")
    workers = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                                text=True) for _ in range(2)]
    starts = sorted(float(line) for worker in workers for line in worker.communicate()[0].split())
    assert len(starts) == 10 and all(worker.returncode == 0 for worker in workers)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.2 - 1e-6, gaps  # 60 / 300 rpm, whichever process made the request
    assert (tmp_path / "ratelimit" / "openai.json").is_file()


def test_a_torn_state_file_reads_as_no_state(tmp_path):
    state = tmp_path / "openai.json"
    state.write_text("{", encoding="utf-8")
    clock = FakeTime()
    limiter = RateLimiter(60, state=state, clock=clock.clock, sleep=clock.sleep)
    request(limiter, clock)
    request(limiter, clock)
    assert clock.slept == pytest.approx([spacing(60)])
