"""The supervisor against a real `serve` on loopback: restarts, stuck workers, caps, logs."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from tests.servers import ask_workers, serve

TOKEN = "t"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENV = {"RELATEDPOSTS_ADMIN_TOKEN": TOKEN, "RELATEDPOSTS_RATE_LIMIT": ""}


def status(base: str) -> dict:
    """Return /admin/status as a fresh connection's worker answers it (it must be 200)."""
    req = urllib.request.Request(f"{base}/admin/status", headers=AUTH)
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
        return json.load(resp)


def status_pid(base: str) -> int:
    """Return the pid of the worker that answered a fresh connection (it must answer 200)."""
    return int(status(base)["pid"])


def worker_pids(base: str, expected: int = 2, tries: int = 200) -> set[int]:
    """Return the pids answering fresh connections, asking until `expected` answered."""
    return {int(b["pid"]) for b in ask_workers(lambda: status(base), 1, expected, tries)}


def wait_for(log: Path, pattern: str, count: int, seconds: float) -> float:
    """Wait until pattern occurs count times in the log; return when (fail after seconds)."""
    deadline = time.monotonic() + seconds
    while len(re.findall(pattern, log.read_text() if log.exists() else "")) < count:
        assert time.monotonic() < deadline, log.read_text()[-3000:] if log.exists() else log
        time.sleep(0.05)
    return time.monotonic()


class Load:
    """A few client threads sending requests until stopped; they record every outcome."""

    def __init__(self, base: str, threads: int = 3) -> None:
        self.base, self.stop = base, threading.Event()
        self.codes: list[int] = []
        self.errors: list[str] = []
        self.pids: set[int] = set()
        self.threads = [threading.Thread(target=self._fresh) for _ in range(threads - 1)]
        self.threads.append(threading.Thread(target=self._keep_alive))

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def _fresh(self) -> None:
        """One connection per request (urllib), alternating a search and the status."""
        i = 0
        while not self.stop.is_set():
            i += 1
            try:
                if i % 2:
                    self.pids.add(status_pid(self.base))
                    self.codes.append(200)
                else:
                    url = f"{self.base}/api/search?q=sciatica+{i % 7}"
                    with urllib.request.urlopen(url, timeout=30) as resp:
                        self.codes.append(resp.status)
            except Exception as exc:  # noqa: BLE001 - every failure is a dropped request
                self.errors.append(repr(exc))

    def _keep_alive(self) -> None:
        """One persistent connection (reopened when a response says Connection: close)."""
        host, port = self.base.rsplit("/", 1)[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        while not self.stop.is_set():
            try:
                conn.request("GET", "/api/related?url=https://clinic.example/blog/sciatica/")
                resp = conn.getresponse()
                resp.read()
                self.codes.append(resp.status)
            except Exception as exc:  # noqa: BLE001
                self.errors.append(repr(exc))
                conn.close()
        conn.close()


def test_sighup_under_load_replaces_every_worker_and_drops_no_request(built,
                                                                      tmp_path) -> None:
    procs: list[subprocess.Popen] = []
    log = tmp_path / "serve.log"
    with serve(built.index_dir, log, ENV, workers=2, threads=4, procs=procs) as base:
        before = worker_pids(base)
        with Load(base) as load:
            time.sleep(1.0)
            procs[0].send_signal(signal.SIGHUP)
            # Both old workers retire, each once its successor answered; then a little more load.
            wait_for(log, r"retired after", 2, 60)
            time.sleep(1.0)
        after = worker_pids(base)
    print(f"SIGHUP under load: {len(load.codes) + len(load.errors)} requests, "
          f"{len(load.errors)} failed")
    assert load.errors == []
    assert len(load.codes) > 100 and set(load.codes) == {200}, set(load.codes)
    assert not before & after and len(after) == 2
    text = log.read_text()
    assert text.index("ready: retiring worker") < text.index("retired after")


def test_a_stuck_worker_is_replaced_while_the_others_keep_serving(built, tmp_path) -> None:
    log = tmp_path / "serve.log"
    env = {**ENV, "RELATEDPOSTS_DEBUG_ROUTES": "1", "RELATEDPOSTS_WORKER_TIMEOUT_SECONDS": "5"}
    with serve(built.index_dir, log, env, workers=2, threads=2) as base:
        stuck_error: list[str] = []

        def hang() -> None:
            req = urllib.request.Request(f"{base}/admin/debug/stuck", data=b"", headers=AUTH)
            try:
                urllib.request.urlopen(req, timeout=60)
            except Exception as exc:  # noqa: BLE001 - the worker exits under it
                stuck_error.append(repr(exc))

        t0 = time.monotonic()
        threading.Thread(target=hang, daemon=True).start()
        wait_for(log, "debug request", 1, 10)
        stuck_pid = int(re.findall(r"worker (\d+): a debug request", log.read_text())[0])
        with Load(base, threads=2) as load:
            ready = wait_for(log, " ready in ", 3, 30)  # the successor
            wait_for(log, f"worker {stuck_pid} retired", 1, 30)
            time.sleep(0.5)
        replaced_after = ready - t0
        pids = worker_pids(base)
    print(f"stuck worker replaced {replaced_after:.1f}s after its request began")
    assert replaced_after < 30 and replaced_after >= 5  # not before the timeout, well within 30s
    assert "has a request running over" in log.read_text()
    assert stuck_pid not in pids and len(pids) == 2
    assert load.errors == [] and set(load.codes) == {200} and len(load.codes) > 20
    assert stuck_error  # the stuck request itself is the one casualty


def test_max_requests_recycles_the_worker_without_a_failed_request(built, tmp_path) -> None:
    log = tmp_path / "serve.log"
    env = {**ENV, "RELATEDPOSTS_MAX_REQUESTS": "15", "RELATEDPOSTS_MAX_REQUESTS_JITTER": "5"}
    with serve(built.index_dir, log, env, workers=1, threads=2) as base:
        pids = []
        for _ in range(90):
            pids.append(status_pid(base))  # raises on any failure
            time.sleep(0.05)
    assert len(set(pids)) >= 2
    text = log.read_text()
    served = dict(re.findall(r"worker (\d+) retired after (\d+) requests", text))
    last = re.findall(r"worker (\d+) ready in", text)[-1]  # the one serve's stop retired
    # Every other worker retired at or over its cap (the stop retires the last two at once,
    # so the order of their lines is not the order they started in).
    capped = [int(n) for pid, n in served.items() if pid != last]
    assert len(capped) >= 1 and min(capped) >= 15, served
    assert "reached its request cap" in log.read_text()


def test_sigusr1_reopens_the_log_file_in_the_supervisor_and_every_worker(built,
                                                                         tmp_path) -> None:
    procs: list[subprocess.Popen] = []
    log = tmp_path / "serve.log"
    env = {**ENV, "RELATEDPOSTS_SERVE_LOG_FILE": str(log)}
    with serve(built.index_dir, log, env, workers=2, procs=procs) as base:
        log.rename(tmp_path / "serve.log.1")  # what logrotate does
        procs[0].send_signal(signal.SIGUSR1)
        wait_for(log, "reopened", 3, 20)  # the supervisor and both workers
        assert status_pid(base)
    assert "reopened" not in (tmp_path / "serve.log.1").read_text()


def test_a_successor_that_cannot_start_leaves_the_old_worker_serving(built, tmp_path) -> None:
    procs: list[subprocess.Popen] = []
    log = tmp_path / "serve.log"
    vocabulary = tmp_path / "vocabulary.tsv"
    vocabulary.write_text("")
    env = {**ENV, "RELATEDPOSTS_VOCABULARY_FILE": str(vocabulary)}
    with serve(built.index_dir, log, env, workers=1, procs=procs) as base:
        before = status_pid(base)
        vocabulary.write_bytes(b"\xff\xfe not utf-8 | at all")  # the next app cannot build
        procs[0].send_signal(signal.SIGHUP)
        wait_for(log, "keeps serving", 1, 30)
        assert {status_pid(base) for _ in range(5)} == {before}
        assert procs[0].poll() is None  # serve itself did not stop
