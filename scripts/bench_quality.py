"""Measure search quality on the dev set and related-post quality on the sample blog.

Usage:  .venv/bin/python scripts/bench_quality.py [--dataset DIR] [--work DIR]

Builds (or reuses, when the corpus is unchanged) a dev-set index and a sample-blog index
with the real model under --work (default indexes/bench), then writes two sections of
docs/benchmarks.md: search quality (BM25 alone, dense alone, RRF, the shipped hybrid) and
related-post quality (relatedposts vs a TF-IDF baseline).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from relatedposts.config import Settings
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index, corpus_hash
from relatedposts.indexing.embedders import make_embedder
from relatedposts.indexing.versions import current_version
from relatedposts.ingest.crawl import scrape
from relatedposts.live.service import Service
from relatedposts.quality.benchdoc import table, write_section
from relatedposts.quality.evaluate import evaluate, import_jsonl, load_qrels, load_queries
from relatedposts.quality.related_report import load_labels, score_lists, tfidf_lists, top_lists

ROOT = Path(__file__).resolve().parent.parent
CMD = ".venv/bin/python scripts/bench_quality.py"


def ensure_index(articles, index_dir: Path, settings: Settings) -> Path:
    """Build an index of articles into index_dir unless an identical one is already live."""
    try:
        live = current_version(index_dir)
        if idx.read_manifest(live).corpus_hash == corpus_hash(articles):
            return live
    except idx.IndexNotReady:
        pass
    return build_index(articles, make_embedder(settings), settings, index_dir).version_dir


def search_rows(index_dir: Path, dataset: Path) -> list[list[object]]:
    """Evaluate each retrieval configuration on the dev set."""
    queries = load_queries(dataset / "queries.jsonl")
    qrels = load_qrels(dataset / "qrels.tsv")
    service = Service(Settings.from_env(index_dir=index_dir))
    service.reload()
    shipped = service.settings
    configs = [("BM25 alone (bm25s, stemmed, title/headings weighted)", "bm25"),
               ("Dense alone (all-MiniLM-L6-v2, chunk max)", "dense"),
               ("Reciprocal-rank fusion (k=60)", "rrf"),
               (f"**Shipped: weighted hybrid** (dense {shipped.dense_weight}, "
                f"{shipped.aggregation}, vocabulary + typo fixing + compounds, "
                f"x title {shipped.title_signal_weight} / heading "
                f"{shipped.heading_signal_weight} signals)", shipped.fusion)]
    rows = []
    for label, fusion in configs:
        # Its own searcher (and query cache: p50 includes embedding) per configuration; the
        # service's live searcher keeps the shipped settings.
        searcher = service.live.searcher.with_settings(shipped.replace(fusion=fusion))
        m = evaluate(lambda q, s=searcher: [h.url for h in s.search(q[:1000], 10).results],
                     queries, qrels)
        rows.append([label, f"{m.ndcg:.4f}", f"{m.recall:.4f}", f"{m.mrr:.4f}",
                     f"{m.p50_ms:.1f}"])
    return rows


def related_rows(index_dir: Path, labels: Path) -> tuple[list[list[object]], str]:
    """Score related lists and the TF-IDF baseline against the hand labels."""
    data = idx.load(current_version(index_dir))
    wanted = load_labels(labels)
    ours = score_lists(data.articles, top_lists(data, 5), wanted, 5)
    base = score_lists(data.articles, tfidf_lists(data.articles, 5), wanted, 5)
    service = Service(Settings.from_env(index_dir=index_dir))
    service.reload()
    lengths, times = [], []
    for a in data.articles:
        t0 = time.perf_counter()
        lengths.append(len(service.related(a.url, 5)[1]))
        times.append((time.perf_counter() - t0) * 1000)
    note = (f"Every one of the {len(lengths)} sample articles gets "
            f"{min(lengths)}–{max(lengths)} results for limit 5; in-process lookup "
            f"p50 {statistics.median(times):.3f} ms. Coverage counts articles recommended at "
            "least once; of a duplicated text only the original is ever recommended, so the "
            "sample's syndicated copy caps it at 44/45 = 0.978.")
    rows = [[name, f"{q.precision:.3f}", f"{q.recall:.3f}", f"{q.coverage:.3f}"]
            for name, q in (("relatedposts (shipped)", ours), ("TF-IDF baseline", base))]
    return rows, note


def main() -> None:
    """Build what is needed, measure, and write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path,
                        default=ROOT.parent / "shared/datasets/consumer-health-dev")
    parser.add_argument("--work", type=Path, default=ROOT / "indexes/bench")
    args = parser.parse_args()
    settings = Settings.from_env()
    dev_dir = args.work / "dev"
    ensure_index(import_jsonl(args.dataset / "articles.jsonl"), dev_dir, settings)
    sample = scrape([str(ROOT / "corpus/site")], settings.replace(
        corpus_dir=args.work / "sample-corpus"), prune=True)
    sample_dir = args.work / "sample"
    ensure_index(sample.articles, sample_dir, settings.replace(
        overrides_file=ROOT / "corpus/overrides.json"))
    rows = search_rows(dev_dir, args.dataset)
    write_section(ROOT / "docs/benchmarks.md", "quality", "\n".join([
        "## Search quality (dev set: 800 articles, 279 consumer questions, graded qrels)",
        "", f"Command: `{CMD}` (the dev index is built once and cached under "
        "`indexes/bench/`). One query at a time, in process, snippets included; p50 is "
        "the median latency of a whole search, query embedding included (torch, 2 threads). "
        "Reference figures given with the dataset for all-MiniLM-L6-v2: BM25 0.697, dense "
        "0.858, reciprocal-rank fusion 0.834.", "",
        table(["configuration", "nDCG@10", "Recall@10", "MRR@10", "p50 ms"], rows)]))
    rel_rows, note = related_rows(sample_dir, ROOT / "corpus/related-labels.json")
    write_section(ROOT / "docs/benchmarks.md", "related", "\n".join([
        "## Related posts (sample blog, hand-labelled pairs in corpus/related-labels.json)",
        "", f"Command: `{CMD}` — the same figures as "
        "`relatedposts evaluate-related --labels corpus/related-labels.json`.", "",
        table(["method", "precision@5", "recall@5", "coverage"], rel_rows), "", note]))
    print((ROOT / "docs/benchmarks.md").read_text("utf-8"))


if __name__ == "__main__":
    main()
