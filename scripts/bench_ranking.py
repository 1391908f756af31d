"""Issue 25's ranking levers, before and after in one run, on the dev set and on clinic2.

Usage: python scripts/bench_ranking.py --dev-index DIR --clinic2-index DIR [--long] [--write]
       python scripts/bench_ranking.py --dev-index DIR --sweep NAME=V1,V2,...

Every row is the same loaded index with other search settings (Searcher.with_settings, query
vectors shared), so "before" and "after" are measured in the same run. Rows are cumulative:
each one adds a lever to the row above; "before" switches every lever of issue 25 off.
--sweep prints one setting's landscape on top of the shipped defaults. --long adds the dev
set's messages of 15+ words and its courtesy-wrapped questions (dev queries, not held out).
--write puts the tables into docs/benchmarks.md (section "ranking-issue25", or --section NAME
headed by the command and the load average, for sweeps and floors too).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from relatedposts.config import Settings
from relatedposts.live.service import Service
from relatedposts.quality.benchdoc import table, write_section
from relatedposts.quality.evaluate import Metrics, evaluate, load_qrels, load_queries
from relatedposts.search import Searcher

ROOT = Path(__file__).resolve().parent.parent
DEV = Path("/work/shared/datasets/consumer-health-dev")
# The settings issue 25 added or changed, at their values before it.
BEFORE: dict[str, Any] = {
    "symptom_region_weight": 0.0, "bm25_idf_weighting": False,
    "dense_candidates_per_passages": 0,
    "urgent_article_first": False, "search_min_relevance": 0.0,
    "aggregation": "max_bonus", "dense_feedback_weight": 0.0, "title_signal_weight": 0.2}
STEPS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("+ symptom regions (leg: lumbar, arm/hand: cervical)", {"symptom_region_weight": None}),
    ("+ BM25 terms weighted by IDF / query mean IDF", {"bm25_idf_weighting": None}),
    ("+ dense pool max(200, passages/37)", {"dense_candidates_per_passages": None}),
    ("+ red-flag article first for urgent queries", {"urgent_article_first": None}),
    ("+ softmax passage aggregation (T 0.04)", {"aggregation": None}),
    ("+ dense feedback q + 0.2 x mean(6 nearest passages)", {"dense_feedback_weight": None}),
    ("+ title weight 0.25", {"title_signal_weight": None}),
    ("+ minimum relevance 0.36 (= shipped)", {"search_min_relevance": None}),
)
# The defaults before the softmax/feedback change (8fd8ed2), for the "today" row.
TODAY: dict[str, Any] = {"aggregation": "max_bonus", "dense_feedback_weight": 0.0,
                         "title_signal_weight": 0.2, "search_min_relevance": 0.3}
# Long messages: the dev questions of 15+ words (patient messages, not "What is X?"), and
# every dev question wrapped in issue 15's longer courtesy. Both are dev queries, not held out.
LONG_WORDS = 15
COURTESY = ("Hello doctor, good morning. {} I would be grateful for any help. "
            "Kind regards, John Smith")


def searcher_for(index: Path) -> Searcher:
    """Load the index's live searcher with today's defaults."""
    service = Service(Settings.from_env(index_dir=index))
    service.reload()
    return service.live.searcher


def measure(base: Searcher, changes: dict[str, Any], queries: dict[str, str],
            qrels: dict[str, dict[str, int]]) -> Metrics:
    """Evaluate the searcher with some settings changed (query vectors shared)."""
    searcher = base.with_settings(base.settings.replace(**changes), share_cache=True)

    def ranked(text: str) -> list[str]:
        _, order = searcher.rank(" ".join(text[:1000].split()))
        return [searcher.data.articles[int(a)].url for a in order[:10]]

    return evaluate(ranked, queries, qrels)


def rows_for(base: Searcher, queries: dict[str, str],
             qrels: dict[str, dict[str, int]]) -> list[list[object]]:
    """Return the baselines, the before row and each cumulative step, with Δ nDCG@10."""
    defaults = base.settings
    configs: list[tuple[str, dict[str, Any]]] = [
        ("BM25 alone (plain)", {**BEFORE, "fusion": "bm25"}),
        ("dense alone (plain)", {**BEFORE, "fusion": "dense"}),
        ("before (issue 21 defaults)", dict(BEFORE))]
    current = dict(BEFORE)
    for label, step in STEPS:
        current = {k: v for k, v in current.items() if k not in step}
        configs.append((label, dict(current)))
    configs.append(("today (8fd8ed2: max_bonus, no feedback, title 0.2, floor 0.3)", TODAY))
    rows, before = [], None
    for label, changes in configs:
        m = measure(base, changes, queries, qrels)
        before = m.ndcg if label.startswith("before") else before
        delta = f"{m.ndcg - before:+.4f}" if before is not None else ""
        rows.append([label, f"{m.ndcg:.4f}", delta, f"{m.recall:.4f}", f"{m.mrr:.4f}"])
    del defaults
    return rows


def sweep(base: Searcher, spec: str, queries: dict[str, str],
          qrels: dict[str, dict[str, int]]) -> str:
    """Return one setting's landscape (on the shipped defaults) as a Markdown table."""
    name, values = spec.split("=", 1)
    kind = type(getattr(base.settings, name))
    rows = []
    for raw in values.split(","):
        value: Any = raw == "true" if kind is bool else kind(raw)
        m = measure(base, {name: value}, queries, qrels)
        rows.append([f"{name}={value}", f"{m.ndcg:.4f}", f"{m.recall:.4f}", f"{m.mrr:.4f}"])
    return table(["setting", "nDCG@10", "Recall@10", "MRR@10"], rows)


def min_relevance(base: Searcher, name: str, values: list[float], queries: dict[str, str],
                  qrels: dict[str, dict[str, int]]) -> str:
    """Return what each minimum relevance costs: nDCG, Recall@10, empty pages, mean total."""
    rows = []
    for t in values:
        searcher = base.with_settings(base.settings.replace(**{name: t}), share_cache=True)
        totals = [len(searcher.rank(" ".join(text[:1000].split()))[1])
                  for text in queries.values()]
        m = measure(base, {name: t}, queries, qrels)
        rows.append([f"{name}={t:g}", f"{m.ndcg:.4f}", f"{m.recall:.4f}", f"{m.mrr:.4f}",
                     f"{totals.count(0)} / {len(queries)}", f"{np.mean(totals):.1f}"])
    return table(["setting", "nDCG@10", "Recall@10", "MRR@10", "empty first pages",
                  "mean total"], rows)


def main() -> None:
    """Print (and with --write, record) the before/after tables or a landscape."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dev-index", type=Path, required=True)
    parser.add_argument("--clinic2-index", type=Path)
    parser.add_argument("--sweep", action="append", default=[])
    parser.add_argument("--min-relevance", help="NAME=V1,V2,...: thresholds to measure")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--section", help="with --write: the docs/benchmarks.md section to "
                        "(re)write, headed by this command and the load average")
    parser.add_argument("--long", action="store_true",
                        help="also the dev set's long messages and its courtesy-wrapped questions")
    args = parser.parse_args()
    sets = [("dev", args.dev_index, DEV / "queries.jsonl", DEV / "qrels.tsv")]
    if args.clinic2_index:
        sets.append(("clinic2", args.clinic2_index, ROOT / "corpus/clinic2-queries.jsonl",
                     ROOT / "corpus/clinic2-qrels.tsv"))
    if args.long:
        sets += [(label, args.dev_index, DEV / "queries.jsonl", DEV / "qrels.tsv")
                 for label in (f"dev, messages of {LONG_WORDS}+ words", "dev, courtesy-wrapped")]
    out = []
    for name, index, qpath, rpath in sets:
        base, queries, qrels = searcher_for(index), load_queries(qpath), load_qrels(rpath)
        if name.startswith("dev, messages"):
            queries = {q: t for q, t in queries.items() if len(t.split()) >= LONG_WORDS}
        elif name.startswith("dev, courtesy"):
            queries = {q: COURTESY.format(t) for q, t in queries.items()}
        for spec in args.sweep:
            out.append(f"**{name}**, {spec.split('=')[0]}:\n\n" + sweep(base, spec, queries, qrels))
        if args.min_relevance:
            setting, values = args.min_relevance.split("=", 1)
            out.append(f"**{name}**, {setting}:\n\n" + min_relevance(
                base, setting, [float(v) for v in values.split(",")], queries, qrels))
        elif not args.sweep:
            rows = rows_for(base, queries, qrels)
            out.append(f"**{name}** ({len(queries)} queries):\n\n" + table(
                ["configuration", "nDCG@10", "Δ vs before", "Recall@10", "MRR@10"], rows))
    text = "\n\n".join(out)
    print(text)
    if args.write and args.section:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        command = " ".join(["python scripts/bench_ranking.py", *sys.argv[1:]])
        head = f"`{command}` (load average {load}; dev set, 279 questions; clinic2, 30)"
        write_section(ROOT / "docs/benchmarks.md", args.section, head + "\n\n" + text)
    elif args.write and not args.sweep:
        write_section(ROOT / "docs/benchmarks.md", "ranking-issue25", text)


if __name__ == "__main__":
    main()
