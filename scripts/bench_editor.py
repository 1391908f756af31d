"""Measure the editor's tools on a built index: content gaps, link suggestions, the draft check.

    PYTHONPATH=src .venv/bin/python scripts/bench_editor.py --index DIR --name NAME
        [--queries queries.jsonl] [--write docs/benchmarks.md]

The query log is the 15 tailbone-pain searches of tests/fixtures/gap_queries.json (a topic
neither the sample blog nor the dev set covers), its other unanswered and answered searches,
plus, with --queries, every question of a labelled set (answered by that site). It prints the
gaps (the searches the live search answers with no article), how many of the 15 are among them
and in how many topics, checks that each link's anchor stands in its sentence, and that a
published article posted as a draft is named among the duplicates;
times each step (the machine's load average is recorded beside the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from relatedposts.config import Settings
from relatedposts.console.draft import check_draft, parse_draft
from relatedposts.indexing.embedders import make_embedder
from relatedposts.live.service import Service
from relatedposts.quality.benchdoc import write_section
from relatedposts.quality.gaps import find_gaps, unanswered
from relatedposts.quality.links import suggest_links

ROOT = Path(__file__).resolve().parent.parent


def log_entries(queries: Path | None) -> tuple[list[dict], list[str]]:
    """Return the query log to analyse and the 15 gap searches in it."""
    fixture = json.loads((ROOT / "tests/fixtures/gap_queries.json").read_text("utf-8"))
    texts = fixture["gap"] + fixture["other_unanswered"] + fixture["answered"]
    if queries:
        texts += [json.loads(line)["text"] for line in queries.read_text("utf-8").splitlines()
                  if line.strip()]
    return [{"query": q, "results": 5} for q in texts], fixture["gap"]


def main() -> None:
    """Run the three checks and print (or record) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--name", required=True, help="the site's name in the report")
    parser.add_argument("--queries", type=Path, help="a labelled set's queries.jsonl")
    parser.add_argument("--write", type=Path, help="record the figures in this benchmarks file")
    args = parser.parse_args()
    settings = Settings(index_dir=args.index, query_log="", event_log="")  # reads, never logs
    embedder = make_embedder(settings)
    service = Service(settings, embedder)
    service.reload()
    data = service.live.data
    entries, wanted = log_entries(args.queries)
    t0 = time.perf_counter()
    gaps = find_gaps(entries, service.live.searcher, settings)  # judged by search's answer
    t_gaps = time.perf_counter() - t0
    ours = [g for g in gaps if set(g.queries) & set(wanted)]
    missed = len(unanswered(wanted, service.live.searcher))
    t0 = time.perf_counter()
    links = suggest_links(data, embedder, settings)
    t_links = time.perf_counter() - t0
    anchored = all(r.anchor in r.sentence for r in links)
    article = data.articles[len(data.articles) // 2]
    t0 = time.perf_counter()
    draft = check_draft(parse_draft({"title": "Draft", "text": article.body},
                                    settings.draft_max_words), data, embedder,
                        settings)
    t_draft = time.perf_counter() - t0
    named = article.url in [d["url"] for d in draft["duplicates"]]
    load = os.getloadavg()[0]
    lines = [f"{args.name}: {len(data.articles)} articles, {len(entries)} searches logged",
             f"gaps: {len(gaps)} topics in {t_gaps:.1f} s; of the {len(wanted)} tailbone "
             f"searches {missed} get no answer from search, in {len(ours)} topic(s)",
             *[f"  - {g.line()}" for g in gaps[:6]],
             f"links: {len(links)} suggestions for {len({r.source_url for r in links})} "
             f"articles in {t_links:.1f} s; every anchor in its sentence: {anchored}",
             f"draft check of a published text in {t_draft:.2f} s; names it among the "
             f"duplicates: {named}", f"(load average {load:.1f})"]
    print("\n".join(lines))
    if args.write:
        command = (f"PYTHONPATH=src .venv/bin/python scripts/bench_editor.py --index INDEX "
                   f"--name '{args.name}'" + (" --queries QUERIES" if args.queries else ""))
        write_section(args.write, f"editor-{args.name.split()[0].lower()}",
                      f"### Editor's tools: {args.name}\n\n`{command}`\n\n```\n"
                      + "\n".join(lines) + "\n```")


if __name__ == "__main__":
    main()
