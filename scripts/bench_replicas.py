"""Replicas and many sites: how fast an announced reload reaches every worker, a soak through
nginx across swaps, and what a loaded site costs a worker.

1. Two `relatedposts serve` replicas (2 gunicorn workers each, fake embedder: a reload costs
   an index load, not a model load) over one index directory and one redis-server, behind
   nginx, all on 127.0.0.1 (tests/replicakit.py). --swaps times: build a new version, publish
   it, and time until 40 consecutive /api/index answers through nginx name it. Four client
   threads keep searching meanwhile; every non-200 answer is counted.
2. Many sites: --sites copies of the sample blog's index (real model) in a sites file; one
   process loads them one by one and reports the first-request time and the resident memory
   per loaded site.
3. mmap: the resident memory a 100,000-chunk flat FAISS index adds to a fresh process when
   read normally and when memory-mapped (as a sites file's indexes are).

Usage: python scripts/bench_replicas.py [--swaps 5] [--sites 8] [--part replicas|sites|all]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def replicas(swaps: int) -> None:
    """Measure announced-reload latency and soak errors through nginx."""
    from tests.replicakit import Nginx, RedisServer, Replica
    from tests.support import TINY

    from relatedposts.config import Settings
    from relatedposts.indexing.build import build_index
    from relatedposts.indexing.embedders import FakeEmbedder
    from relatedposts.redisbus import publish_reload

    tmp = Path(tempfile.mkdtemp(prefix="rp-bench-"))
    settings = Settings(index_dir=tmp / "idx", embedder="fake", related_min_score=0.0)
    build_index(TINY, FakeEmbedder(), settings)
    redis = RedisServer(tmp)
    env = {"RELATEDPOSTS_INDEX_DIR": str(settings.index_dir), "RELATEDPOSTS_EMBEDDER": "fake",
           "RELATEDPOSTS_REDIS_URL": redis.url, "RELATEDPOSTS_RELOAD_CHECK_SECONDS": "-1",
           "RELATEDPOSTS_RATE_LIMIT": "1000000/minute", "RELATEDPOSTS_LOG_FILE": "",
           "RELATEDPOSTS_RELATED_MIN_SCORE": "0"}
    nodes = [Replica(tmp, env) for _ in range(2)]
    try:
        for node in nodes:
            node.wait_ready()
        nginx = Nginx(tmp, [n.port for n in nodes])
        stop, counts = threading.Event(), {"ok": 0, "errors": 0}
        clients = [threading.Thread(target=_search_loop, args=(nginx.base, stop, counts))
                   for _ in range(4)]
        for c in clients:
            c.start()
        t_start, latencies = time.monotonic(), []
        for i in range(swaps):
            time.sleep(1.0)
            subset = TINY if i % 2 else TINY[:6]
            new = build_index(subset, FakeEmbedder(), settings).version_dir.name
            t0 = time.monotonic()
            publish_reload(settings.replace(redis_url=redis.url), new)
            latencies.append(_until_all(nginx.base, new, 40) - t0)
        stop.set()
        for c in clients:
            c.join()
        seconds = time.monotonic() - t_start
        nginx.stop()
    finally:
        for node in nodes:
            node.stop()
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"replicas: {swaps} announced swaps, reload visible on every worker after "
          f"median {sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms, max "
          f"{max(latencies) * 1000:.0f} ms; soak {counts['ok']} searches in {seconds:.1f} s "
          f"({counts['ok'] / seconds:.0f}/s through nginx), {counts['errors']} errors; "
          f"load average {os.getloadavg()[0]:.2f}")


def _search_loop(base: str, stop: threading.Event, counts: dict[str, int]) -> None:
    while not stop.is_set():
        try:
            with urllib.request.urlopen(base + "/api/search?q=leg+pain", timeout=10) as r:
                counts["ok" if r.status == 200 else "errors"] += 1
        except OSError:
            counts["errors"] += 1


def _until_all(base: str, version: str, streak: int) -> float:
    """Return the time at which `streak` consecutive answers named version."""
    run = 0
    while run < streak:
        with urllib.request.urlopen(base + "/api/index", timeout=10) as r:
            run = run + 1 if json.load(r)["version"] == version else 0
        if run == 1:
            first = time.monotonic()
    return first


def sites(count: int) -> None:
    """Measure first-request time and memory per loaded site, mmap on and off."""
    from relatedposts.config import Settings
    from relatedposts.indexing.build import build_index
    from relatedposts.indexing.embedders import make_embedder
    from relatedposts.ingest.crawl import scrape

    tmp = Path(tempfile.mkdtemp(prefix="rp-sites-"))
    base = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "idx", log_file=None)
    articles = scrape([str(ROOT / "corpus/site")], base.replace(corpus_dir=tmp / "c0")).articles
    embedder = make_embedder(base)
    build_index(articles, embedder, base.replace(index_dir=tmp / "idx" / "s0"))
    for i in range(1, count):
        shutil.copytree(tmp / "idx" / "s0", tmp / "idx" / f"s{i}")
    (tmp / "sites.toml").write_text("".join(f"[sites.s{i}]\n" for i in range(count)))
    _load_all(base.replace(sites_file=tmp / "sites.toml", max_loaded_sites=count), embedder,
              count, len(articles))
    shutil.rmtree(tmp, ignore_errors=True)


MMAP_PROBE = """
import sys, faiss
from relatedposts.indexing.index import _read_flags
def rss(kind):
    return int(open('/proc/self/status').read().split(kind + ':')[1].split()[0]) / 1024
before = rss('RssAnon'), rss('RssFile')
index = faiss.read_index(sys.argv[1], _read_flags(sys.argv[2] == '1'))
index.search(index.reconstruct_n(0, 4), 10)
print(f"{rss('RssAnon') - before[0]:.1f} MB private, {rss('RssFile') - before[1]:.1f} MB")
"""


def mmap_cost(chunks: int = 100_000) -> None:
    """Measure the memory a loaded flat index of `chunks` x 384 costs, copied vs mapped."""
    import subprocess

    import faiss
    import numpy as np

    tmp = Path(tempfile.mkdtemp(prefix="rp-mmap-"))
    index = faiss.IndexFlatIP(384)
    index.add(np.random.default_rng(0).random((chunks, 384), dtype=np.float32))
    faiss.write_index(index, str(tmp / "chunks.faiss"))
    for flag in ("0", "1"):
        out = subprocess.run([sys.executable, "-c", MMAP_PROBE, str(tmp / "chunks.faiss"), flag],
                             capture_output=True, text=True, check=True).stdout.strip()
        print(f"faiss flat index of {chunks:,} x 384 ({chunks * 384 * 4 / 2**20:.0f} MiB): "
              f"mmap={flag == '1'} adds {out} of shared page cache to the loading process")
    shutil.rmtree(tmp, ignore_errors=True)


def _load_all(settings, embedder, count: int, n_articles: int) -> None:
    from relatedposts.live.sites import SiteRegistry

    registry = SiteRegistry(settings, embedder)
    before, times = _rss_mb(), []
    for i in range(count):
        t0 = time.perf_counter()
        registry.get(f"s{i}").search("sciatica", 5)
        times.append(time.perf_counter() - t0)
    per_site = (_rss_mb() - before) / count
    print(f"sites: {count} sites of {n_articles} articles (mmap): first "
          f"request median {sorted(times)[count // 2] * 1000:.0f} ms, {per_site:.1f} MB "
          f"resident per loaded site; load average {os.getloadavg()[0]:.2f}")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=5)
    parser.add_argument("--sites", type=int, default=8)
    parser.add_argument("--part", choices=["replicas", "sites", "mmap", "all"], default="all")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.part in ("replicas", "all"):
        replicas(args.swaps)
    if args.part in ("sites", "all"):
        sites(args.sites)
    if args.part in ("mmap", "all"):
        mmap_cost()


if __name__ == "__main__":
    main()
