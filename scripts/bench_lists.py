"""Issue 25's lists kept as lists: what the format re-embeds, and search quality, per corpus.

Usage: python scripts/bench_lists.py --work DIR --seed dev=IDX --seed clinic2=IDX
                                     --seed site=IDX [--write]

Each corpus (the dev set through import-dataset, clinic2 and the sample blog through scrape)
is built into WORK/<name>-index seeded with the embedding cache of an index built before the
change (--seed), so "embedded" counts the passages whose text the list format changed.
dev and clinic2 are then evaluated on their labelled questions, beside the seed index's own
figures; the sample blog has none, so it shows how far its top 5 moved (clinic2's questions
plus the issue's, on both indexes) and the issue's snippet. --write records the table in
docs/benchmarks.md (section "lists-issue25").
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

from relatedposts.config import Settings  # noqa: E402
from relatedposts.ingest.store import read_corpus  # noqa: E402
from relatedposts.lists import list_items  # noqa: E402
from relatedposts.live.service import Service  # noqa: E402
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


def _evaluate(name: str, index: Path, env: dict[str, str]) -> dict[str, float]:
    """Return nDCG@10, Recall@10 and MRR@10 of an index on its corpus's questions."""
    queries, qrels = QUESTIONS[name]
    _, out = run_cli(["evaluate", "--queries", str(queries), "--qrels", str(qrels),
                      "--index", str(index), "--json"], env)
    return {k: json.loads(out)[k] for k in ("ndcg@10", "recall@10", "mrr@10")}


def _top5(index: Path, questions: list[str]) -> list[list[str]]:
    """Return each question's top 5 URLs on an index (in process)."""
    service = Service(Settings.from_env(index_dir=index))
    service.reload()
    searcher = service.live.searcher
    return [[searcher.data.articles[int(a)].url for a in searcher.rank(q)[1][:5]]
            for q in questions]


def _related(index: Path, env: dict[str, str]) -> str:
    """Return the related lists' P@5, R@5 and coverage on the sample blog's labels."""
    _, out = run_cli(["evaluate-related", "--labels", "corpus/related-labels.json",
                      "--index", str(index), "--json"], env)
    got = json.loads(out)["relatedposts"]
    return f"P@5 {got['precision']:.3f}, R@5 {got['recall']:.3f}, coverage {got['coverage']:.3f}"


def moved(seed: Path, index: Path) -> str:
    """Return how many top-1s stayed and the share of the top 5 kept, seed vs new index."""
    lines = QUESTIONS["clinic2"][0].read_text("utf-8").splitlines()
    questions = [json.loads(line)["text"] for line in lines if line.strip()] + [QUERY]
    before, after = _top5(seed, questions), _top5(index, questions)
    same = sum(a[:1] == b[:1] for a, b in zip(before, after, strict=True))
    kept = sum(len(set(a) & set(b)) for a, b in zip(before, after, strict=True))
    return f"same top 1 {same}/{len(questions)}, top 5 kept {kept / (5 * len(questions)):.3f}"


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
        row.update(_evaluate(name, index, env))
        row["before"] = _evaluate(name, seed, env)
    else:
        row["moved"] = moved(seed, index)
        row["related"] = [_related(i, env) for i in (index, seed)]
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
    os.environ.update(env)  # the in-process searches read the same settings
    load0 = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = [measure(name, Path(seed), args.work, env)
            for name, seed in (s.split("=", 1) for s in args.seed)]
    load1 = " ".join(f"{x:.2f}" for x in os.getloadavg())
    body = table(["corpus", "articles", "chunks", "list paragraphs", "embedded", "reused",
                  "nDCG@10 (before)", "Recall@10 (before)", "MRR@10 (before)"],
                 [[r["corpus"], r["articles"], r["chunks"], r["lists"], r["embedded"],
                   r["reused"], *_quality(r)] for r in rows])
    snippets = [f"- {r['corpus']}: search {r['moved']}; related lists {r['related'][0]} "
                f"(before: {r['related'][1]}); `{QUERY}`, first snippet: {r['snippet']}"
                for r in rows if "snippet" in r]
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


def _quality(row: dict) -> list[str]:
    """Return the three quality cells, each 'after (before)', or dashes."""
    if "before" not in row:
        return ["–"] * 3
    return [f"{row[k]} ({row['before'][k]})" for k in ("ndcg@10", "recall@10", "mrr@10")]


if __name__ == "__main__":
    main()
