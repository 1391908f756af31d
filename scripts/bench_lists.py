"""Issue 25's lists kept as lists: what the format re-embeds, and search quality, per corpus.

Usage: python scripts/bench_lists.py --work DIR --seed dev=IDX --seed clinic2=IDX
                                     --seed site=IDX [--write]

Each corpus (the dev set through import-dataset, clinic2 and the sample blog through scrape)
is built into WORK/<name>-index seeded with the embedding cache of an index built before the
change (--seed), so "embedded" counts the passages whose text the list format changed.
dev and clinic2 are then evaluated on their labelled questions; the sample blog has none, so
it shows the issue's snippet instead. --write records the table in docs/benchmarks.md
(section "lists-issue25").
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
from pathlib import Path

from benchkit.cli import ROOT, run_build, run_cli

sys.path.insert(0, str(ROOT / "src"))

from relatedposts.ingest.store import read_corpus  # noqa: E402
from relatedposts.lists import list_items  # noqa: E402
from relatedposts.quality.benchdoc import table, write_section  # noqa: E402

DEV = Path("/work/shared/datasets/consumer-health-dev")
QUESTIONS = {"dev": (DEV / "queries.jsonl", DEV / "qrels.tsv"),
             "clinic2": (ROOT / "corpus/clinic2-queries.jsonl", ROOT / "corpus/clinic2-qrels.tsv")}
SOURCES = {"clinic2": "corpus/clinic2", "site": "corpus/site"}
QUERY = "I cannot feel my legs and lost bladder control"


def _corpus(name: str, corpus: Path, env: dict[str, str]) -> None:
    """Write the corpus: import the dev set, scrape the sample sites."""
    shutil.rmtree(corpus, ignore_errors=True)
    if name == "dev":
        run_cli(["import-dataset", str(DEV / "articles.jsonl"), "--corpus", str(corpus)], env)
    else:
        run_cli(["scrape", SOURCES[name], "--prune", "--corpus", str(corpus)], env)


def measure(name: str, seed: Path, work: Path, env: dict[str, str]) -> dict[str, object]:
    """Build one corpus on a seeded cache; return its counts and quality figures."""
    corpus, index = work / f"{name}-corpus", work / f"{name}-index"
    _corpus(name, corpus, env)
    shutil.rmtree(index, ignore_errors=True)
    index.mkdir(parents=True)
    for part in ("cache", "onnx"):
        if (seed / part).is_dir():
            shutil.copytree(seed / part, index / part)
    _, report = run_build(env, "--corpus", str(corpus), "--index", str(index), "--force")
    paras = [p for a in read_corpus(corpus) for s in a.sections for p in s.text.split("\n\n")]
    row: dict[str, object] = {
        "corpus": name, "articles": report["articles"], "chunks": report["chunks"],
        "lists": sum(bool(list_items(p)) for p in paras), "embedded": report["embedded"],
        "reused": report["reused"]}
    if name in QUESTIONS:
        queries, qrels = QUESTIONS[name]
        _, out = run_cli(["evaluate", "--queries", str(queries), "--qrels", str(qrels),
                          "--index", str(index), "--json"], env)
        row.update({k: json.loads(out)[k] for k in ("ndcg@10", "recall@10", "mrr@10")})
    else:
        _, out = run_cli(["search", QUERY, "--index", str(index), "--limit", "1", "--json"], env)
        row["snippet"] = json.loads(out)["results"][0]["snippet"]
    return row


def main() -> None:
    """Measure every seeded corpus, print the table, optionally record it."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--seed", action="append", default=[], help="NAME=INDEX_DIR")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    # No time budget: a loaded machine must not turn a slow search into a failed run.
    env = {"HF_HUB_OFFLINE": "1", "RELATEDPOSTS_QUERY_TIMEOUT_SECONDS": "0",
           "RELATEDPOSTS_OVERRIDES_FILE": str(args.work / "no-overrides.json")}
    load0 = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = [measure(name, Path(seed), args.work, env)
            for name, seed in (s.split("=", 1) for s in args.seed)]
    load1 = " ".join(f"{x:.2f}" for x in os.getloadavg())
    body = table(["corpus", "articles", "chunks", "list paragraphs", "embedded", "reused",
                  "nDCG@10", "Recall@10", "MRR@10"],
                 [[r["corpus"], r["articles"], r["chunks"], r["lists"], r["embedded"],
                   r["reused"], r.get("ndcg@10", "–"), r.get("recall@10", "–"),
                   r.get("mrr@10", "–")] for r in rows])
    snippets = [f"- {r['corpus']}, `{QUERY}`: {r['snippet']}" for r in rows if "snippet" in r]
    command = "python scripts/bench_lists.py " + " ".join(sys.argv[1:])
    text = "\n\n".join([
        "## Lists kept as lists (issue 25)",
        f"_Run `{command}` at {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; load "
        f"average {load0} → {load1} on 2 cores._",
        "Each corpus built with the embedding cache of an index built before lists were kept "
        "(--seed): \"embedded\" is what the new format re-embeds, only passages whose text "
        "changed.", body, *snippets])
    print(text)
    if args.write:
        write_section(ROOT / "docs/benchmarks.md", "lists-issue25", text)


if __name__ == "__main__":
    main()
