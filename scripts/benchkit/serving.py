"""Load-test a real `relatedposts serve` on 127.0.0.1: related, unique and repeated search.

The server runs with its default settings (rate limit on). Related lookups all come from
127.0.0.1 (never limited); searches come from many loopback visitor addresses, each under the
per-visitor limit (benchkit.load). The limit is measured on its own: one address bursting
LIMIT_BURST searches, where the first ones answer 200 and the rest 429.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from pathlib import Path

from benchkit.corpus import REPEATED, article_urls, unique_queries
from benchkit.load import run_load
from benchkit.server import Server

SCENARIOS = ("related", "search_unique", "search_repeated")
SEARCHES = frozenset({"search_unique", "search_repeated"})
LIMIT_BURST = 200  # searches from one address, to measure the per-visitor limit itself


def url_makers(base: str, version_dir: Path, unique_needed: int) -> dict[str, Callable]:
    """Return make_url functions per scenario; unique queries never repeat across runs."""
    urls = [urllib.parse.quote(u, safe="") for u in article_urls(version_dir)]
    unique = iter(unique_queries(version_dir, unique_needed))
    repeated = [urllib.parse.quote_plus(q) for q in REPEATED]

    def unique_url(_: int) -> str:
        return f"{base}/api/search?q={urllib.parse.quote_plus(next(unique))}"

    return {
        "related": lambda i: f"{base}/api/related?url={urls[i % len(urls)]}",
        "search_unique": unique_url,
        "search_repeated": lambda i: f"{base}/api/search?q={repeated[i % len(repeated)]}",
    }


def measure_serving(index_dir: Path, version_dir: Path, log: Path, workers: int, threads: int,
                    env: dict[str, str], concurrency: tuple[int, ...], duration: float,
                    max_requests: int) -> dict[str, object]:
    """Start the server, warm it up, run every scenario at every concurrency, then stop it."""
    server = Server(index_dir, log, workers, threads, env)
    try:
        ready_s = server.wait_ready()
        makers = url_makers(server.base, version_dir, unique_needed=20_000)
        for scenario in ("related", "search_repeated"):  # every worker caches every query
            run_load(makers[scenario], 2 * workers * threads, 1.5, 2_000,
                     visitors=_visitors(scenario))
        runs = []
        for scenario in SCENARIOS:
            for c in concurrency:
                result = run_load(makers[scenario], c, duration, max_requests,
                                  visitors=_visitors(scenario))
                runs.append({"scenario": scenario, **result})
                print(f"  {scenario:16} c={c:<3} {result['rps']:>8} req/s  p50 "
                      f"{result['p50_ms']} ms  p99 {result['p99_ms']} ms  errors "
                      f"{result['errors']}", flush=True)
        limit = run_load(makers["search_repeated"], 4, duration, LIMIT_BURST,
                         expect=frozenset({200, 429}))
        print(f"  one address      {limit['statuses']} p50 {limit['p50_ms']} ms", flush=True)
        memory = server.worker_memory()
    finally:
        server.stop()
    return {"server_command": " ".join(server.command), "ready_s": round(ready_s, 1),
            "workers": workers, "threads": threads, "duration": duration, "runs": runs,
            "workers_memory": memory, "one_address": limit}


def _visitors(scenario: str):
    """Searches come from many visitor addresses; lookups from one."""
    return (lambda i: True) if scenario in SEARCHES else None
