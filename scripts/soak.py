"""Soak test: minutes of mixed search/related load on a real server, across an index swap.

Usage: python scripts/soak.py [--duration 60] [--concurrency 32] [--max-requests 400000]
                              [--workers 2] [--threads 4] [--embedder sentence-transformers]

Everything stays on loopback (127.0.0.0/8) and is bounded in time and request count. The
sample blog is scraped and built into a temp directory; `relatedposts serve --workers N`
serves it with its default settings (the per-visitor search limit on) and an admin token
set. The closed-loop load generator of scripts/benchkit/ alternates /api/search (a new
patient-like query each time, from many loopback visitor addresses, each under the limit)
and /api/related (every article in turn, from 127.0.0.1: lookups are never limited). A tenth
of the way in, one article is edited, a new index version is built (under the load) and POST
/admin/reload answers once it is live; every worker checks CURRENT before each request, so
all of them answer from the new version from then on (read-your-writes, checked request by
request). Any non-200 answer or connection error is an error, and the run fails (exit 1)
unless there are none and the new version went live before the load ended. Requests/s and
latency go to docs/benchmarks.md between <!-- bench:soak:start --> and
<!-- bench:soak:end -->.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from benchkit.corpus import ROOT, article_urls, build_sample, rebuild_one_changed, unique_queries
from benchkit.load import run_load
from benchkit.server import Server

from relatedposts.indexing.versions import current_version
from relatedposts.quality.benchdoc import table, write_section

MAX_DURATION = 900.0  # seconds: a soak is long, never unbounded


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    p.add_argument("--concurrency", type=int, default=32, help="concurrent connections")
    p.add_argument("--max-requests", type=int, default=400_000, help="cap on requests")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--embedder", default="sentence-transformers",
                   help="sentence-transformers, onnx or fake")
    p.add_argument("--doc", type=Path, default=ROOT / "docs/benchmarks.md")
    args = p.parse_args()
    if not 0 < args.duration <= MAX_DURATION or not 0 < args.concurrency <= 256:
        p.error(f"duration must be in (0, {MAX_DURATION:.0f}] s and concurrency in 1..256")
    return args


def url_maker(base: str, version_dir: Path, count: int):
    """Return make_url(i): even i a new search query, odd i the related list of an article."""
    queries = [urllib.parse.quote_plus(q) for q in unique_queries(version_dir, count)]
    urls = [urllib.parse.quote(u, safe="") for u in article_urls(version_dir)]

    def make_url(i: int) -> str:
        if i % 2:
            return f"{base}/api/related?url={urls[(i // 2) % len(urls)]}"
        return f"{base}/api/search?q={queries[(i // 2) % len(queries)]}"

    return make_url


def swap_later(delay: float, env: dict[str, str], base: str, token: str, out: dict) -> None:
    """After delay seconds, build a new version (one article edited) and POST /admin/reload."""
    t0 = time.perf_counter()
    time.sleep(delay)
    out["build"] = rebuild_one_changed(env)
    out["version"] = current_version(Path(env["RELATEDPOSTS_INDEX_DIR"])).name
    request = urllib.request.Request(f"{base}/admin/reload", method="POST",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as resp:
        out["reload_status"] = resp.status
    out["build_at_s"], out["reload_at_s"] = round(delay, 1), round(time.perf_counter() - t0, 1)


def all_workers_on(base: str, version: str, requests: int = 50) -> bool:
    """Return whether every one of `requests` fresh connections (any worker) sees version."""
    for _ in range(requests):
        with urllib.request.urlopen(f"{base}/api/index", timeout=10) as resp:
            if json.load(resp)["version"] != version:
                return False
    return True


def soak(args: argparse.Namespace, work: Path) -> dict:
    """Build the sample index, serve it, load it across a swap; return the figures."""
    token = secrets.token_hex(16)
    env = {"HF_HUB_OFFLINE": "1", "RELATEDPOSTS_EMBEDDER": args.embedder,
           "RELATEDPOSTS_CORPUS_DIR": str(work / "articles"),
           "RELATEDPOSTS_INDEX_DIR": str(work / "idx"),
           "RELATEDPOSTS_LOG_FILE": str(work / "rebuild.log")}
    built = build_sample(work, env)
    version_dir = Path(str(built["version_dir"]))
    server_env = {**env, "RELATEDPOSTS_ADMIN_TOKEN": token}
    server = Server(work / "idx", work / "serve.log", args.workers, args.threads, server_env)
    swap: dict = {}
    try:
        ready_s = server.wait_ready()
        make_url = url_maker(server.base, version_dir, 20_000)
        searches = lambda i: i % 2 == 0  # noqa: E731 - even requests search (url_maker)
        run_load(make_url, args.concurrency, 2.0, 2_000, visitors=searches)  # warm-up
        swapper = threading.Thread(target=swap_later, daemon=True, args=(
            args.duration / 10, env, server.base, token, swap))
        swapper.start()
        result = run_load(make_url, args.concurrency, args.duration, args.max_requests,
                          visitors=searches)
        swapper.join(timeout=120)
        swap["all_workers_on_new"] = all_workers_on(server.base, swap.get("version", "?"))
    finally:
        server.stop()
    return {"load": result, "swap": swap, "ready_s": round(ready_s, 1),
            "articles": built.get("articles"),
            "server": " ".join(server.command).replace(str(work), "$WORK")}


def report(args: argparse.Namespace, r: dict, started: str, load0: float) -> str:
    """Render the soak section of docs/benchmarks.md."""
    load, swap = r["load"], r["swap"]
    cmd = "python scripts/soak.py " + shlex.join(sys.argv[1:])
    row = [load["seconds"], load["concurrency"], load["requests"], load["errors"], load["rps"],
           load["p50_ms"], load["p99_ms"]]
    return "\n\n".join([
        "## Soak: sustained load across an index swap",
        f"_Run `{cmd.strip()}` at {started}; load average {load0:.2f} → "
        f"{os.getloadavg()[0]:.2f} on 2 cores._",
        f"Server: `RELATEDPOSTS_EMBEDDER={args.embedder} {r['server']}` with the default "
        f"settings (search limit on), on the sample blog ({r['articles']} articles), ready in "
        f"{r['ready_s']} s. Load: `scripts/benchkit/load.py`, {args.concurrency} closed-loop "
        "clients on loopback, half `/api/search` (a new query each time, from loopback "
        "visitor addresses, 40 requests per visitor, under the limit), half `/api/related` "
        "(from 127.0.0.1); every answer other than 200 (a 429 included) counts as an error.",
        table(["seconds", "connections", "requests", "errors", "req/s", "p50 ms", "p99 ms"],
              [row]),
        f"Index swap under load: {swap.get('build_at_s', '?')} s in, one article was edited "
        f"and a new version (`{swap.get('version', '?')}`) built; `POST /admin/reload` "
        f"answered {swap.get('reload_status', 'nothing')} at {swap.get('reload_at_s', '?')} s "
        f"of {load['seconds']} s, so the rest of the run was served by the new version (every "
        "worker checks CURRENT before each request); 50 fresh connections after the run all "
        f"saw it: {'yes' if swap.get('all_workers_on_new') else 'NO'}."])


def main() -> None:
    """Run the soak, write its section of docs/benchmarks.md, exit 1 on any error."""
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("soak: terminated"))  # stop the server
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load0 = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="relatedposts-soak-"))
    try:
        result = soak(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load, swap = result["load"], result["swap"]
    print(f"{load['requests']} requests, {load['errors']} errors, {load['rps']} req/s, "
          f"p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms; swap: {swap}", flush=True)
    write_section(args.doc, "soak", report(args, result, started, load0))
    ok = (load["errors"] == 0 and swap.get("reload_status") == 200
          and swap.get("reload_at_s", 1e9) < load["seconds"] and swap["all_workers_on_new"])
    if not ok:
        sys.exit(f"soak failed: first error {load['first_error']!r}, swap {swap}")


if __name__ == "__main__":
    main()
