"""Ablation: what each ranking signal contributes, measured by switching it off alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from relatedposts.quality.benchdoc import table
from relatedposts.quality.evaluate import Metrics, evaluate

# Each row changes the shipped settings in one way; "shipped" changes nothing.
ABLATIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("shipped", {}),
    ("without title signal", {"title_signal_weight": 0.0}),
    ("without heading signal", {"heading_signal_weight": 0.0}),
    ("without compounds", {"decompound": False}),
    ("without courtesy stripping", {"strip_courtesy": False}),
    ("without vocabulary expansion", {"query_expansion": False}),
    ("without typo fixing", {"typo_correction": False}),
    ("without dense feedback", {"dense_feedback_weight": 0.0}),
    ("best passage only (no softmax)", {"aggregation": "max"}),
    ("without BM25", {"dense_weight": 1.0}),
    ("without dense", {"dense_weight": 0.0}),
    ("dense alone", {"fusion": "dense"}),
    ("BM25 alone", {"fusion": "bm25"}),
)


def ablate(search_with: Callable[[dict[str, Any]], Callable[[str], list[str]]],
           queries: dict[str, str], qrels: dict[str, dict[str, int]]
           ) -> list[tuple[str, Metrics]]:
    """Evaluate the shipped settings and each one-signal-off variant (search_with builds them)."""
    return [(label, evaluate(search_with(changes), queries, qrels))
            for label, changes in ABLATIONS]


def ablation_rows(results: list[tuple[str, Metrics]]) -> list[dict[str, Any]]:
    """Return JSON-ready rows with each variant's change against the shipped nDCG@10."""
    shipped = results[0][1].ndcg
    return [{"configuration": label, **m.as_row(), "delta_ndcg@10": round(m.ndcg - shipped, 4)}
            for label, m in results]


def ablation_table(results: list[tuple[str, Metrics]]) -> str:
    """Render the ablation as a Markdown table."""
    rows = [[r["configuration"], f"{r['ndcg@10']:.4f}", f"{r['delta_ndcg@10']:+.4f}",
             f"{r['recall@10']:.4f}", f"{r['mrr@10']:.4f}"] for r in ablation_rows(results)]
    return table(["configuration", "nDCG@10", "Δ nDCG@10", "Recall@10", "MRR@10"], rows)
