"""Production serving: waitress workers, the query-vector cache and the HNSW chunk index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import faiss
import numpy as np

from relatedposts.indexing import index as idx
from relatedposts.indexing.ann import index_type, make_chunk_index, tune_for_search
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.live.service import Service
from relatedposts.search.querycache import QueryCache
from relatedposts.web.front import MAX_HEAD_BYTES, waitress_options
from relatedposts.web.guard import MAX_QUERY_STRING
from relatedposts.web.server import share_cores
from tests.servers import free_port, serve
from tests.support import TINY


def _entry_bytes(key: str) -> int:
    return np.zeros(1, dtype=np.int64).nbytes + len(key) + QueryCache.OVERHEAD


def test_query_cache_is_lru() -> None:
    cache = QueryCache(2 * _entry_bytes("a"))
    computed = []

    def make(key: str):
        return lambda: computed.append(key) or np.array([len(computed)], dtype=np.int64)

    for key in ["a", "b", "a", "c", "b", "a"]:
        cache.get_or_compute(key, make(key))
    # "a" stays while it is used; "b" is evicted by "c", then "a" by the second "b".
    assert computed == ["a", "b", "c", "b", "a"]


def test_query_cache_stays_within_its_byte_budget() -> None:
    vector = np.zeros(384, dtype=np.float32)
    budget = 100_000
    cache = QueryCache(budget)
    for i in range(5_000):  # 5,000 unique queries of ~1.8 KB each: 9 MB if unbounded
        cache.get_or_compute(f"unique patient question {i}", lambda: vector.copy())
        assert cache.nbytes <= budget
    assert 0 < len(cache) < 100 and cache.nbytes > budget - 2_000
    hostile = "x" * 200_000  # a key bigger than the whole budget is answered, not kept
    assert cache.get_or_compute(hostile, lambda: vector) is vector
    assert hostile not in cache._data and len(cache) > 0
    off = QueryCache(0)  # a budget of 0 turns caching off
    assert off.get_or_compute("q", lambda: vector) is vector and len(off) == 0


def test_repeated_searches_embed_the_query_once(built, counting_embedder) -> None:
    embedder = counting_embedder
    service = Service(built, embedder)
    service.reload()
    first = service.search("sciatica leg pain")
    again = service.search("  sciatica   leg pain ")
    assert embedder.calls == 1
    assert [h.url for h in first.results] == [h.url for h in again.results]
    service.search("neck pain")
    assert embedder.calls == 2


def test_small_indexes_stay_exact_and_large_ones_use_hnsw(settings) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    flat = make_chunk_index(vectors, settings.replace(ann_threshold=301))
    assert index_type(flat) == "IndexFlatIP"
    hnsw = make_chunk_index(vectors, settings.replace(ann_threshold=300, hnsw_m=8,
                                                      hnsw_ef_search=40))
    assert index_type(hnsw) == "IndexHNSWFlat" and hnsw.hnsw.efSearch == 40
    assert hnsw.metric_type == faiss.METRIC_INNER_PRODUCT and hnsw.ntotal == 300
    _, exact = flat.search(vectors[:50], 5)
    _, approx = hnsw.search(vectors[:50], 5)
    assert (approx[:, 0] == np.arange(50)).all()  # each stored vector finds itself first
    assert np.mean([len(set(a) & set(e)) / 5 for a, e in zip(approx, exact, strict=True)]) > 0.9
    assert index_type(make_chunk_index(vectors, settings.replace(ann_threshold=0))) == \
        "IndexFlatIP"


def test_hnsw_index_is_recorded_and_tuned_after_load(settings) -> None:
    settings = settings.replace(ann_threshold=1, hnsw_ef_search=77)
    result = build_index(TINY, FakeEmbedder(), settings)
    assert result.manifest.index_type == "IndexHNSWFlat"
    raw = faiss.read_index(str(result.version_dir / "chunks.faiss"))
    assert tune_for_search(raw, settings).hnsw.efSearch == 77
    service = Service(settings, FakeEmbedder())
    assert service.reload().index_type == "IndexHNSWFlat"
    assert service.live.data.faiss_index.hnsw.efSearch == 77
    assert service.search("sciatica leg pain").results[0].title == "Sciatica and leg pain"
    assert idx.read_manifest(result.version_dir).index_type == "IndexHNSWFlat"


def test_waitress_options_bound_heads_bodies_and_connections() -> None:
    opts = waitress_options(threads=5, connection_limit=700, channel_timeout=30.0)
    assert opts["threads"] == 5 and opts["connection_limit"] == 700
    assert opts["channel_timeout"] == 30.0 and opts["asyncore_use_poll"]
    assert opts["max_request_header_size"] == MAX_HEAD_BYTES > MAX_QUERY_STRING


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


def test_workers_share_the_cores_and_faiss_searches_on_one_thread() -> None:
    cores = os.cpu_count() or 1
    assert share_cores(1) == cores
    assert share_cores(2 * cores) == 1
    assert faiss.omp_get_max_threads() == 1


def _pids(base: str, n: int = 40) -> set[int]:
    """Return the worker pids that answered n fresh connections (all must answer 200)."""
    pids = set()
    for _ in range(n):
        req = urllib.request.Request(f"{base}/admin/status",
                                     headers={"Authorization": "Bearer t"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            pids.add(json.load(resp)["pid"])
    return pids


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
