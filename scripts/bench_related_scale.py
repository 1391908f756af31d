"""The related step on a large synthetic corpus: build time and peak memory (issue 22).

Usage:  python scripts/bench_related_scale.py [--sizes 2000 20000] [--no-write]

Each size runs in a fresh process: synthetic articles (titles and ~150-word bodies drawn from
topic vocabularies, some exact copies and some different texts on one topic) with fake
384-dimension passage vectors clustered by topic (PASSAGES per article, the article vector
their mean), then `compute_related` with the default settings.
Peak memory is the process's peak resident set after the step minus before it (inputs
already built). Figures go to the "related-scale" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from relatedposts.config import Settings  # noqa: E402
from relatedposts.indexing.related import compute_related  # noqa: E402
from relatedposts.indexing.related_passages import Passages  # noqa: E402
from relatedposts.models import Article, Section  # noqa: E402
from relatedposts.quality.benchdoc import table, write_section  # noqa: E402

TOPICS = 400
DIM = 384
PASSAGES = 8  # passages per article (the dev set averages 8.4)


def synthetic(n: int, seed: int = 22) -> tuple[list[Article], np.ndarray, Passages]:
    """Return n articles, their fake vectors and passages; every 50th article copies an
    earlier one (title and body)."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{k}" for k in range(20_000)])
    topic_words = rng.integers(0, len(vocab), size=(TOPICS, 60))
    centres = rng.normal(size=(TOPICS, DIM)).astype(np.float32)
    articles, chunks = [], np.empty((n * PASSAGES, DIM), np.float32)
    for i in range(n):
        t = int(rng.integers(TOPICS))
        own = vocab[rng.choice(topic_words[t], 100)].tolist()
        body = " ".join(own + vocab[rng.integers(0, len(vocab), 50)].tolist())
        title = " ".join(vocab[rng.choice(topic_words[t], 4)])
        if i % 50 == 49:  # the same text at a second URL
            title, body = articles[i - 40].title, articles[i - 40].body
        articles.append(Article(url=f"https://big.example/post-{i}/", title=title,
                                date=f"20{10 + i % 15}-01-01", sections=(Section("", body),)))
        chunks[i * PASSAGES:(i + 1) * PASSAGES] = centres[t] + rng.normal(size=(PASSAGES, DIM))
    chunks /= np.linalg.norm(chunks, axis=1, keepdims=True)
    vectors = chunks.reshape(n, PASSAGES, DIM).mean(axis=1)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return articles, vectors, Passages(chunks, np.repeat(np.arange(n), PASSAGES), n)


def measure(n: int) -> dict[str, float]:
    """Build the inputs, then time the related step and its extra peak memory."""
    articles, vectors, passages = synthetic(n)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    rel = compute_related(articles, vectors, Settings.from_env(), passages=passages)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    full = float((rel.ids[:, :5] >= 0).all(axis=1).mean())
    shown = np.bincount(rel.ids[:, :5][rel.ids[:, :5] >= 0].ravel(), minlength=n)
    return {"articles": n, "seconds": round(seconds, 1), "per_1000": round(seconds / n * 1000, 2),
            "rss_before_mb": round(before / 1024), "extra_peak_mb": round((peak - before) / 1024),
            "duplicate_groups": len(rel.duplicates), "full_lists": round(full, 4),
            "max_in_degree": int(shown.max())}


def main() -> None:
    """Run each size in its own process and write the section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    rows = []
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], check=True,
                             capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(r, flush=True)
        rows.append([r["articles"], r["seconds"], r["per_1000"], r["extra_peak_mb"],
                     r["rss_before_mb"], r["duplicate_groups"], r["full_lists"],
                     r["max_in_degree"]])
    body = "\n".join([
        "## The related step on 20,000 articles (issue 22)", "",
        f"`python scripts/bench_related_scale.py --sizes {' '.join(map(str, args.sizes))}`: "
        "synthetic articles (4-word titles, 150-word bodies from 400 topic vocabularies, every "
        "50th an exact copy of an earlier one) with fake 384-d passage vectors clustered by "
        f"topic, {PASSAGES} per article (the article vector their mean); "
        "`compute_related` with the default settings, one fresh process per size, on this "
        "2-core machine shared with other work. Extra peak: the process's peak RSS after the "
        "step minus before it. Nothing is all-pairs: FAISS k-NN for the dense view, the "
        "lexical view in blocks of 512 rows, one candidate block per article (the passage "
        "view too: a row's passages against its candidates' only), shingles only for "
        "candidate pairs.", "",
        table(["articles", "seconds", "s per 1,000", "extra peak MB", "RSS before MB",
               "duplicate groups", "full lists", "max in-degree"], rows)])
    if not args.no_write:
        write_section(ROOT / "docs/benchmarks.md", "related-scale", body)
    print(body)


if __name__ == "__main__":
    main()
