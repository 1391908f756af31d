"""Slow and idle clients against `relatedposts serve` with its default settings.

Usage: python scripts/bench_slow_clients.py [--seconds 20] [--idle 200] [--drips 16]

Loopback only, bounded in time and count. The sample blog is scraped and built into a temp
directory and served by `relatedposts serve` (defaults: 2 workers x 4 threads, rate limit
on). A normal client (a fresh connection per request: related lists, widget.js, /healthz and
one search in 40) runs alone, then again while IDLE sockets are connected and silent and
DRIPS clients send one header line per second. The figures (requests, failures, p50/p99)
go to docs/benchmarks.md between <!-- bench:slowclients:start --> and its end marker.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shlex
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from benchkit.corpus import ROOT, article_urls, build_sample
from benchkit.load import percentile
from benchkit.server import Server

from relatedposts.quality.benchdoc import table


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=20.0, help="seconds per phase (<= 120)")
    p.add_argument("--idle", type=int, default=200, help="silent sockets (<= 900)")
    p.add_argument("--drips", type=int, default=16, help="slow-drip clients (<= 64)")
    p.add_argument("--doc", type=Path, default=ROOT / "docs/benchmarks.md")
    args = p.parse_args()
    if not (0 < args.seconds <= 120 and 0 <= args.idle <= 900 and 0 <= args.drips <= 64):
        p.error("seconds in (0, 120], idle in 0..900, drips in 0..64")
    return args


def drip(port: int, path: str, stop: threading.Event, done: list[int]) -> None:
    """Send a request one header line per second until stop, then finish it; record status."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
        n = 0
        while not stop.wait(1.0):
            s.sendall(f"X-Drip-{n}: {'x' * 20}\r\n".encode())
            n += 1
        s.sendall(b"Connection: close\r\n\r\n")
        head = s.recv(64)
        done.append(int(head.split()[1]) if head.startswith(b"HTTP/") else 0)


def normal(port: int, paths: list[str], seconds: float,
           source: str = "127.0.0.2") -> dict[str, object]:
    """Request paths in turn on fresh connections from source for seconds; return figures.

    The idle and drip sockets come from 127.0.0.1: connections are capped per address.
    """
    latencies, failures = [], []
    end, i = time.monotonic() + seconds, 0
    while time.monotonic() < end and i < 5000:
        path = paths[i % len(paths)]
        t0 = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                              source_address=(source, 0))
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status != 200:
                failures.append(f"HTTP {resp.status}")
        except OSError as exc:
            failures.append(type(exc).__name__)
        latencies.append((time.perf_counter() - t0) * 1000)
        i += 1
        time.sleep(0.02)
    return {"requests": len(latencies), "failures": len(failures),
            "first_failure": failures[0] if failures else None,
            "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "max_ms": round(max(latencies, default=0.0), 2)}


def under_attack(port: int, paths: list[str], args: argparse.Namespace) -> dict[str, object]:
    """Run the normal client while idle sockets sit silent and drip clients trickle."""
    idle = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(args.idle)]
    stop, done = threading.Event(), []
    drips = [threading.Thread(target=drip, args=(port, paths[0], stop, done))
             for _ in range(args.drips)]
    for t in drips:
        t.start()
    try:
        time.sleep(1.0)
        result = normal(port, paths, args.seconds)
    finally:
        stop.set()
        for t in drips:
            t.join(timeout=30)
        for s in idle:
            s.close()
    return {**result, "drips_answered_200": done.count(200)}


def measure(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """Build the sample index, serve it with the defaults, measure both phases."""
    env = {"HF_HUB_OFFLINE": "1", "RELATEDPOSTS_CORPUS_DIR": str(work / "articles"),
           "RELATEDPOSTS_INDEX_DIR": str(work / "idx"),
           "RELATEDPOSTS_LOG_FILE": str(work / "rebuild.log")}
    built = build_sample(work, env)
    urls = [urllib.parse.quote(u, safe="") for u in article_urls(Path(str(built["version_dir"])))]
    paths = [f"/api/related?url={u}" for u in urls[:8]] + ["/widget.js", "/healthz"]
    paths = [*paths * 4][:39] + ["/api/search?q=sciatica+leg+pain"]
    server = Server(work / "idx", work / "serve.log", 2, 4, env)
    try:
        server.wait_ready()
        port = server.port
        normal(port, paths, 2.0)  # warm-up
        alone = normal(port, paths, args.seconds)
        attacked = under_attack(port, paths, args)
    finally:
        server.stop()
    command = " ".join(server.command).replace(str(work), "$WORK")
    return {"alone": alone, "attacked": attacked, "server": command}


def report(args: argparse.Namespace, r: dict, started: str, load0: float) -> str:
    """Render the section."""
    cmd = "python scripts/bench_slow_clients.py " + shlex.join(sys.argv[1:])
    cols = ["requests", "failures", "p50_ms", "p99_ms", "max_ms"]
    rows = [["alone", *(r["alone"][c] for c in cols)],
            [f"{args.idle} idle + {args.drips} drips", *(r["attacked"][c] for c in cols)]]
    return "\n\n".join([
        "## Slow and idle clients",
        f"_Run `{cmd.strip()}` at {started}; load average {load0:.2f} → "
        f"{os.getloadavg()[0]:.2f} on 2 cores (shared)._",
        f"Server: `{r['server']}` with the default settings (waitress workers, rate limit "
        "on). A normal client opens a fresh connection per request (related lists, widget.js, "
        f"/healthz, one search in 40) for {args.seconds:g} s alone, then for {args.seconds:g} "
        f"s while {args.idle} sockets stay connected and silent and {args.drips} clients "
        "send one header line a second. Before (gunicorn gthread, 2 x 4 threads, issue 12): "
        "8 idle sockets made every request time out for about 10 s.",
        table(["phase", "requests", "failures", "p50 ms", "p99 ms", "max ms"], rows),
        f"The {args.drips} drip requests, completed at the end, answered 200: "
        f"{r['attacked']['drips_answered_200']} of {args.drips}."])


def main() -> None:
    """Measure and write the section of docs/benchmarks.md."""
    from relatedposts.quality.benchdoc import write_section

    args = parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load0 = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="relatedposts-slow-"))
    try:
        result = measure(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(result, flush=True)
    write_section(args.doc, "slowclients", report(args, result, started, load0))


if __name__ == "__main__":
    main()
