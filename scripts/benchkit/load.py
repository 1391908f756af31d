"""An asyncio + aiohttp load generator: closed-loop clients, bounded in time and count."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Callable

import numpy as np


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile of values (0 when empty)."""
    return float(np.percentile(values, q)) if values else 0.0


def run_load(make_url: Callable[[int], str], concurrency: int, duration: float,
             max_requests: int) -> dict[str, object]:
    """Hit make_url(i) from `concurrency` keep-alive clients; return latency and error figures."""
    return asyncio.run(_load(make_url, concurrency, duration, max_requests))


async def _load(make_url: Callable[[int], str], concurrency: int, duration: float,
                max_requests: int) -> dict[str, object]:
    import aiohttp

    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(max_requests))
    deadline = time.perf_counter() + duration
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def client() -> None:
            for i in counter:
                if time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                try:
                    async with session.get(make_url(i)) as resp:
                        await resp.read()
                        if resp.status != 200:
                            errors.append(f"HTTP {resp.status}")
                except (aiohttp.ClientError, TimeoutError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    ms = [x * 1000 for x in latencies]
    client_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    return {"concurrency": concurrency, "requests": len(ms), "errors": len(errors),
            "first_error": errors[0] if errors else None, "seconds": round(elapsed, 2),
            "rps": round(len(ms) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(percentile(ms, 50), 2), "p90_ms": round(percentile(ms, 90), 2),
            "p99_ms": round(percentile(ms, 99), 2),
            "client_cpu_share": round(client_cpu / elapsed, 2) if elapsed else 0.0}
