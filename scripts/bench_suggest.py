"""GET /api/suggest over HTTP: latency of a completion while a patient types.

Usage: python scripts/bench_suggest.py [--dataset DIR] [--workers 1] [--write]

Imports the dev set's 800 articles, builds them (the fake embedder: completions never touch
the model), starts `relatedposts serve` on 127.0.0.1 and types every dev question's first 16
characters one key at a time, one keep-alive connection, one request per key. The suggest
budget is raised, not switched off, so the rate-limit bookkeeping is in the figures. The
first call of a version builds its suggester and is reported apart. --write records the
figures in docs/benchmarks.md (section "suggest-issue25").
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from benchkit.cli import run_cli  # noqa: E402
from benchkit.load import percentile  # noqa: E402
from benchkit.server import Server  # noqa: E402

from relatedposts.quality.benchdoc import table, write_section  # noqa: E402

DEV = Path("/work/shared/datasets/consumer-health-dev")
TYPED = 16  # characters typed per question
COMMAND = "python scripts/bench_suggest.py --write"


def prefixes(dataset: Path) -> list[str]:
    """Return what a typist sends: every question's first TYPED characters, key by key."""
    out = []
    for line in (dataset / "queries.jsonl").read_text("utf-8").splitlines():
        text = json.loads(line)["text"]
        out += [text[:n] for n in range(1, min(TYPED, len(text)) + 1) if text[n - 1] != " "]
    return out


def timed_calls(base: str, typed: list[str]) -> tuple[float, list[float], int]:
    """Return the first call's ms, every later call's ms, and completions returned."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    conn = http.client.HTTPConnection(host or "127.0.0.1", port, timeout=10)
    times, found = [], 0
    for prefix in typed:
        t0 = time.perf_counter()
        conn.request("GET", "/api/suggest?" + urllib.parse.urlencode({"q": prefix}))
        resp = conn.getresponse()
        body = resp.read()
        times.append((time.perf_counter() - t0) * 1000)
        if resp.status != 200:
            raise RuntimeError(f"{resp.status} for {prefix!r}: {body[:200]!r}")
        found += len(json.loads(body)["suggestions"])
    conn.close()
    return times[0], times[1:], found


def main() -> None:
    """Build, serve, type, report."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", type=Path, default=DEV)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--write", action="store_true")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-suggest-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELATEDPOSTS_")}
    env |= {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT / "src"),
            "RELATEDPOSTS_INDEX_DIR": str(work / "idx"),
            "RELATEDPOSTS_CORPUS_DIR": str(work / "articles"), "RELATEDPOSTS_EMBEDDER": "fake",
            "RELATEDPOSTS_SUGGEST_RATE_LIMIT": "1000000/second",
            # the sample blog's editor file pins posts the dev set does not have
            "RELATEDPOSTS_OVERRIDES_FILE": str(work / "overrides.json")}
    run_cli(["import-dataset", str(args.dataset / "articles.jsonl"), "--corpus",
             str(work / "articles")], env)
    run_cli(["build", "--quiet"], env)
    typed = prefixes(args.dataset)
    server = Server(work / "idx", work / "serve.log", args.workers, 4, env)
    try:
        server.wait_ready()
        first, times, found = timed_calls(server.base, typed)
    finally:
        server.stop()
    rows = [["calls", str(len(times))], ["first call (builds the suggester), ms", f"{first:.1f}"],
            *[[f"p{q} ms", f"{percentile(times, q):.2f}"] for q in (50, 90, 99)],
            ["completions per call (mean)", f"{found / (len(times) + 1):.1f}"]]
    body = (f"`{COMMAND}` (workers: {args.workers}; dev set, 800 articles; every question's "
            f"first {TYPED} characters typed key by key over one keep-alive connection to "
            "`serve` on 127.0.0.1; rate-limit bookkeeping on)\n\n"
            + table(["measure", "value"], rows))
    print(body)
    if args.write:
        write_section(ROOT / "docs" / "benchmarks.md", "suggest-issue25",
                      "## Search-as-you-type (issue 25)\n\n" + body)


if __name__ == "__main__":
    main()
