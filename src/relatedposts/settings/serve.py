"""Serving on the open internet: admin, CORS, rate limits, connections, reloads, replicas.

Read by web/, live/.
"""

from __future__ import annotations

from dataclasses import dataclass

from relatedposts.settingspec import setting


@dataclass(frozen=True)
class ServeSettings:
    """Serving on the open internet."""

    cors_origins: tuple[str, ...] = setting(
        (), "origins allowed to call the API from a browser (space-separated)")
    admin_token: str = setting("", "bearer token for POST /admin/reload; empty: admin routes off")
    ingest_wait_seconds: float = setting(
        120.0, "how long POST /admin/ingest and `ingest` wait for a running build (then 409)",
        ge=0)
    admin_rate_limit: str = setting("30/minute", "refused admin tokens per address before "
                                    "/admin/* answers 429; empty disables")
    admin_session_hours: float = setting(8.0, "how long a console sign-in lasts", gt=0)
    rate_limit: str = setting(
        "60/minute", "searches per visitor (lookups are never limited); empty disables")
    suggest_rate_limit: str = setting(
        "10/second;600/minute", "GET /api/suggest calls per visitor (a budget apart from "
        "searches: typing asks for many); empty disables")
    rate_limit_storage: str = setting(
        "memory://", "`memory://` (one process; `serve` with several workers shares a "
        "SQLite file among them), `sqlite:///PATH` (one machine) or `redis://HOST:PORT`")
    trusted_proxies: int = setting(0, "proxies in front that append X-Forwarded-For (nginx: "
                                   "1); 0 ignores the header", ge=0)
    max_connections: int = setting(1000, "open connections per worker process (idle and "
                                   "slow ones included)", ge=1)
    max_connections_per_address: int = setting(
        32, "connections one address (an IPv6 /64) may hold per worker; 0: no cap; not "
        "applied with TRUSTED_PROXIES > 0 (every peer is a proxy: cap clients there)", ge=0)
    idle_timeout_seconds: float = setting(60.0, "close a connection with no request in "
                                          "progress after this long", gt=0)
    header_timeout_seconds: float = setting(
        30.0, "a request head must arrive whole this long after its first byte (after the "
        "connect for the first request), however slowly bytes trickle; 0: no deadline", ge=0)
    reload_check_seconds: float = setting(
        0.0, "look at CURRENT before every request (0), at most every N s (N), never (< 0)")
    reload_url: str = setting(
        "", "e.g. http://127.0.0.1:8000/admin/reload; empty: rely on the watcher")
    max_loaded_sites: int = setting(8, "site indexes one worker keeps loaded (LRU)", ge=1)
    mmap_index: bool = setting(True, "memory-map the FAISS files of a sites file's indexes")
    redis_url: str = setting(
        "", "redis://HOST:PORT shared by replicas: rate limits, query log, clicks, reloads")
    worker_timeout_seconds: float = setting(
        20.0, "`serve` replaces a worker whose request has run this long, or whose event loop "
        "has not beaten for this long (stuck); its other requests finish first", gt=0)
    graceful_timeout_seconds: float = setting(
        30.0, "a retiring worker (SIGHUP, max requests, stuck) finishes its requests for at "
        "most this long before it is killed", gt=0)
    max_requests: int = setting(
        0, "a worker retires after this many requests (± the jitter) once its replacement "
        "answers; 0: never", ge=0)
    max_requests_jitter: int = setting(
        0, "a random 0..N added to max_requests per worker, so workers do not retire together",
        ge=0)
    serve_warm_up: bool = setting(
        True, "`serve` runs one search in each worker before it takes requests and after "
              "each reload (model, postings, snippets), so no visitor's search pays for them; "
              "with a sites file, it loads the shared model (sites load on first use, then "
              "warm each reload)")
    serve_log_file: str = setting("", "`serve` logs to this file (SIGUSR1 reopens it, e.g. after "
                            "logrotate); empty: stderr")
    debug_routes: bool = setting(
        False, "serve POST /admin/debug/stuck (admin token): a request that never returns, to "
        "test stuck-worker replacement; never in production")
