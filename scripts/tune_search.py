"""Sweep search settings on a labeled set and print nDCG@10 / Recall@10 / MRR@10 per setting.

Usage: python scripts/tune_search.py --index DIR --queries Q.jsonl --qrels QRELS.tsv [--grid]

By default: the fusion-weight landscape (dense weight x title-signal weight, then the
heading-signal weight), as Markdown tables. Each query is scored once per query-side setting
and its signals are re-weighted in NumPy, so a whole landscape costs seconds. --grid sweeps
the older settings (fusion, aggregation, expansion, typo fixing) one evaluation each.
Query vectors are computed once and shared.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from relatedposts.config import Settings
from relatedposts.live.service import Service
from relatedposts.quality.evaluate import doc_id, evaluate, load_qrels, load_queries, ndcg_at
from relatedposts.search import Searcher

GRID = {
    "fusion": ["weighted", "rrf"],
    "dense_weight": [0.5, 0.6, 0.7, 0.8],
    "aggregation": ["max", "topk_mean", "max_bonus", "softmax"],
    "aggregation_bonus": [0.05, 0.1, 0.2],
    "query_expansion": [True, False],
    "typo_correction": [True, False],
}
DENSE_WEIGHTS = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]
TITLE_WEIGHTS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
COVERAGES = [0.0, 0.25, 0.5, 0.75, 1.0]
HEADING_WEIGHTS = [0.0, 0.05, 0.1, 0.2, 0.3]
BONUSES = [0.0, 0.05, 0.1, 0.2]
TEMPERATURES = [0.02, 0.03, 0.04, 0.05]
Signals = dict[str, tuple[np.ndarray, ...]]


def ranked_urls(searcher: Searcher, query: str, k: int = 10) -> list[str]:
    """Rank with Searcher.rank, the search's own ranking, without building snippets."""
    _, order = searcher.rank(" ".join(query[:1000].split()))
    return [searcher.data.articles[int(a)].url for a in order[:k]]


def variant(service: Service, **changes: object) -> Searcher:
    """Return a searcher with changed settings sharing the live one's query-vector cache."""
    return service.live.searcher.with_settings(service.settings.replace(**changes),
                                               share_cache=True)


def signals(service: Service, queries: dict[str, str], **changes: object) -> Signals:
    """Return each query's (candidates, dense, BM25/max, title, heading) arrays."""
    searcher = variant(service, **changes)
    out = {}
    for qid, text in queries.items():
        s = searcher.score(" ".join(text[:1000].split()))
        kw = s.keyword if s.keyword is not None else np.zeros_like(s.dense)
        top = kw.max() if kw.size and kw.max() > 0 else 1.0
        out[qid] = (s.candidates, s.dense, kw / top, s.title, s.heading)
    return out


def mean_ndcg(sig: Signals, qrels: dict[str, dict[str, int]], ids: list[str],
              w: float, wt: float, wh: float) -> float:
    """Return mean nDCG@10 of the weighted fusion with these weights."""
    total, n = 0.0, 0
    for qid, (cand, dense, kw, title, heading) in sig.items():
        judged = qrels.get(qid, {})
        if not any(g > 0 for g in judged.values()):
            continue
        fused = (w * dense + (1 - w) * kw) * (1 + wt * title + wh * heading)
        order = cand[np.argsort(-fused[cand], kind="stable")][:10]
        total += ndcg_at([ids[int(a)] for a in order], judged, 10)
        n += 1
    return total / max(n, 1)


def _table(name: str, rows: list[tuple[object, list[float]]], cols: list[float]) -> None:
    print(f"| {name} | " + " | ".join(map(str, cols)) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for label, values in rows:
        print(f"| {label} | " + " | ".join(f"{v:.4f}" for v in values) + " |")
    print()


def landscape(service: Service, queries: dict[str, str],
              qrels: dict[str, dict[str, int]]) -> None:
    """Print nDCG@10 around the shipped weights: each table varies two, the rest shipped."""
    s = service.settings
    known = {d for judged in qrels.values() for d in judged}
    ids = [doc_id(a.url, known) for a in service.live.searcher.data.articles]
    on = {"title_signal_weight": 1.0, "heading_signal_weight": 1.0}
    sig = signals(service, queries, **on)
    _table("dense weight \\ title weight", [
        (w, [mean_ndcg(sig, qrels, ids, w, wt, s.heading_signal_weight) for wt in TITLE_WEIGHTS])
        for w in DENSE_WEIGHTS], TITLE_WEIGHTS)
    rows = []
    for cov in COVERAGES:
        sc = sig if cov == s.title_coverage else signals(service, queries, title_coverage=cov, **on)
        rows.append((cov, [mean_ndcg(sc, qrels, ids, s.dense_weight, wt, s.heading_signal_weight)
                           for wt in TITLE_WEIGHTS]))
    _table("title coverage \\ title weight", rows, TITLE_WEIGHTS)
    _table("heading weight", [("nDCG@10", [mean_ndcg(sig, qrels, ids, s.dense_weight,
                                                     s.title_signal_weight, wh)
                                           for wh in HEADING_WEIGHTS])], HEADING_WEIGHTS)
    _table("aggregation bonus (max_bonus)", [("nDCG@10", [mean_ndcg(
        signals(service, queries, aggregation="max_bonus", aggregation_bonus=b, **on), qrels,
        ids, s.dense_weight, s.title_signal_weight, s.heading_signal_weight)
        for b in BONUSES])], BONUSES)
    _table("softmax temperature", [("nDCG@10", [mean_ndcg(
        signals(service, queries, aggregation="softmax", aggregation_temperature=t, **on), qrels,
        ids, s.dense_weight, s.title_signal_weight, s.heading_signal_weight)
        for t in TEMPERATURES])], TEMPERATURES)


WRAPS = [("{q}", "as written"),
         ("Hi, dear sir. {q} Thank you very much, Mary", "greeting + thanks + signature"),
         ("Hello doctor, good morning. {q} I would be grateful for any help. Kind regards, "
          "John Smith", "longer courtesy")]


def courtesy(service: Service, queries: dict[str, str],
             qrels: dict[str, dict[str, int]]) -> None:
    """Print nDCG@10 with queries wrapped in courtesy text, courtesy stripping on and off."""
    print("| queries | stripping on | stripping off |\n|---|---|---|")
    for wrap, label in WRAPS:
        wrapped = {qid: wrap.format(q=text) for qid, text in queries.items()}
        row = []
        for strip in (True, False):
            searcher = variant(service, strip_courtesy=strip)
            row.append(evaluate(lambda q, s=searcher: ranked_urls(s, q), wrapped, qrels).ndcg)
        print(f"| {label} | {row[0]:.4f} | {row[1]:.4f} |")


def grid(service: Service, queries: dict[str, str], qrels: dict[str, dict[str, int]]) -> None:
    """Evaluate every combination of GRID and print them best first."""
    rows = []
    for values in itertools.product(*GRID.values()):
        combo = dict(zip(GRID, values, strict=True))
        if combo["fusion"] == "rrf" and combo["dense_weight"] != 0.7:
            continue
        if combo["aggregation"] != "max_bonus" and combo["aggregation_bonus"] != 0.1:
            continue
        searcher = variant(service, **combo)
        m = evaluate(lambda q, s=searcher: ranked_urls(s, q), queries, qrels)
        rows.append((m.ndcg, m.recall, m.mrr, combo))
    for ndcg, recall, mrr, combo in sorted(rows, key=lambda r: -r[0]):
        print(f"{ndcg:.4f} {recall:.4f} {mrr:.4f} {combo}")


def main() -> None:
    """Parse arguments and run the chosen sweep."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--qrels", type=Path, required=True)
    parser.add_argument("--grid", action="store_true", help="sweep the older settings")
    parser.add_argument("--courtesy", action="store_true",
                        help="measure queries wrapped in greetings, thanks and signatures")
    args = parser.parse_args()
    queries, qrels = load_queries(args.queries), load_qrels(args.qrels)
    service = Service(Settings.from_env(index_dir=args.index))
    service.reload()
    print(f"{len(queries)} queries; shipped: dense {service.settings.dense_weight}, title "
          f"{service.settings.title_signal_weight} (coverage {service.settings.title_coverage})"
          f", heading {service.settings.heading_signal_weight}\n")
    sweep = grid if args.grid else courtesy if args.courtesy else landscape
    sweep(service, queries, qrels)


if __name__ == "__main__":
    main()
