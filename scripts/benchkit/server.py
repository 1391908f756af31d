"""Start `relatedposts serve` on 127.0.0.1 in a subprocess, measure it, stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from benchkit.cli import command


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server of ours: started, waited for, measured and stopped by its pid."""

    def __init__(self, index_dir: Path, log: Path, workers: int, threads: int,
                 env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = log
        self.command = ["relatedposts", "serve", "--index", str(index_dir), "--host",
                        "127.0.0.1", "--port", str(self.port), "--workers", str(workers),
                        "--threads", str(threads)]
        exe = command(self.command[1:])
        with open(log, "w") as out:
            self.proc = subprocess.Popen(exe, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, **env})
        self.started = time.perf_counter()

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Wait until every worker has loaded the index; return the seconds it took."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()[-3000:]}")
            if self.log.read_text().count(" ready in ") >= self.workers:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=10) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - self.started
            time.sleep(0.25)
        raise RuntimeError(f"server not ready in {timeout}s:\n{self.log.read_text()[-3000:]}")

    def worker_memory(self) -> list[dict[str, float]]:
        """Return RSS and PSS (MB) of each worker process."""
        import psutil

        out = []
        for child in psutil.Process(self.proc.pid).children():
            info = child.memory_full_info()
            out.append({"pid": child.pid, "rss_mb": round(info.rss / 2**20, 1),
                        "pss_mb": round(getattr(info, "pss", 0) / 2**20, 1)})
        return out

    def stop(self) -> None:
        """Stop the server (SIGTERM to our supervisor process, then wait)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
