"""The politeness delay: requests spaced by crawl_delay, whichever thread sends them."""

from __future__ import annotations

import threading
import time

from relatedposts.ingest.pacing import Pacer


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_two_requests_are_spaced_by_the_delay() -> None:
    clock = FakeClock()
    pacer = Pacer(0.25, clock=clock, sleep=clock.sleep)
    pacer.wait()
    first = clock.now
    pacer.wait()
    assert clock.now - first == 0.25
    assert clock.slept == [0.25]


def test_time_already_spent_counts_towards_the_delay() -> None:
    clock = FakeClock()
    pacer = Pacer(1.0, clock=clock, sleep=clock.sleep)
    pacer.wait()
    clock.now += 0.75  # the page took 0.75 s to read
    pacer.wait()
    assert clock.slept == [0.25]
    clock.now += 5.0
    pacer.wait()
    assert clock.slept == [0.25]  # long past the delay: no wait at all


def test_no_delay_never_sleeps() -> None:
    clock = FakeClock()
    pacer = Pacer(0.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        pacer.wait()
    assert clock.slept == []


def test_threads_share_one_pace() -> None:
    pacer = Pacer(0.05)
    stamps: list[float] = []
    lock = threading.Lock()

    def request() -> None:
        pacer.wait()
        with lock:
            stamps.append(time.monotonic())

    threads = [threading.Thread(target=request) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= 0.045  # the lock is held while sleeping
