"""An asyncio + aiohttp load generator: closed-loop clients, bounded in time and count.

The server runs with its default settings, rate limit on. Lookups are never limited, so they
all come from 127.0.0.1. Searches are limited per visitor, as on a real blog where each
patient searches a few times: with `visitors=True` request i comes from its own loopback
address 127.x.y.z (SEARCHES_PER_VISITOR requests each, under the default 60 a minute), so
the figures measure the server, not the limit. The limit itself is measured separately (one
address bursting, scripts/bench.py).
"""

from __future__ import annotations

import asyncio
import itertools
import resource
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

SEARCHES_PER_VISITOR = 40
OPEN_VISITORS = 128  # client sessions (one per visitor address) kept open at once


_VISITOR_NUMBERS = itertools.count(2)  # never reused within a process: each is a new visitor


def new_visitor_address() -> str:
    """Return a loopback address no earlier visitor of this process used (127.0.0.2 onwards)."""
    v = next(_VISITOR_NUMBERS)
    return f"127.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}"


class Visitors:
    """aiohttp sessions bound to visitor source addresses, the least recently used closed."""

    def __init__(self, timeout: Any) -> None:
        self.timeout = timeout
        self.open: OrderedDict[str, Any] = OrderedDict()
        self.addresses: dict[int, str] = {}

    async def session(self, i: int) -> Any:
        """Return the session of request i's visitor (SEARCHES_PER_VISITOR requests each)."""
        import aiohttp

        key = i // SEARCHES_PER_VISITOR
        if key not in self.addresses:
            self.addresses[key] = new_visitor_address()
        address = self.addresses[key]
        if address in self.open:
            self.open.move_to_end(address)
            return self.open[address]
        connector = aiohttp.TCPConnector(local_addr=(address, 0), limit=0)
        session = self.open[address] = aiohttp.ClientSession(connector=connector,
                                                             timeout=self.timeout)
        if len(self.open) > OPEN_VISITORS:  # stored first: no await between check and store
            _, old = self.open.popitem(last=False)
            await old.close()
        return session

    async def close(self) -> None:
        """Close every session."""
        for session in self.open.values():
            await session.close()


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile of values (0 when empty)."""
    return float(np.percentile(values, q)) if values else 0.0


def run_load(make_url: Callable[[int], str], concurrency: int, duration: float,
             max_requests: int, visitors: Callable[[int], bool] | None = None,
             expect: frozenset[int] = frozenset({200})) -> dict[str, object]:
    """Hit make_url(i) from `concurrency` keep-alive clients; return latency and error figures.

    visitors(i) True sends request i from its visitor's own address; a status outside expect
    is an error (statuses are counted either way).
    """
    return asyncio.run(_load(make_url, concurrency, duration, max_requests, visitors, expect))


async def _load(make_url: Callable[[int], str], concurrency: int, duration: float,
                max_requests: int, visitors: Callable[[int], bool] | None,
                expect: frozenset[int]) -> dict[str, object]:
    import aiohttp

    latencies: list[float] = []
    errors: list[str] = []
    statuses: Counter[int] = Counter()
    counter = iter(range(max_requests))
    deadline = time.perf_counter() + duration
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    pool = Visitors(timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def client() -> None:
            for i in counter:
                if time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                try:
                    own = await pool.session(i) if visitors and visitors(
                        i) else session
                    async with own.get(make_url(i)) as resp:
                        await resp.read()
                        statuses[resp.status] += 1
                        if resp.status not in expect:
                            errors.append(f"HTTP {resp.status}")
                except (aiohttp.ClientError, TimeoutError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
        await pool.close()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    ms = [x * 1000 for x in latencies]
    client_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    return {"concurrency": concurrency, "requests": len(ms), "errors": len(errors),
            "first_error": errors[0] if errors else None, "seconds": round(elapsed, 2),
            "rps": round(len(ms) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(percentile(ms, 50), 2), "p90_ms": round(percentile(ms, 90), 2),
            "p99_ms": round(percentile(ms, 99), 2),
            "client_cpu_share": round(client_cpu / elapsed, 2) if elapsed else 0.0,
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}
