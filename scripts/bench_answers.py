"""When is a question unanswered? The unknown-words floor, its cost and what it catches.

Usage: python scripts/bench_answers.py --dev-index DIR --clinic2-index DIR --site-index DIR
       [--floors 0,0.6,0.65,0.7,0.75] [--write]

Cost, on the two labelled sets: nDCG@10, Recall@10 and how many questions get an empty first
page, per value of `search_unknown_words_floor` (every other setting at its default; one
loaded index per set, query vectors shared). What it catches, on the sample blog: the
searches of tests/fixtures/gap_queries.json, written for issue 16 before this floor existed
(15 on tailbone pain, which the blog never covers; 4 others it does not cover; 10 it answers).
The floor is chosen on the dev set alone: inside the range of values that empty no dev page
(0.78 still empties none, 0.8 empties two), with a margin below its top.
--write puts the table into docs/benchmarks.md (section "answers-issue25").
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from relatedposts.config import Settings
from relatedposts.live.service import Service
from relatedposts.quality.benchdoc import table, write_section
from relatedposts.quality.evaluate import evaluate, load_qrels, load_queries
from relatedposts.search import Searcher

ROOT = Path(__file__).resolve().parent.parent
DEV = Path("/work/shared/datasets/consumer-health-dev")
NAME = "search_unknown_words_floor"


def searcher_for(index: Path) -> Searcher:
    """Load the index's live searcher with today's defaults (no overrides file)."""
    os.environ.setdefault("RELATEDPOSTS_OVERRIDES_FILE", "/nonexistent/overrides.json")
    service = Service(Settings.from_env(index_dir=index))
    service.reload()
    return service.live.searcher


def cost(base: Searcher, value: float, queries: dict[str, str],
         qrels: dict[str, dict[str, int]]) -> list[str]:
    """Return nDCG@10, Recall@10 and empty first pages at this floor."""
    searcher = base.with_settings(base.settings.replace(**{NAME: value}), share_cache=True)
    empty = 0

    def ranked(text: str) -> list[str]:
        nonlocal empty
        _, order = searcher.rank(" ".join(text[:1000].split()))
        empty += not len(order)
        return [searcher.data.articles[int(a)].url for a in order[:10]]

    m = evaluate(ranked, queries, qrels)
    return [f"{m.ndcg:.4f}", f"{m.recall:.4f}", f"{empty} / {len(queries)}"]


def caught(base: Searcher, value: float, fixture: dict[str, list[str]]) -> list[str]:
    """Return, per fixture group, how many searches the floor leaves unanswered."""
    searcher = base.with_settings(base.settings.replace(**{NAME: value}), share_cache=True)
    out = []
    for group in ("gap", "other_unanswered", "answered"):
        none = sum(1 for q in fixture[group] if not len(searcher.rank(q)[1]))
        out.append(f"{none} / {len(fixture[group])}")
    return out


def main() -> None:
    """Print (and with --write, record) the floor's cost and catch, value by value."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-index", type=Path, required=True)
    parser.add_argument("--clinic2-index", type=Path, required=True)
    parser.add_argument("--site-index", type=Path, required=True)
    parser.add_argument("--floors", default="0,0.6,0.65,0.7,0.75")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    floors = [float(v) for v in args.floors.split(",")]
    dev = (searcher_for(args.dev_index), load_queries(DEV / "queries.jsonl"),
           load_qrels(DEV / "qrels.tsv"))
    c2 = (searcher_for(args.clinic2_index), load_queries(ROOT / "corpus/clinic2-queries.jsonl"),
          load_qrels(ROOT / "corpus/clinic2-qrels.tsv"))
    site = searcher_for(args.site_index)
    fixture = json.loads((ROOT / "tests/fixtures/gap_queries.json").read_text("utf-8"))
    rows = [[f"{v:g}" + (" (default)" if v == Settings().search_unknown_words_floor else ""),
             *cost(*dev[:1], v, *dev[1:]), *cost(*c2[:1], v, *c2[1:]), *caught(site, v, fixture)]
            for v in floors]
    default = Settings().search_unknown_words_floor
    lost = [q for q in c2[1].values() if not len(c2[0].rank(q)[1])]
    text = ("## When is a question unanswered? The unknown-words floor (issue 25)\n\n"
            f"`python scripts/bench_answers.py --dev-index {args.dev_index} --clinic2-index "
            f"{args.clinic2_index} --site-index {args.site_index} --floors {args.floors}`; "
            f"`search_unknown_words_share` {Settings().search_unknown_words_share:g}, every "
            f"other setting at its default. 0 switches the floor off.\n\n" + table(
                [NAME, "dev nDCG@10", "dev Recall@10", "dev empty pages", "clinic2 nDCG@10",
                 "clinic2 Recall@10", "clinic2 empty pages", "tailbone searches unanswered",
                 "other uncovered unanswered", "covered searches unanswered"], rows)
            + f"\n\nclinic2 questions left unanswered at the default ({default:g}): "
            + (", ".join(f'"{q}"' for q in lost) or "none")
            + " (its page shows the closest articles labelled weak, not an empty page).")
    print(text)
    if args.write:
        write_section(ROOT / "docs/benchmarks.md", "answers-issue25", text)


if __name__ == "__main__":
    main()
