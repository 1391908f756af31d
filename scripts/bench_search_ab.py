"""Search latency of two trees side by side over HTTP: a git revision's code against this one's.

Both are served at once with the same settings as bench_defaults' rate-limit-off row (the
defaults, RELATEDPOSTS_RATE_LIMIT=""), on the same index, each on one keep-alive connection;
each unique question goes to one server and then the other, the order alternating every
pair. On a shared machine whose load drifts between runs, one run's p50 against another's
says little; paired requests a few milliseconds apart see the same load. The answers are
compared too: both trees must send the same bytes.

Usage: python scripts/bench_search_ab.py --index DIR [--before-ref REV] [--requests N]
       [--workdir DIR] [--no-write]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
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


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, required=True, help="an index dir built with the defaults")
    p.add_argument("--before-ref", default="main", help="the git revision to compare against")
    p.add_argument("--requests", type=int, default=1992, help="unique questions to each server")
    p.add_argument("--workdir", type=Path)
    p.add_argument("--dataset", type=Path, default=DATASET)
    p.add_argument("--no-write", action="store_true")
    return p.parse_args()


def extract(ref: str, target: Path) -> Path:
    """Write the src/ of git revision ref under target; return that src directory."""
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


class Client:
    """One keep-alive connection to a server, timing each search."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.ms: list[float] = []

    def search(self, query: str, timed: bool = True) -> bytes:
        """Send one search; return the body (raise unless 200)."""
        t0 = time.perf_counter()
        self.conn.request("GET", "/api/search?q=" + urllib.parse.quote_plus(query))
        resp = self.conn.getresponse()
        body = resp.read()
        if timed:
            self.ms.append((time.perf_counter() - t0) * 1e3)
        if resp.status != 200:
            raise RuntimeError(f"search answered {resp.status}: {body[:200]!r}")
        return body


def figures(ms: list[float]) -> dict[str, float]:
    """Return p50, p90, p99 and the mean of timings in ms."""
    cut = sorted(ms)
    return {"p50": round(statistics.median(ms), 2), "p90": round(cut[int(0.9 * len(cut))], 2),
            "p99": round(cut[int(0.99 * len(cut))], 2), "mean": round(statistics.mean(ms), 2)}


def run(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """Serve both trees, send each question to both in turn; return the figures."""
    srcs = {"before": extract(args.before_ref, work / "before"), "after": ROOT / "src"}
    version = current_version(args.index)
    queries = iter(patient_questions(args.dataset, version, args.requests + 120)[100:])
    servers = {name: Server(args.index, work / f"serve-{name}.log", 2, 4, default_env(
        args.index, RELATEDPOSTS_RATE_LIMIT="", PYTHONPATH=str(src),
        RELATEDPOSTS_QUERY_LOG=str(work / f"queries-{name}.sqlite3")))
        for name, src in srcs.items()}
    try:
        for server in servers.values():
            server.wait_ready()
        clients = {name: Client(s.port) for name, s in servers.items()}
        for query in [next(queries) for _ in range(8)]:  # the model loads at a first search
            for client in clients.values():
                client.search(query, timed=False)
        load0, same = os.getloadavg(), 0
        for i in range(args.requests):
            query = next(queries)
            order = ["before", "after"] if i % 2 == 0 else ["after", "before"]
            bodies = {name: clients[name].search(query) for name in order}
            same += bodies["before"] == bodies["after"]
    finally:
        for server in servers.values():
            server.stop()
    diffs = [b - a for b, a in zip(clients["before"].ms, clients["after"].ms, strict=True)]
    return {"command": "python scripts/bench_search_ab.py " + " ".join(sys.argv[1:]),
            "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "before_ref": args.before_ref, "after_ref": _head(),
            "loadavg_start": [round(x, 2) for x in load0],
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "requests": args.requests, "identical": same,
            "before": figures(clients["before"].ms), "after": figures(clients["after"].ms),
            "paired_median_gain_ms": round(statistics.median(diffs), 2)}


def _head() -> str:
    """Return this checkout's branch and short revision (uncommitted changes included)."""
    def git(*cmd: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *cmd], capture_output=True,
                              text=True, check=False).stdout.strip()

    dirty = " + uncommitted changes" if git("status", "--porcelain", "src") else ""
    branch, rev = git("rev-parse", "--abbrev-ref", "HEAD"), git("rev-parse", "--short", "HEAD")
    return f"{branch} {rev}{dirty}"


def render(r: dict) -> str:
    """Render a run as Markdown."""
    from relatedposts.quality.benchdoc import table

    rows = [[f"before (`{r['before_ref']}`)", *r["before"].values()],
            [f"after (`{r['after_ref']}`)", *r["after"].values()]]
    return "\n\n".join([
        f"`{r['command']}` at {r['measured_at']}; 1/5/15-minute load average "
        f"{r['loadavg_start']} at the start, {r['loadavg_end']} at the end (2 shared cores). "
        "Both trees served at once with the defaults and `RELATEDPOSTS_RATE_LIMIT=` (2 workers, "
        f"4 threads each), the same index; {r['requests']} unique questions (the dev set's, then "
        "sentence windows), each sent to one server and then the other on a keep-alive "
        "connection, the order alternating (Python's http.client, so the absolute figures "
        "are a little above bench_defaults' aiohttp ones). The search limit is off because "
        "every request comes from one address: the default `60/minute` would answer the 61st "
        "with 429. The default itself is measured by bench_defaults' \"Defaults exactly\" row "
        "(section `defaults`: 40 searches under the limit).",
        table(["tree", "p50 ms", "p90 ms", "p99 ms", "mean ms"], rows),
        f"Paired: the median of (before - after) over the same questions is "
        f"**{r['paired_median_gain_ms']} ms**; {r['identical']} of {r['requests']} answers were "
        "byte-identical.",
    ])


def main() -> None:
    """Measure, print, and (unless --no-write) write the section of docs/benchmarks.md."""
    args = parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="relatedposts-bench-ab-"))
    work.mkdir(parents=True, exist_ok=True)
    result = run(args, work)
    print(result)
    if not args.no_write:
        from relatedposts.quality.benchdoc import write_section

        write_section(ROOT / "docs/benchmarks.md", "search-ab",
                      "## Search latency side by side (issue 26)\n\n" + render(result))


if __name__ == "__main__":
    main()
