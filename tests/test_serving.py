"""Production serving: gunicorn workers, the query-vector cache, and the HNSW chunk index."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import faiss
import numpy as np
import pytest

from relatedposts.indexing import index as idx
from relatedposts.indexing.ann import index_type, make_chunk_index, tune_for_search
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.serving.search import QueryCache
from relatedposts.serving.server import GunicornServer, gunicorn_options, share_cores
from relatedposts.serving.service import Service
from tests.support import TINY


def test_query_cache_is_lru() -> None:
    cache = QueryCache(2)
    computed = []

    def make(key: str):
        return lambda: computed.append(key) or np.array([len(computed)])

    for key in ["a", "b", "a", "c", "b", "a"]:
        cache.get_or_compute(key, make(key))
    # "a" stays while it is used; "b" is evicted by "c", then "a" by the second "b".
    assert computed == ["a", "b", "c", "b", "a"]


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


def test_gunicorn_config_takes_our_options(built) -> None:
    server = GunicornServer(built, gunicorn_options("127.0.0.1", 8123, 3, 5))
    assert server.cfg.workers == 3 and server.cfg.threads == 5
    assert server.cfg.worker_class_str == "gthread" and not server.cfg.preload_app
    assert server.cfg.bind == ["127.0.0.1:8123"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_workers(log: Path, proc: subprocess.Popen, workers: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if log.read_text().count(" ready in ") >= workers:
            return
        time.sleep(0.2)
    pytest.fail(f"gunicorn workers did not start:\n{log.read_text()[-2000:]}")


def test_serve_runs_gunicorn_workers_that_each_load_the_index(built, tmp_path) -> None:
    port, log = _free_port(), tmp_path / "serve.log"
    cmd = [sys.executable, "-m", "relatedposts", "--fake-embedder", "serve", "--index",
           str(built.index_dir), "--port", str(port), "--workers", "2", "--threads", "2"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "RELATEDPOSTS_EMBEDDER": "fake"})
    try:
        _wait_for_workers(log, proc, 2)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as resp:
            assert json.load(resp)["articles"] == len(TINY)
        with urllib.request.urlopen(f"{base}/api/search?q=sciatica", timeout=10) as resp:
            assert json.load(resp)["results"][0]["title"] == "Sciatica and leg pain"
        text = log.read_text()
        assert "gthread" in text and text.count("index loaded") == 2
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_workers_share_the_cores_and_faiss_searches_on_one_thread() -> None:
    cores = os.cpu_count() or 1
    assert share_cores(1) == cores
    assert share_cores(2 * cores) == 1
    assert faiss.omp_get_max_threads() == 1
