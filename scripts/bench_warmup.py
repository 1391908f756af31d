"""The first searches after `serve` starts, with the warm-up on (the default) and off.

Usage:  python scripts/bench_warmup.py --index DIR [--workdir DIR] [--no-write]

Starts `relatedposts serve --workers 2` on the index twice, RELATEDPOSTS_SERVE_WARM_UP=true
then false, and times: start to every worker ready (its "ready in" log line and /healthz),
then each of the first 6 searches (unique dev questions, each on a new connection, so both
workers meet their first one). Writes the "warmup" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_defaults import DATASET, default_env, patient_questions  # noqa: E402
from benchkit.server import Server  # noqa: E402

from relatedposts.indexing.versions import current_version  # noqa: E402
from relatedposts.quality.benchdoc import table, write_section  # noqa: E402

FIRST = 6


def first_searches(port: int, questions: list[str]) -> list[float]:
    """Time each question on a connection of its own; return milliseconds."""
    out = []
    for q in questions:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t0 = time.perf_counter()
        conn.request("GET", "/api/search?q=" + urllib.parse.quote_plus(q))
        resp = conn.getresponse()
        resp.read()
        out.append((time.perf_counter() - t0) * 1000)
        conn.close()
        if resp.status != 200:
            raise RuntimeError(f"search answered {resp.status}")
    return out


def measure(index: Path, work: Path, warm: bool, questions: list[str]) -> list[object]:
    """Start a server with the warm-up on or off; return its table row."""
    env = default_env(index, RELATEDPOSTS_SERVE_WARM_UP=str(warm).lower())
    server = Server(index, work / f"serve-warm-{warm}.log", 2, 4, env)
    try:
        ready = server.wait_ready()
        times = first_searches(server.port, questions)
    finally:
        server.stop()
    return ["on (default)" if warm else "off", f"{ready:.2f}",
            ", ".join(f"{t:.0f}" for t in times), f"{max(times):.0f}"]


def main() -> None:
    """Measure both and write the section."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--workdir", type=Path)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-warmup-"))
    work.mkdir(parents=True, exist_ok=True)
    questions = patient_questions(DATASET, current_version(args.index), 2 * FIRST)
    load0 = os.getloadavg()[0]
    rows = [measure(args.index, work, True, questions[:FIRST]),
            measure(args.index, work, False, questions[FIRST:])]
    load1 = os.getloadavg()[0]
    body = "\n".join([
        "## The first searches after a start, warm-up on and off (issue 26)", "",
        f"`python scripts/bench_warmup.py --index {args.index}` at "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {load0:.2f} → "
        f"{load1:.2f}: `relatedposts serve --workers 2 --threads 4`, every other setting at "
        "its default; ready = start to every worker's \"ready in\" line and /healthz 200; "
        f"then the first {FIRST} searches, each a new dev question on a new connection.", "",
        table(["RELATEDPOSTS_SERVE_WARM_UP", "ready s", "first searches ms", "worst ms"],
              rows)])
    if not args.no_write:
        write_section(ROOT / "docs/benchmarks.md", "warmup", body)
    print(body)


if __name__ == "__main__":
    main()
