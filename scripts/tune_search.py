"""Sweep search settings on a labeled dev set and print nDCG@10 / Recall@10 / MRR@10 per setting.

Usage: python scripts/tune_search.py --index DIR --queries Q.jsonl --qrels QRELS.tsv
Query vectors are computed once and shared, so each setting costs only the ranking.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from relatedposts.config import Settings
from relatedposts.quality.evaluate import evaluate, load_qrels, load_queries
from relatedposts.serving.search import Searcher
from relatedposts.serving.service import Service

GRID = {
    "fusion": ["weighted", "rrf"],
    "dense_weight": [0.5, 0.6, 0.7, 0.8],
    "aggregation": ["max", "topk_mean", "max_bonus"],
    "aggregation_bonus": [0.05, 0.1, 0.2],
    "query_expansion": [True, False],
    "typo_correction": [True, False],
}


def ranked_urls(searcher: Searcher, query: str, k: int = 10) -> list[str]:
    """Rank with Searcher.rank, the search's own ranking, without building snippets."""
    _, order = searcher.rank(" ".join(query[:1000].split()))
    return [searcher.data.articles[int(a)].url for a in order[:k]]


def main() -> None:
    """Evaluate every combination of GRID and print them best first."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--qrels", type=Path, required=True)
    args = parser.parse_args()
    queries, qrels = load_queries(args.queries), load_qrels(args.qrels)
    base = Service(Settings.from_env(index_dir=args.index))
    base.reload()
    rows = []
    for values in itertools.product(*GRID.values()):
        combo = dict(zip(GRID, values, strict=True))
        if combo["fusion"] == "rrf" and combo["dense_weight"] != 0.7:
            continue
        if combo["aggregation"] != "max_bonus" and combo["aggregation_bonus"] != 0.1:
            continue
        # A separate searcher per combination: the live one keeps its settings. They share
        # its query-vector cache, so each query is embedded once for the whole sweep.
        searcher = base.live.searcher.with_settings(base.settings.replace(**combo),
                                                    share_cache=True)
        m = evaluate(lambda q, s=searcher: ranked_urls(s, q), queries, qrels)
        rows.append((m.ndcg, m.recall, m.mrr, combo))
    for ndcg, recall, mrr, combo in sorted(rows, key=lambda r: -r[0]):
        print(f"{ndcg:.4f} {recall:.4f} {mrr:.4f} {combo}")


if __name__ == "__main__":
    main()
