"""Derive related-post labels from a dataset's public metadata, and draw pairs to spot-check.

Usage:  python scripts/derive_related_labels.py [--dataset DIR] [--out FILE]
                                                [--spotcheck N] [--seed S]

Reads DIR/articles.jsonl (titles), DIR/qrels.tsv (graded judgments of patient questions) and
writes {slug: {related slug: grade}} (see relatedposts.quality.related_labels) to --out
(default corpus/related-labels-dev.json). With --spotcheck N it prints N labelled pairs drawn
with --seed (title and opening text of each side) for a person to read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from relatedposts.quality.evaluate import load_qrels  # noqa: E402
from relatedposts.quality.related_labels import co_relevance, derive_labels, same_focus_pairs  # noqa: E402,E501


def read_articles(path: Path) -> dict[str, dict[str, object]]:
    """Return the dataset's articles by id."""
    rows = (json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip())
    return {str(r["id"]): r for r in rows}


def spotcheck(articles: dict[str, dict[str, object]], labels: dict[str, dict[str, int]],
              count: int, seed: int) -> None:
    """Print count seeded labelled pairs with their titles and opening text."""
    pairs = sorted({(a, b) for a, row in labels.items() for b in row if a < b})
    for n, (a, b) in enumerate(random.Random(seed).sample(pairs, min(count, len(pairs))), 1):
        print(f"## {n}. {a} - {b} (grade {labels[a][b]})")
        for slug in (a, b):
            sections = articles[slug].get("sections") or [""]
            opening = " ".join(str(sections[0]).split()[:45])  # type: ignore[index]
            print(f"- {slug} **{articles[slug]['title']}**: {opening} ...")
        print()


def main() -> None:
    """Derive the labels, write them and print their counts (and the spot-check pairs)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path,
                        default=ROOT.parent / "shared/datasets/consumer-health-dev")
    parser.add_argument("--out", type=Path, default=ROOT / "corpus/related-labels-dev.json")
    parser.add_argument("--spotcheck", type=int, default=0)
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()
    articles = read_articles(args.dataset / "articles.jsonl")
    titles = {slug: str(row["title"]) for slug, row in articles.items()}
    qrels = load_qrels(args.dataset / "qrels.tsv")
    labels = derive_labels(titles, qrels)
    args.out.write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n", "utf-8")
    pairs = sum(len(v) for v in labels.values()) // 2
    shared, focus = co_relevance(qrels), same_focus_pairs(titles)
    print(f"wrote {args.out}: {len(labels)} of {len(titles)} articles labelled, {pairs} pairs "
          f"({len(shared)} co-relevant, {len(focus)} same focus, {len(set(shared) & focus)} "
          "both)", file=sys.stderr)
    if args.spotcheck:
        spotcheck(articles, labels, args.spotcheck, args.seed)


if __name__ == "__main__":
    main()
