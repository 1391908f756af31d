"""Production serving: binds the socket, prepares the run directory, runs the supervisor.

The master binds the listening socket and forks `workers` processes (supervisor.py); each
builds its own app (index now, model at its first search) after the fork, so nothing allocated
is shared, serving the shared socket with waitress (front.py, worker.py): one event loop reads
requests whole, `threads` threads run the app. Two instances on one machine share nothing:
each has its own private run directory (heartbeats, the Prometheus multi-process files),
removed at exit. Settings are checked before any fork (cli.serve).
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relatedposts.config import Settings
from relatedposts.errors import ConfigError
from relatedposts.web.supervisor import Supervisor

log = logging.getLogger("relatedposts.server")
LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class ServerPlan:
    """What `serve` runs: where it listens and how many processes and threads."""

    host: str
    port: int
    workers: int
    threads: int
    # Builds each worker's app; the CLI passes the app with the console (a higher layer).
    factory: Callable[[Settings], Any] | None = None


def check_settings(settings: Settings) -> None:
    """Raise ConfigError (one line) for a setting the workers could not start with."""
    from relatedposts.web.ratelimit import check_limit_settings

    check_limit_settings(settings)
    if settings.max_connections < 1:
        raise ConfigError(f"RELATEDPOSTS_MAX_CONNECTIONS={settings.max_connections} must be "
                          "at least 1")
    if not settings.idle_timeout_seconds > 0:
        raise ConfigError(f"RELATEDPOSTS_IDLE_TIMEOUT_SECONDS={settings.idle_timeout_seconds}"
                          " must be more than 0")


def bind(host: str, port: int) -> socket.socket:
    """Return a listening TCP socket on host:port (shared by every worker)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def raise_fd_limit(wanted: int) -> None:
    """Raise the open-file limit towards wanted (idle sockets are cheap, not free)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def run(settings: Settings, host: str, port: int, workers: int, threads: int,
        factory: Callable[[Settings], Any] | None = None) -> None:
    """Serve until stopped (SIGINT/SIGTERM); exit 1 if the workers cannot start."""
    path = settings.serve_log_file
    handler = (logging.FileHandler(path, encoding="utf-8") if path
               else logging.StreamHandler(sys.stderr))
    logging.basicConfig(level=logging.INFO, handlers=[handler], format=LOG_FORMAT)
    raise_fd_limit(workers * settings.max_connections + 256)
    plan = ServerPlan(host, port, max(1, workers), max(1, threads), factory)
    sock = bind(host, port)
    log.info("listening on %s:%d with %d workers x %d threads (waitress)", host,
             sock.getsockname()[1], plan.workers, plan.threads)
    with shared_limit_storage(settings, plan.workers) as settings, run_directory() as run_dir:
        status = Supervisor(settings, sock, plan, run_dir).run()
    sock.close()
    if status:
        sys.exit(status)


@contextlib.contextmanager
def shared_limit_storage(settings: Settings, workers: int) -> Iterator[Settings]:
    """Yield settings whose rate-limit counts all workers share (one SQLite file, removed after).

    memory:// counts per process: with N workers a visitor would get N budgets, one per worker
    its connections happen to reach. Redis (redis_url) already shares them.
    """
    if workers < 2 or settings.rate_limit_storage != "memory://" or settings.redis_url:
        yield settings
        return
    from relatedposts.web.sharedlimits import storage_uri

    directory = tempfile.mkdtemp(prefix="relatedposts-limits-")
    try:
        yield settings.replace(rate_limit_storage=storage_uri(Path(directory) / "limits.db"))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def run_directory() -> Iterator[Path]:
    """Yield a private directory for heartbeats and metrics files, removed at exit.

    PROMETHEUS_MULTIPROC_DIR points into it before any worker imports prometheus-client, so
    every worker writes its counts there and /metrics, in any worker, adds them all up.
    """
    directory = Path(tempfile.mkdtemp(prefix="relatedposts-run-"))
    metrics = directory / "metrics"
    metrics.mkdir()
    previous = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = str(metrics)
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous
        shutil.rmtree(directory, ignore_errors=True)
