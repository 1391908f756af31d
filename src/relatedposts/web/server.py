"""Production serving: a small pre-fork supervisor of waitress worker processes.

The master binds the listening socket and forks `workers` processes; each builds its own app
(index now, model at its first search) after the fork, so nothing allocated is shared, serving
the shared socket with waitress (front.py): one event loop reads requests whole, `threads`
threads run the app. The master holds no app and no control socket (two instances on one
machine share nothing); it restarts a worker that dies, stops on SIGTERM/SIGINT and restarts
the workers one by one on SIGHUP. Settings are checked before any fork (cli.serve).
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from relatedposts.config import Settings
from relatedposts.errors import ConfigError

log = logging.getLogger("relatedposts.server")
BOOT_FAILED = 3  # a worker's exit status when it could not build the app
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass(frozen=True)
class ServerPlan:
    """What `serve` runs: where it listens and how many processes and threads."""

    host: str
    port: int
    workers: int
    threads: int
    # Builds each worker's app; the CLI passes the app with the console (a higher layer).
    factory: Callable[[Settings], Any] | None = None


def share_cores(workers: int) -> int:
    """Split the cores between workers for inference and keep FAISS to one thread per call.

    Each request embeds one query and searches with one vector: parallel sections gain
    little there, while N workers x M threads x OpenMP teams on 2 cores spin and wait on
    each other (a busy machine made flat search 4x slower with two OpenMP threads).
    """
    import faiss

    faiss.omp_set_num_threads(1)
    return max(1, (os.cpu_count() or 1) // max(1, workers))


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


def build_app(settings: Settings, workers: int,
              factory: Callable[[Settings], Any] | None = None) -> Any:
    """Create the app in this worker: load the model and the live index once."""
    from relatedposts.web.app import create_app
    from relatedposts.web.context import describe

    t0 = time.perf_counter()
    share = share_cores(workers)
    if settings.onnx_threads <= 0:
        settings = settings.replace(onnx_threads=share)
    # The model loads at this worker's first search (lazily); the factory sets torch's threads.
    app = (factory or create_app)(settings)
    # The model loads at this worker's first search (lazily); the factory sets torch's threads.
    state = describe(app)  # one Service, or a sites file's sites (loaded on first use)
    log.info("worker %d ready in %.1fs: %s", os.getpid(), time.perf_counter() - t0, state)
    return app


def worker_main(settings: Settings, sock: socket.socket, plan: ServerPlan) -> NoReturn:
    """Run one worker process until SIGTERM; never return into the master's code."""
    from relatedposts.web.front import make_front, waitress_options

    for sig in STOP_SIGNALS:
        signal.signal(sig, _exit_quietly)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        app = build_app(settings, plan.workers, plan.factory)
        front = make_front(app, [sock], waitress_options(
            plan.threads, settings.max_connections, settings.idle_timeout_seconds),
            connection_limits(settings))
    except Exception:  # noqa: BLE001 - reported by the master as a boot failure
        log.exception("worker %d failed to start", os.getpid())
        os._exit(BOOT_FAILED)
    try:
        front.run()  # returns after SIGTERM, once waitress has finished its tasks
    finally:
        os._exit(0)


def connection_limits(settings: Settings) -> Any:
    """Return the front's per-address cap and head deadline (no cap behind proxies)."""
    from relatedposts.web.front import ConnectionLimits

    # Behind a proxy every peer is the proxy: a cap on it would throttle all visitors.
    cap = settings.max_connections_per_address if settings.trusted_proxies == 0 else 0
    return ConnectionLimits(cap, settings.header_timeout_seconds)


def _exit_quietly(signum: int, frame: object) -> None:
    """Leave waitress's loop (it catches SystemExit and finishes the tasks in flight)."""
    raise SystemExit(0)


class Supervisor:
    """Fork the workers, restart any that die, stop them all on SIGTERM or SIGINT."""

    def __init__(self, settings: Settings, sock: socket.socket, plan: ServerPlan) -> None:
        self.settings, self.sock, self.plan = settings, sock, plan
        self.children: dict[int, float] = {}  # pid -> start time
        self.stopping = False
        self.restart_all = False

    def spawn(self) -> int:
        """Fork one worker; return its pid."""
        pid = os.fork()
        if pid == 0:
            worker_main(self.settings, self.sock, self.plan)
        self.children[pid] = time.monotonic()
        return pid

    def run(self) -> int:
        """Supervise until stopped; return the exit status (1 if workers cannot boot)."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_hup)
        for _ in range(self.plan.workers):
            self.spawn()
        status = 0
        while not self.stopping:
            if self.restart_all:
                self.restart_all = False
                self._rolling_restart()
            if self._reap() == BOOT_FAILED:
                log.error("a worker could not start (see above): stopping")
                status = 1
                break
            time.sleep(0.2)
        self.stop()
        return status

    def _reap(self) -> int:
        """Replace each worker that exited; return the last exit status seen (0 if none)."""
        last = 0
        while self.children:
            pid, raw = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            self.children.pop(pid, None)
            last = os.waitstatus_to_exitcode(raw)
            if last == BOOT_FAILED:
                return last
            if not self.stopping:
                log.warning("worker %d exited (%d): starting another", pid, last)
                self.spawn()
        return last

    def _rolling_restart(self) -> None:
        """Replace the workers one at a time, each after its successor has started."""
        for pid in list(self.children):
            self.spawn()
            time.sleep(1.0)
            _signal(pid, signal.SIGTERM)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every worker to finish (SIGTERM), then kill what is left after timeout."""
        self.stopping = True
        for pid in self.children:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.children and time.monotonic() < deadline:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid:
                self.children.pop(pid, None)
            else:
                time.sleep(0.05)
        for pid in self.children:
            _signal(pid, signal.SIGKILL)

    def _on_stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _on_hup(self, signum: int, frame: object) -> None:
        self.restart_all = True


def _signal(pid: int, sig: int) -> None:
    """Send sig to one of our workers, ignoring one that is already gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def run(settings: Settings, host: str, port: int, workers: int, threads: int,
        factory: Callable[[Settings], Any] | None = None) -> None:
    """Serve until stopped (SIGINT/SIGTERM); exit 1 if the workers cannot start."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
    raise_fd_limit(workers * settings.max_connections + 256)
    plan = ServerPlan(host, port, max(1, workers), max(1, threads), factory)
    sock = bind(host, port)
    log.info("listening on %s:%d with %d workers x %d threads (waitress)", host,
             sock.getsockname()[1], plan.workers, plan.threads)
    with shared_limit_storage(settings, plan.workers) as settings:
        status = Supervisor(settings, sock, plan).run()
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
