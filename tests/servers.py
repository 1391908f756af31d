"""Start `relatedposts serve` (or redis-server) on 127.0.0.1 in a subprocess for a test."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.components import missing


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(log: Path, proc: subprocess.Popen, base: str, workers: int) -> None:
    """Wait until every worker logged 'ready in' and /healthz answers, or fail the test."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if log.read_text().count(" ready in ") >= workers:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/healthz",
                                                                      timeout=5):
                return
        time.sleep(0.1)
    pytest.fail(f"serve did not start:\n{log.read_text()[-3000:]}")


def ask_workers(ask: Callable[[], dict], least: int = 1, workers: int = 2,
                most: int = 250) -> list[dict]:
    """Ask fresh connections (at least `least` times) until `workers` pids answered.

    The kernel hands a new connection to whichever worker accepts first, so N in a row can
    all reach one of them on a busy machine; asking until each answered (bounded) is exact.
    ask returns a body with the answering worker's "pid".
    """
    seen: list[dict] = []
    while len(seen) < most and (len(seen) < least or
                                len({s["pid"] for s in seen}) < workers):
        seen.append(ask())
    return seen


@contextlib.contextmanager
def serve(index_dir: Path, log: Path, env: dict[str, str] | None = None, workers: int = 2,
          threads: int = 4, port: int | None = None,
          procs: list[subprocess.Popen] | None = None) -> Iterator[str]:
    """Run `relatedposts --fake-embedder serve` on a free port; yield its base URL.

    procs, when given, receives the supervisor's Popen (to signal it).
    """
    port = port or free_port()
    cmd = [sys.executable, "-m", "relatedposts", "--fake-embedder", "serve", "--index",
           str(index_dir), "--port", str(port), "--workers", str(workers), "--threads",
           str(threads)]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "RELATEDPOSTS_EMBEDDER": "fake",
                                     **(env or {})})
    base = f"http://127.0.0.1:{port}"
    if procs is not None:
        procs.append(proc)
    try:
        wait_ready(log, proc, base, workers)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextlib.contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    """Run Debian's redis-server on a loopback port (skip without it); yield its URI."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server", "apt-get install redis-server")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port),
                                                                        timeout=1):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
