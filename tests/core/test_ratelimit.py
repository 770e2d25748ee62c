"""The client-side requests-per-minute limit: evenly spaced starts, shared by threads, off when rpm is null."""

import threading

import pytest

from stages.core.ratelimit import RateLimiter


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
    assert time.slept == [2.0, 4.0, 6.0]  # the first goes at once; the clock stands still, so the rest queue
    time.now += 100
    limiter.wait()
    assert time.slept[-1] == 6.0  # after a quiet spell there is no debt to pay


def test_threads_share_the_limit():
    time = FakeTime()
    limiter = RateLimiter(60, clock=time.clock, sleep=time.sleep)
    threads = [threading.Thread(target=limiter.wait) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(time.slept) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


def test_no_rpm_means_no_waiting():
    limiter = RateLimiter(None, sleep=lambda seconds: pytest.fail("slept"))
    for _ in range(100):
        limiter.wait()
