"""Politeness: the least delay between two requests to the site, across every crawl thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Space requests at least `delay` seconds apart, whichever thread sends them."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.delay = delay
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_request = 0.0

    def wait(self) -> None:
        """Block until the next request may be sent, then count it as sent."""
        if self.delay <= 0:
            return
        # Held while sleeping: the threads queue up and leave one delay apart.
        with self._lock:
            wait = self._last_request + self.delay - self._clock()
            if wait > 0:
                self._sleep(wait)
            self._last_request = self._clock()
