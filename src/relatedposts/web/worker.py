"""One `serve` worker process: waitress's event loop, a heartbeat, and a graceful retirement.

The worker runs waitress's loop itself, one poll (at most a second) at a time, so that between
polls it can (1) write its heartbeat file, (2) notice SIGTERM and drain, (3) reopen its log on
SIGUSR1. The heartbeat file holds the worker's state and its mtime is the last beat:

- `ready`: the app is built and the loop runs (the supervisor's readiness check);
- `stuck`: a request has run longer than worker_timeout_seconds (an endless loop never
  returns, and with every thread wedged the worker would accept connections it cannot answer);
- `retire`: max_requests (± jitter) reached; the supervisor starts a replacement first.

A loop that stops beating (a C extension holding the GIL, a deadlock in the loop) is stuck too:
the supervisor reads the mtime. Draining stops accepting (the listening socket is shared, so the
other workers take new connections), adds `Connection: close` to responses, closes connections
idle between requests, and exits once only stuck requests, or none, are left.
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import signal
import socket
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn

from waitress import wasyncore
from waitress.channel import HTTPChannel

from relatedposts.config import Settings
from relatedposts.logs.background import close_all as close_query_logs

log = logging.getLogger("relatedposts.server")
BOOT_FAILED = 3  # a worker's exit status when it could not build the app
IDLE_CLOSE_SECONDS = 0.5  # a draining worker closes a connection idle this long
BEAT_SECONDS = 1.0
# How the heartbeat states read in the log.
STATE_WORDS = {"stuck": "is stuck", "retire": "reached its request cap"}


class RequestTracker:
    """WSGI middleware: counts the requests and times those in flight."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.started: dict[int, float] = {}  # request id -> monotonic start (dict ops are atomic)
        self.done = 0
        self._ids = itertools.count()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[
            bytes]:
        key = next(self._ids)
        self.started[key] = time.monotonic()
        try:
            return self.app(environ, start_response)
        finally:
            self.started.pop(key, None)
            self.done += 1

    def oldest_age(self, now: float) -> float:
        """Return how long the oldest request in flight has run (0 with none)."""
        starts = list(self.started.values())
        return now - min(starts) if starts else 0.0

    def live_requests(self, now: float, stuck_after: float) -> int:
        """Return the requests in flight that have not yet run for stuck_after seconds."""
        return sum(1 for t in list(self.started.values()) if now - t < stuck_after)


def request_cap(settings: Settings) -> int:
    """Return this worker's request cap: max_requests plus its own jitter (0: no cap)."""
    if settings.max_requests <= 0:
        return 0
    return settings.max_requests + random.randint(0, settings.max_requests_jitter)


class Worker:
    """Run waitress on the shared socket, beat, and drain on SIGTERM."""

    def __init__(self, settings: Settings, front: Any, tracker: RequestTracker,
                 beat_path: Path, tick: Callable[[], None] | None = None) -> None:
        self.settings, self.front, self.tracker = settings, front, tracker
        self.beat_path = beat_path
        self.tick = tick  # e.g. the metrics' per-second sync
        self.cap = request_cap(settings)
        self.map: dict[int, Any] = front.map if hasattr(front, "map") else front._map
        self.stop_requested = False
        self.reopen_requested = False
        self._last_beat = (0.0, "")
        self._next_tick = 0.0

    def run(self) -> NoReturn:
        """Serve until drained after SIGTERM, then exit the process."""
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        signal.signal(signal.SIGUSR1, self._on_usr1)
        reopen_log_files()  # the file may have been rotated while this worker booted
        deadline = None
        while True:
            wasyncore.loop(timeout=BEAT_SECONDS, map=self.map, use_poll=True, count=1)
            now = time.monotonic()
            self._beat(now)
            if self.reopen_requested:
                self.reopen_requested = False
                reopen_log_files()
                log.info("worker %d reopened its log", os.getpid())
            self._tick(now)
            if self.stop_requested and deadline is None:
                deadline = now + self.settings.graceful_timeout_seconds
                self._stop_accepting()
            if deadline is not None and (self._drained(now) or now > deadline):
                break
        log.info("worker %d retired after %d requests", os.getpid(), self.tracker.done)
        close_query_logs()  # os._exit skips atexit: the queued searches are written now
        logging.shutdown()
        os._exit(0)  # a stuck request thread must not keep the process alive

    def _tick(self, now: float) -> None:
        """Run the tick about once a second, not at every wake-up of the loop.

        A search wakes the loop two or three times (the request, the response, the trigger);
        syncing the metrics at each one held the GIL for ~0.1 ms that the request waited on.
        """
        if self.tick is not None and now >= self._next_tick:
            self._next_tick = now + BEAT_SECONDS
            self.tick()

    def state(self, now: float) -> str:
        """Return what the heartbeat says: stuck, retire or ready."""
        if self.tracker.oldest_age(now) > self.settings.worker_timeout_seconds:
            return "stuck"
        if self.cap and self.tracker.done >= self.cap:
            return "retire"
        return "ready"

    def _beat(self, now: float) -> None:
        """Write the state when it changed, else refresh the mtime about once a second."""
        state = self.state(now)
        last_time, last_state = self._last_beat
        if state == last_state and now - last_time < BEAT_SECONDS:
            return
        if state != last_state:
            if state != "ready":
                log.warning("worker %d %s (%d requests)", os.getpid(),
                            STATE_WORDS.get(state, state), self.tracker.done)
            write_beat(self.beat_path, state)
        else:
            os.utime(self.beat_path)
        self._last_beat = (now, state)

    def _stop_accepting(self) -> None:
        """Leave new connections to the other workers; ask clients to close after a response."""
        for server in list(self.map.values()):
            if hasattr(server, "channel_class"):
                server.accepting = False
                server.channel_class.draining = True  # front.DrainingTask reads it

    def _drained(self, now: float) -> bool:
        """Close idle connections; return whether nothing but stuck requests is left.

        The tracker forgets a request when the app returns, before waitress has written its
        body: a connection is busy until its requests and output are done. Connections are
        not tied to requests here, so as many busy ones as there are stuck requests are let go.
        """
        stuck_after = self.settings.worker_timeout_seconds
        live = self.tracker.live_requests(now, stuck_after)
        if live:
            return False
        stuck = len(self.tracker.started) - live
        busy = 0
        for channel in [c for c in list(self.map.values()) if isinstance(c, HTTPChannel)]:
            if channel.requests or channel.total_outbufs_len or channel.request is not None:
                busy += 1
            elif time.time() - channel.last_activity > IDLE_CLOSE_SECONDS:
                channel.handle_close()
            else:
                busy += 1
        return busy <= stuck

    def _on_term(self, signum: int, frame: object) -> None:
        self.stop_requested = True

    def _on_usr1(self, signum: int, frame: object) -> None:
        self.reopen_requested = True


def write_beat(path: Path, state: str) -> None:
    """Replace the heartbeat file atomically with state (its mtime is the beat)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(state)
    os.replace(tmp, path)


def reopen_log_files() -> None:
    """Reopen every file the root logger writes to (after logrotate moved it away)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            # The handler owns the new stream from here (it closes it on shutdown).
            stream = open(handler.baseFilename, "a", encoding="utf-8")  # noqa: SIM115
            old = handler.setStream(stream)
            if old is not None:
                old.close()


def share_cores(workers: int) -> int:
    """Split the cores between workers for inference and keep FAISS to one thread per call.

    Each request embeds one query and searches with one vector: parallel sections gain
    little there, while N workers x M threads x OpenMP teams on 2 cores spin and wait on
    each other (a busy machine made flat search 4x slower with two OpenMP threads).
    """
    import faiss

    faiss.omp_set_num_threads(1)
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def build_app(settings: Settings, workers: int,
              factory: Callable[[Settings], Any] | None = None) -> Any:
    """Create the app in this worker: the live index now, warmed unless SERVE_WARM_UP is off."""
    from relatedposts.live.warmup import keep_warm, warm_model
    from relatedposts.web.app import create_app
    from relatedposts.web.context import EXTENSION, SITES, describe

    t0 = time.perf_counter()
    share = share_cores(workers)
    if settings.onnx_threads <= 0:
        settings = settings.replace(onnx_threads=share)
    app = (factory or create_app)(settings)  # the factory sets torch's threads
    extensions = getattr(app, "extensions", {})
    service, registry = extensions.get(EXTENSION), extensions.get(SITES)  # one of the two
    if settings.serve_warm_up and service is not None:
        keep_warm(service)  # before "ready": a rolling restart hands visitors warm workers
    elif settings.serve_warm_up and registry is not None:
        warm_model(registry)  # sites load on first use; the model they share loads now
    state = describe(app)  # one Service, or a sites file's sites (loaded on first use)
    log.info("worker %d ready in %.1fs: %s", os.getpid(), time.perf_counter() - t0, state)
    return app


def connection_limits(settings: Settings) -> Any:
    """Return the front's per-address cap and head deadline (no cap behind proxies)."""
    from relatedposts.web.front import ConnectionLimits

    # Behind a proxy every peer is the proxy: a cap on it would throttle all visitors.
    cap = settings.max_connections_per_address if settings.trusted_proxies == 0 else 0
    return ConnectionLimits(cap, settings.header_timeout_seconds)


def worker_main(settings: Settings, sock: socket.socket, plan: Any, beat_path: Path) -> NoReturn:
    """Run one worker process until it retires; never return into the supervisor's code."""
    from relatedposts.web.front import make_front, waitress_options
    from relatedposts.web.metrics import sync_metrics

    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # Worker.run reopens the log once it runs
    for sig in (signal.SIGTERM, signal.SIGINT):  # until the loop runs: just leave
        signal.signal(sig, lambda *_: os._exit(0))
    try:
        app = build_app(settings, plan.workers, plan.factory)
        tracker = RequestTracker(app)
        front = make_front(tracker, [sock], waitress_options(
            plan.threads, settings.max_connections, settings.idle_timeout_seconds),
            connection_limits(settings))
        write_beat(beat_path, "ready")
    except Exception:  # noqa: BLE001 - reported by the supervisor as a boot failure
        log.exception("worker %d failed to start", os.getpid())
        os._exit(BOOT_FAILED)
    Worker(settings, front, tracker, beat_path, lambda: sync_metrics(app)).run()
