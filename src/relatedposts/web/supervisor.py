"""The `serve` supervisor: forks the workers and keeps the right number of healthy ones serving.

It holds no app and no control socket. Each worker writes a heartbeat file (worker.py) named
by its pid in the run directory; the supervisor reads it five times a second:

- a new worker is *ready* once its file exists (its app is built and its loop runs);
- SIGHUP replaces the workers one at a time: a successor starts, and only once it is ready
  does the old worker get SIGTERM, on which it stops accepting and finishes its requests;
- a worker that reports `retire` (max_requests) is replaced the same way;
- a worker that reports `stuck`, or whose beat is older than worker_timeout_seconds, is
  replaced at once (its successor starts, it drains; a loop that no longer beats is killed);
- a worker that died is replaced; one that is still draining after graceful_timeout_seconds
  is killed; SIGUSR1 reopens the log file here and in every worker;
- SIGTERM/SIGINT stop every worker gracefully.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relatedposts.config import Settings
from relatedposts.web.worker import BOOT_FAILED, reopen_log_files, worker_main

log = logging.getLogger("relatedposts.server")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
BOOT_SECONDS = 120.0  # a worker not ready after this long is killed
TICK_SECONDS = 0.2


@dataclass
class Child:
    """One worker as the supervisor sees it."""

    pid: int
    started: float
    replacing: int | None = None  # the worker it retires once ready
    ready: bool = False
    retiring_since: float | None = None


class Supervisor:
    """Fork the workers, replace the dead, stuck, capped and SIGHUP'd ones, stop on SIGTERM."""

    def __init__(self, settings: Settings, sock: socket.socket, plan: Any,
                 run_dir: Path) -> None:
        self.settings, self.sock, self.plan, self.run_dir = settings, sock, plan, run_dir
        self.children: dict[int, Child] = {}
        self.queue: list[int] = []  # workers to replace once a successor is ready
        self.stopping = self.restart_all = self.reopen = False
        self.ever_ready = False

    def beat_path(self, pid: int) -> Path:
        """Return the heartbeat file of worker pid."""
        return self.run_dir / f"beat-{pid}"

    def spawn(self, replacing: int | None = None) -> int:
        """Fork one worker (the successor of replacing, if given); return its pid."""
        pid = os.fork()
        if pid == 0:
            worker_main(self.settings, self.sock, self.plan, self.beat_path(os.getpid()))
        self.children[pid] = Child(pid, time.monotonic(), replacing)
        return pid

    def run(self) -> int:
        """Supervise until stopped; return the exit status (1 if workers cannot boot)."""
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_hup)
        signal.signal(signal.SIGUSR1, self._on_usr1)
        for _ in range(self.plan.workers):
            self.spawn()
        status = 0
        while not self.stopping:
            self._handle_signals()
            if self._reap() == BOOT_FAILED and not self.ever_ready:
                log.error("a worker could not start (see above): stopping")
                status = 1
                break
            now = time.monotonic()
            for child in list(self.children.values()):
                self._check(child, now)
            self._advance()
            time.sleep(TICK_SECONDS)
        self.stop()
        return status

    def _handle_signals(self) -> None:
        """Act on SIGHUP (queue every serving worker) and SIGUSR1 (reopen logs everywhere)."""
        if self.restart_all:
            self.restart_all = False
            # Booting ones too: started before the signal, they may have read the old files.
            serving = [c.pid for c in self.children.values()
                       if c.retiring_since is None and c.pid not in self.queue]
            log.info("SIGHUP: replacing workers %s one at a time", serving)
            self.queue.extend(serving)
        if self.reopen:
            self.reopen = False
            reopen_log_files()
            log.info("SIGUSR1: log reopened; asking every worker to reopen theirs")
            for pid in self.children:
                _signal(pid, signal.SIGUSR1)

    def _check(self, child: Child, now: float) -> None:
        """Notice readiness, a stuck or capped worker, an overdue boot or drain."""
        if child.retiring_since is not None:
            if now - child.retiring_since > self.settings.graceful_timeout_seconds:
                log.warning("worker %d still busy after %.0fs: killing it", child.pid,
                            self.settings.graceful_timeout_seconds)
                _signal(child.pid, signal.SIGKILL)
            return
        beat = self.beat_path(child.pid)
        try:
            state, age = beat.read_text(), time.time() - beat.stat().st_mtime
        except OSError:  # not ready yet
            if now - child.started > BOOT_SECONDS:
                log.error("worker %d not ready after %.0fs: killing it", child.pid, BOOT_SECONDS)
                _signal(child.pid, signal.SIGKILL)
            return
        if not child.ready:
            self._on_ready(child)
        if age > self.settings.worker_timeout_seconds:
            log.error("worker %d has not beaten for %.0fs: killing it", child.pid, age)
            self._replace_now(child, signal.SIGKILL)
        elif state == "stuck":
            log.error("worker %d has a request running over %.0fs: replacing it", child.pid,
                      self.settings.worker_timeout_seconds)
            self._replace_now(child, signal.SIGTERM)
        elif state == "retire" and child.pid not in self.queue and not any(
                c.replacing == child.pid for c in self.children.values()):
            log.info("worker %d reached its request cap: replacing it", child.pid)
            self.queue.append(child.pid)

    def _on_ready(self, child: Child) -> None:
        """Mark child ready; retire the worker it replaces."""
        child.ready = self.ever_ready = True
        if child.replacing is not None:
            log.info("worker %d ready: retiring worker %d", child.pid, child.replacing)
            old = self.children.get(child.replacing)
            if old is not None:
                self._retire(old, signal.SIGTERM)
            child.replacing = None

    def _replace_now(self, child: Child, sig: int) -> None:
        """Start a successor and retire child without waiting (it cannot serve well)."""
        self._retire(child, sig)
        with contextlib.suppress(ValueError):
            self.queue.remove(child.pid)
        self.spawn()

    def _retire(self, child: Child, sig: int) -> None:
        """Send child sig (SIGTERM: drain and exit) and start its drain clock."""
        if child.retiring_since is None:
            child.retiring_since = time.monotonic()
        _signal(child.pid, sig)

    def _advance(self) -> None:
        """Start the next queued replacement when none is waiting for readiness."""
        if any(c.replacing is not None for c in self.children.values()):
            return
        while self.queue:
            old = self.children.get(self.queue.pop(0))
            if old is not None and old.retiring_since is None:
                self.spawn(replacing=old.pid)
                return

    def _reap(self) -> int:
        """Forget each worker that exited, replacing it if it was serving; return a status."""
        last = 0
        while self.children:
            pid, raw = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            child = self.children.pop(pid, None)
            last = os.waitstatus_to_exitcode(raw)
            _forget(self.beat_path(pid), pid)
            if last == BOOT_FAILED and not self.ever_ready:
                return last
            if child is None or child.retiring_since is not None or self.stopping:
                continue
            if child.replacing is not None:  # a successor that never became ready
                log.error("worker %d could not start (%d): worker %d keeps serving", pid, last,
                          child.replacing)
                self.queue.clear()
            elif last != BOOT_FAILED or self.ever_ready:
                self._on_death(pid, last)
        return last

    def _on_death(self, pid: int, status: int) -> None:
        """Replace a serving worker that died (unless a successor is already starting)."""
        heir = next((c for c in self.children.values() if c.replacing == pid), None)
        if heir is not None:
            heir.replacing = None
            return
        log.warning("worker %d exited (%d): starting another", pid, status)
        if status == BOOT_FAILED:
            time.sleep(1.0)  # a worker that cannot boot now: do not fork in a tight loop
        self.spawn()

    def stop(self) -> None:
        """Ask every worker to finish (SIGTERM), then kill what is left after the grace time."""
        self.stopping = True
        for pid in self.children:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.graceful_timeout_seconds
        while self.children and time.monotonic() < deadline:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid:
                self.children.pop(pid, None)
                _forget(self.beat_path(pid), pid)
            else:
                time.sleep(0.05)
        for pid in self.children:
            _signal(pid, signal.SIGKILL)

    def _on_stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _on_hup(self, signum: int, frame: object) -> None:
        self.restart_all = True

    def _on_usr1(self, signum: int, frame: object) -> None:
        self.reopen = True


def _forget(beat: Path, pid: int) -> None:
    """Remove an exited worker's heartbeat and its live metrics files."""
    with contextlib.suppress(OSError):
        beat.unlink()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def _signal(pid: int, sig: int) -> None:
    """Send sig to one of our workers, ignoring one that is already gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
