"""What a clinic gets without tuning: `relatedposts serve` with default settings, over HTTP.

On an index of the consumer-health dev set (800 articles, built with the defaults unless
--index names one), from 127.0.0.1:

1. Defaults exactly (searches limited to 60/minute per visitor, lookups never limited): a few
   dozen searches per row stay under it; then a burst from this one address shows the limit.
2. The same server settings but RELATEDPOSTS_RATE_LIMIT="" (the only change; every request
   here comes from one address, which a real site's visitors do not): related and search p50
   over thousands of requests, RSS of every serving process after 2,000 unique queries, and
   RSS sampled every 1,000 unique queries up to --rss-queries (default 10,000).

"Unique patient questions": the dev set's own questions first, then 3-7 word windows of the
articles' sentences (never repeated), so every search embeds a new query.

Usage: python scripts/bench_defaults.py [--index DIR] [--workdir DIR] [--rss-queries N]
"""

from __future__ import annotations

import argparse
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

from benchkit.corpus import article_urls, unique_queries  # noqa: E402
from benchkit.load import run_load  # noqa: E402
from benchkit.server import Server  # noqa: E402

from relatedposts.config import Settings  # noqa: E402
from relatedposts.indexing import index as idx  # noqa: E402
from relatedposts.indexing.versions import current_version  # noqa: E402

DATASET = ROOT.parent / "shared/datasets/consumer-health-dev"
RESULTS = ROOT / "docs/bench-defaults.json"


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, help="an index dir built with the defaults")
    p.add_argument("--workdir", type=Path)
    p.add_argument("--dataset", type=Path, default=DATASET)
    p.add_argument("--rss-queries", type=int, default=10_000)
    p.add_argument("--latency-requests", type=int, default=2_000)
    p.add_argument("--no-write", action="store_true")
    return p.parse_args()


def default_env(index_dir: Path, **extra: str) -> dict[str, str]:
    """Return this environment with no RELATEDPOSTS_* setting but the index (and extra)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELATEDPOSTS_")}
    return {**env, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT / "src"),
            "RELATEDPOSTS_INDEX_DIR": str(index_dir), "RELATEDPOSTS_LOG_FILE": "",
            # corpus/overrides.json is the sample blog's editor file: its pins name no dev article
            "RELATEDPOSTS_OVERRIDES_FILE": str(Path(index_dir).parent / "overrides.json"),
            **extra}


def build_default_index(work: Path, dataset: Path) -> Path:
    """Import the dev set and build it with the defaults; return the index dir."""
    import subprocess

    env = default_env(work / "idx", RELATEDPOSTS_CORPUS_DIR=str(work / "articles"))
    for args in (["import-dataset", str(dataset / "articles.jsonl"), "--corpus",
                  str(work / "articles")], ["build", "--quiet"]):
        subprocess.run([sys.executable, "-m", "relatedposts", *args], env=env, check=True)
    return work / "idx"


def processes_rss(server: Server) -> list[dict[str, object]]:
    """Return the RSS (MB) of the gunicorn master and of each worker."""
    import psutil

    master = psutil.Process(server.proc.pid)
    rows = [{"process": "master", "pid": master.pid,
             "rss_mb": round(master.memory_info().rss / 2**20, 1)}]
    rows += [{"process": "worker", **w} for w in server.worker_memory()]
    return rows


def patient_questions(dataset: Path, version: Path, n: int) -> list[str]:
    """Return n distinct queries: the dev questions, then sentence windows of the articles."""
    with open(dataset / "queries.jsonl", encoding="utf-8") as f:
        dev = [json.loads(line)["text"] for line in f]
    seen = dict.fromkeys(q for q in dev)
    for q in unique_queries(version, n + len(seen), seed=14):
        seen.setdefault(q)
    return list(seen)[:n]


class Urls:
    """Endpoint URLs on a server: related by article, search by never-repeated query."""

    def __init__(self, base: str, version: Path, queries: list[str]) -> None:
        self.base = base
        self.articles = [urllib.parse.quote(u, safe="") for u in article_urls(version)]
        self.queries = iter(queries)

    def related(self, i: int) -> str:
        """Return the related URL of the i-th article (cycling)."""
        return f"{self.base}/api/related?url={self.articles[i % len(self.articles)]}"

    def search(self, _: int) -> str:
        """Return a search URL for the next unused query."""
        return f"{self.base}/api/search?q={urllib.parse.quote_plus(next(self.queries))}"


def warm(urls: Urls, workers: int) -> None:
    """Load the model in every worker: a few concurrent first searches (the model is lazy)."""
    run_load(urls.search, 2 * workers, 3.0, 4 * workers)


def with_default_limit(index_dir: Path, version: Path, queries: list[str],
                       work: Path) -> dict[str, object]:
    """Serve with the defaults exactly; stay under the limit, then burst into it."""
    server = Server(index_dir, work / "serve-default.log", 2, 4, default_env(index_dir))
    try:
        ready = server.wait_ready()
        urls = Urls(server.base, version, queries)
        warm(urls, 2)
        related = run_load(urls.related, 1, 60.0, 40)
        search = run_load(urls.search, 1, 60.0, 40)
        burst = run_load(urls.related, 1, 30.0, 400)
        memory = processes_rss(server)
    finally:
        server.stop()
    return {"server_command": "RELATEDPOSTS_INDEX_DIR=$IDX " + " ".join(server.command),
            "ready_s": round(ready, 1), "related": related, "search": search,
            "burst": burst, "memory": memory}


def without_limit(index_dir: Path, version: Path, queries: list[str], work: Path,
                  args: argparse.Namespace) -> dict[str, object]:
    """Serve with the rate limit off; latency rows, RSS after 2,000 and every 1,000 queries."""
    env = default_env(index_dir, RELATEDPOSTS_RATE_LIMIT="")
    server = Server(index_dir, work / "serve-nolimit.log", 2, 4, env)
    rss: list[dict[str, object]] = []
    try:
        ready = server.wait_ready()
        urls = Urls(server.base, version, queries)
        warm(urls, 2)
        related = run_load(urls.related, 1, 60.0, args.latency_requests)
        search = run_load(urls.search, 1, 120.0, args.latency_requests - 8)
        sent = args.latency_requests  # 8 warm-up + the rest, each a new query
        rss.append({"unique_queries": sent, "load": round(os.getloadavg()[0], 2),
                    "processes": processes_rss(server)})
        while sent < args.rss_queries:
            step = min(1_000, args.rss_queries - sent)
            run_load(urls.search, 2, 300.0, step)  # 2 clients: both workers take queries
            sent += step
            rss.append({"unique_queries": sent, "load": round(os.getloadavg()[0], 2),
                        "processes": processes_rss(server)})
            print(f"  {sent} unique queries: {rss[-1]}", flush=True)
    finally:
        server.stop()
    return {"server_command": "RELATEDPOSTS_INDEX_DIR=$IDX RELATEDPOSTS_RATE_LIMIT= "
            + " ".join(server.command), "ready_s": round(ready, 1), "related": related,
            "search": search, "rss": rss}


def main() -> None:
    """Run both servers and record the figures with the load average."""
    args = parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="relatedposts-bench-defaults-"))
    work.mkdir(parents=True, exist_ok=True)
    index_dir = args.index or build_default_index(work, args.dataset)
    version = current_version(index_dir)
    manifest = idx.read_manifest(version)
    queries = patient_questions(args.dataset, version, args.rss_queries + 200)
    load0 = os.getloadavg()
    limited = with_default_limit(index_dir, version, queries[:100], work)
    print(json.dumps({k: limited[k] for k in ("related", "search", "burst")}), flush=True)
    unlimited = without_limit(index_dir, version, queries[100:], work, args)
    result = {"command": "python scripts/bench_defaults.py " + " ".join(sys.argv[1:]),
              "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "loadavg_start": [round(x, 2) for x in load0],
              "loadavg_end": [round(x, 2) for x in os.getloadavg()],
              "articles": manifest.articles, "chunks": manifest.chunks,
              "default_limit": limited, "no_limit": unlimited}
    if not args.no_write:
        RESULTS.write_text(json.dumps(result, indent=1).replace(str(index_dir), "$IDX"),
                           "utf-8")
        write_doc(result)
    print(json.dumps(result, indent=1))


def _row(name: str, r: dict) -> list[object]:
    ok = r["requests"] - r["errors"]
    return [name, r["requests"], ok, r["p50_ms"], r["p90_ms"], r["p99_ms"], r["rps"],
            r["first_error"] or ""]


def _rss(processes: list[dict]) -> str:
    return ", ".join(f"{p['process']} {p['rss_mb']}" for p in processes)


def render(r: dict) -> str:
    """Render a run as Markdown: both servers' latency rows and the RSS samples."""
    from relatedposts.quality.benchdoc import table

    lim, free = r["default_limit"], r["no_limit"]
    heads = ["row", "requests", "answered 200", "p50 ms", "p90 ms", "p99 ms", "req/s",
             "first error"]
    parts = [
        f"`{r['command']}` at {r['measured_at']}; 1/5/15-minute load average "
        f"{r['loadavg_start']} at the start, {r['loadavg_end']} at the end (2 shared cores). "
        f"Index: the dev set, {r['articles']} articles, {r['chunks']} chunks, built with the "
        "defaults. One client on 127.0.0.1, keep-alive, one request at a time.",
        f"**Defaults exactly** (`{lim['server_command']}`; the default rate limit, "
        f"`{Settings().rate_limit}` per visitor for searches as configured in this checkout): "
        "each row stays under it; the burst then sends 400 related lookups from the same "
        "address (429s would show in its columns).",
        table(heads, [_row("/api/related", lim["related"]),
                      _row("/api/search, unique questions", lim["search"]),
                      _row("burst: 400 /api/related", lim["burst"])]),
        f"Processes after it (RSS MB): {_rss(lim['memory'])}.",
        f"**Rate limit off** (`{free['server_command']}`; the only non-default setting, "
        "because every request comes from one address):",
        table(heads, [_row("/api/related", free["related"]),
                      _row("/api/search, unique questions", free["search"])]),
        "RSS (MB) of every serving process by unique queries served (from 2,000 on, two "
        "clients so both workers take queries):",
        table(["unique queries", "load avg", "RSS MB per process"],
              [[s["unique_queries"], s["load"], _rss(s["processes"])] for s in free["rss"]]),
        "![RSS of every serving process by unique queries](bench-defaults-rss.png)",
    ]
    return "\n\n".join(parts)


def plot_rss(r: dict, path: Path) -> None:
    """Draw each serving process's RSS against unique queries served, with the 350 MB bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = r["no_limit"]["rss"]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for i, proc in enumerate(samples[0]["processes"]):
        label = "master" if proc["process"] == "master" else f"worker {i}"
        ax.plot([s["unique_queries"] for s in samples],
                [s["processes"][i]["rss_mb"] for s in samples], marker="o", label=label)
    ax.axhline(350, color="red", linestyle="--", linewidth=1, label="issue 14 bound (350 MB)")
    ax.set_xlabel("unique patient questions served")
    ax.set_ylabel("RSS (MB)")
    ax.set_ylim(0, 400)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"relatedposts serve, default settings, {r['articles']} articles", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_doc(r: dict) -> None:
    """Rewrite the defaults section of docs/benchmarks.md (and its RSS plot)."""
    from relatedposts.quality.benchdoc import write_section

    plot_rss(r, ROOT / "docs/bench-defaults-rss.png")

    write_section(ROOT / "docs/benchmarks.md", "defaults",
                  "## Serving with the default settings (issue 14)\n\n" + render(r))


if __name__ == "__main__":
    main()
