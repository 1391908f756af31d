"""`serve`: waitress worker processes, one port per instance, shared cores, replaced workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.servers import ask_workers, free_port, serve
from tests.support import TINY


def test_serve_runs_worker_processes_that_each_load_the_index(built, tmp_path) -> None:
    log = tmp_path / "serve.log"
    with serve(built.index_dir, log, workers=2, threads=2) as base:
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as resp:
            assert json.load(resp)["articles"] == len(TINY)
        with urllib.request.urlopen(f"{base}/api/search?q=sciatica", timeout=10) as resp:
            assert json.load(resp)["results"][0]["title"] == "Sciatica and leg pain"
    text = log.read_text()
    assert "waitress" in text and text.count("index loaded") == 2


def test_two_instances_share_nothing_and_a_taken_port_is_one_line_exit_2(built,
                                                                          tmp_path) -> None:
    with serve(built.index_dir, tmp_path / "a.log", workers=1) as first, \
            serve(built.index_dir, tmp_path / "b.log", workers=1) as second:
        port = first.rsplit(":", 1)[1]
        again = subprocess.run([sys.executable, "-m", "relatedposts", "--fake-embedder", "serve",
                                "--index", str(built.index_dir), "--port", port],
                               capture_output=True, text=True, timeout=60)
        assert again.returncode == 2 and again.stderr.strip().count("\n") == 0
        assert f"cannot listen on 127.0.0.1:{port}" in again.stderr
        for base in (first, second):  # the failed third one took nothing away from either
            with urllib.request.urlopen(f"{base}/healthz", timeout=10) as resp:
                assert resp.status == 200


def _status(base: str) -> dict:
    """Return /admin/status from a fresh connection (it must answer 200)."""
    req = urllib.request.Request(f"{base}/admin/status", headers={"Authorization": "Bearer t"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def _pids(base: str, n: int = 40) -> set[int]:
    """Return the worker pids that answered n fresh connections, then until two answered."""
    return {b["pid"] for b in ask_workers(lambda: _status(base), least=n)}


def test_a_dead_worker_is_replaced_and_sighup_replaces_all(built, tmp_path) -> None:
    import signal

    procs: list[subprocess.Popen] = []
    log = tmp_path / "serve.log"
    with serve(built.index_dir, log, {"RELATEDPOSTS_ADMIN_TOKEN": "t"}, workers=2,
               procs=procs) as base:
        first = _pids(base)
        victim = first.pop()
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while log.read_text().count(" ready in ") < 3:
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
        assert victim not in _pids(base)
        procs[0].send_signal(signal.SIGHUP)
        while log.read_text().count(" ready in ") < 5:
            assert time.monotonic() < deadline + 30, log.read_text()[-2000:]
            time.sleep(0.1)
        time.sleep(2.0)  # the old workers finish and exit after their successors start
        assert not _pids(base) & (first | {victim})


def test_a_worker_that_cannot_start_stops_serve_with_status_1(built, tmp_path) -> None:
    bad = tmp_path / "vocabulary.tsv"
    bad.write_bytes(b"\xff\xfe not utf-8 | at all")
    cmd = [sys.executable, "-m", "relatedposts", "--fake-embedder", "serve", "--index",
           str(built.index_dir), "--port", str(free_port())]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "RELATEDPOSTS_VOCABULARY_FILE": str(bad)})
    assert done.returncode == 1
    assert "could not start" in done.stderr and done.stderr.count("failed to start") <= 2


def test_the_search_budget_is_one_per_visitor_across_workers_without_redis(built,
                                                                           tmp_path) -> None:
    budget = 6
    env = {"RELATEDPOSTS_ADMIN_TOKEN": "t", "RELATEDPOSTS_RATE_LIMIT": f"{budget}/minute"}
    with serve(built.index_dir, tmp_path / "serve.log", env, workers=2, threads=2) as base:
        assert len(_pids(base)) == 2  # both workers accept connections
        codes = []
        for _ in range(2 * budget):  # a fresh connection each: both workers answer some
            try:
                with urllib.request.urlopen(f"{base}/api/search?q=sciatica", timeout=10) as r:
                    codes.append(r.status)
            except urllib.error.HTTPError as exc:
                codes.append(exc.code)
        assert len(_pids(base)) == 2
    assert codes == [200] * budget + [429] * budget  # at the budget, not at twice it
