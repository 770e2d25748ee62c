"""The client-side requests-per-minute limit: evenly spaced starts, shared by threads, off when rpm is null."""

import threading

import pytest

from stages.core.ratelimit import GUARD_S, RateLimiter, spacing


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)


def test_starts_are_spaced_sixty_over_rpm_apart():
    time = FakeTime()
    limiter = RateLimiter(30, clock=time.clock, sleep=time.sleep)
    for _ in range(4):
        limiter.wait()
    step = 2.0 + GUARD_S  # 60 / 30 rpm, and the guard
    # The first goes at once; the clock stands still, so the rest queue.
    assert time.slept == pytest.approx([step, 2 * step, 3 * step])
    time.now += 100
    limiter.wait()
    assert time.slept[-1] == pytest.approx(3 * step)  # after a quiet spell there is no debt to pay


def test_the_guard_is_at_most_a_tenth_of_the_interval():
    assert spacing(120) == pytest.approx(0.5 + GUARD_S)
    assert spacing(6000) == pytest.approx(0.011)  # 10 ms, and a tenth of it


def test_threads_share_the_limit():
    time = FakeTime()
    limiter = RateLimiter(60, clock=time.clock, sleep=time.sleep)
    threads = [threading.Thread(target=limiter.wait) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(time.slept) == pytest.approx([k * spacing(60) for k in range(1, 8)])


def test_no_rpm_means_no_waiting():
    limiter = RateLimiter(None, sleep=lambda seconds: pytest.fail("slept"))
    for _ in range(100):
        limiter.wait()


def test_two_processes_sharing_the_state_file_share_the_limit(tmp_path):
    # Real processes, real clock: every start either is given is at least 60/rpm after the one before it.
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import sys, time; from pathlib import Path; from stages.core.ratelimit import shared_limiter\n"
            "limiter = shared_limiter(300, 'openai', Path(sys.argv[1]))\n"
            "for _ in range(5):\n    print(limiter.wait(), flush=True)\n")
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
    limiter.wait()
    limiter.wait()
    assert clock.slept == pytest.approx([spacing(60)])
