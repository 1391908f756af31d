"""Embedding throughput: one local process vs `build --ray` with 1 and 2 workers, and the
projection of a 1-million-article build from the measured per-worker rate.

The corpus: the first --articles articles of ../shared/datasets/consumer-health-dev, chunked
as a build chunks them. The cluster: a real Ray head and one worker node on 127.0.0.1 (one CPU
each, as tests/raykit.py starts them). Each Ray run is a whole embedding stage: actors start,
load the model, embed every chunk and send the vectors back (no embedding cache).

Usage: python scripts/bench_ray.py [--articles N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATASET = ROOT.parent / "shared/datasets/consumer-health-dev/articles.jsonl"


def chunk_texts(n: int) -> tuple[list[str], int]:
    """Return the chunk texts of the first n dataset articles and the article count."""
    from relatedposts.config import Settings
    from relatedposts.indexing.chunk import chunk_article
    from relatedposts.quality.evaluate import import_jsonl

    s = Settings()
    articles = import_jsonl(DATASET)[:n]
    chunks = [(a, c) for i, a in enumerate(articles)
              for c in chunk_article(a, i, s.chunk_words, s.chunk_overlap_sentences)]
    return [c.embed_text(a.title) for a, c in chunks], len(articles)


def local_rate(texts: list[str], threads: int) -> float:
    """Return chunks/s of the model in this process on `threads` torch threads."""
    import torch

    from relatedposts.config import Settings
    from relatedposts.indexing.embedders import make_embedder

    torch.set_num_threads(threads)
    embedder = make_embedder(Settings())
    embedder.encode(texts[:32])  # warm up
    t0 = time.perf_counter()
    embedder.encode(texts)
    return len(texts) / (time.perf_counter() - t0)


def ray_run(texts: list[str], address: str, workers: int) -> tuple[float, int, float]:
    """Return the wall seconds of one cluster embedding stage, the actors used and the
    per-worker rate while embedding (chunks / model seconds summed over the actors)."""
    from relatedposts.config import Settings
    from relatedposts.indexing.raybuild import ray_embedder

    embedder = ray_embedder(Settings(ray_workers=workers), address)
    t0 = time.perf_counter()
    vectors = embedder.encode_all(texts)
    assert vectors.shape[0] == len(texts)
    return (time.perf_counter() - t0, embedder.workers_used,
            len(texts) / max(embedder.busy_seconds, 1e-9))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    texts, n_articles = chunk_texts(args.articles)
    per_article = len(texts) / n_articles
    print(f"corpus: {n_articles} articles, {len(texts)} chunks ({per_article:.2f} per article);"
          f" load average before: {os.getloadavg()[0]:.2f}")
    one = local_rate(texts, 1)
    print(f"local, 1 torch thread:  {one:6.1f} chunks/s")
    from tests.raykit import RayCluster

    cluster = RayCluster(workers=1, num_cpus=1)
    try:
        for workers in (1, 2):
            seconds, used, per_worker = ray_run(texts, cluster.address, workers)
            print(f"ray, {used} worker(s):    {len(texts) / seconds:6.1f} chunks/s end to end "
                  f"({seconds:.1f} s incl. actor start and model load), "
                  f"{per_worker:.1f} chunks/s per worker while embedding; "
                  f"load average {os.getloadavg()[0]:.2f}")
    finally:
        cluster.stop()
    project(per_article, one)


def project(per_article: float, rate: float) -> None:
    """Print hours for 1M articles on N nodes of 8 vCPUs at the measured per-core rate."""
    chunks = 1_000_000 * per_article
    print(f"\n1M articles = {chunks / 1e6:.1f} M chunks; at {rate:.1f} chunks/s per vCPU:")
    for nodes in (1, 4, 16, 64):
        hours = chunks / (rate * 8 * nodes * 0.9) / 3600  # 0.9: Ray overhead at scale
        print(f"  {nodes:3d} x 8 vCPU: {hours:7.1f} h")


if __name__ == "__main__":
    main()
