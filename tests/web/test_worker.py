"""The worker's pieces: request tracking, its request cap, heartbeat states, log reopening."""

from __future__ import annotations

import logging
import os
from types import SimpleNamespace

import faiss

from relatedposts.web.worker import (
    RequestTracker,
    Worker,
    reopen_log_files,
    request_cap,
    share_cores,
    write_beat,
)


def test_workers_share_the_cores_and_faiss_searches_on_one_thread() -> None:
    cores = os.cpu_count() or 1
    assert share_cores(1) == cores
    assert share_cores(2 * cores) == 1
    assert faiss.omp_get_max_threads() == 1


def test_the_tracker_counts_requests_and_times_those_in_flight() -> None:
    seen = {}

    def app(environ, start_response):
        seen["age"] = tracker.oldest_age(1e12)  # while this request runs, it is in flight
        start_response("200 OK", [])
        return [b"ok"]

    tracker = RequestTracker(app)
    assert tracker.oldest_age(0.0) == 0.0
    assert tracker(environ={}, start_response=lambda *a: None) == [b"ok"]
    assert seen["age"] > 0 and tracker.started == {} and tracker.done == 1


def test_a_request_over_the_timeout_makes_the_worker_stuck_and_the_cap_retires_it() -> None:
    settings = SimpleNamespace(worker_timeout_seconds=5.0, max_requests=10,
                               max_requests_jitter=0, graceful_timeout_seconds=1.0)
    tracker = RequestTracker(lambda e, s: [])
    worker = Worker(settings, SimpleNamespace(map={}), tracker, None)  # type: ignore[arg-type]
    assert worker.state(100.0) == "ready"
    tracker.started[1] = 100.0
    assert worker.state(104.0) == "ready" and worker.state(105.5) == "stuck"
    assert tracker.live_requests(105.5, 5.0) == 0 and tracker.live_requests(104.0, 5.0) == 1
    tracker.started.clear()
    tracker.done = 10
    assert worker.state(106.0) == "retire"


def test_the_request_cap_adds_a_jitter_within_its_range() -> None:
    cfg = SimpleNamespace(max_requests=100, max_requests_jitter=10)
    caps = {request_cap(cfg) for _ in range(200)}  # type: ignore[arg-type]
    assert min(caps) >= 100 and max(caps) <= 110 and len(caps) > 3
    assert request_cap(SimpleNamespace(max_requests=0, max_requests_jitter=10)) == 0  # type: ignore[arg-type]


def test_a_heartbeat_is_replaced_whole(tmp_path) -> None:
    beat = tmp_path / "beat-1"
    write_beat(beat, "ready")
    write_beat(beat, "stuck")
    assert beat.read_text() == "stuck" and [p.name for p in tmp_path.iterdir()] == ["beat-1"]


def test_reopening_writes_to_a_new_file_after_the_old_one_moved(tmp_path) -> None:
    path = tmp_path / "serve.log"
    handler = logging.FileHandler(path)
    logger = logging.getLogger()
    logger.addHandler(handler)
    try:
        logging.getLogger("t").warning("before")
        path.rename(tmp_path / "serve.log.1")
        reopen_log_files()
        logging.getLogger("t").warning("after")
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert "after" in path.read_text() and "before" not in path.read_text()
    assert "after" not in (tmp_path / "serve.log.1").read_text()


def test_the_tick_runs_once_a_second_however_often_the_loop_wakes() -> None:
    calls: list[int] = []
    settings = SimpleNamespace(max_requests=0, max_requests_jitter=0)
    worker = Worker(settings, SimpleNamespace(map={}), RequestTracker(lambda e, s: []),  # type: ignore[arg-type]
                    None, lambda: calls.append(1))  # type: ignore[arg-type]
    for step in range(300):  # 300 wake-ups over 2.99 s
        worker._tick(100.0 + step * 0.01)
    assert len(calls) == 3
