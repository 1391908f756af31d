"""One address holding 2,050 trickling connections against `relatedposts serve` (issue 24).

Usage: python scripts/bench_connection_flood.py [--seconds 30] [--sockets 2050] [--every 25]

Loopback only, bounded in time and count. The sample blog is built into a temp directory and
served with the default settings (2 workers x 4 threads). The attacker, 127.0.0.1, opens
SOCKETS connections, each sending the start of a request head and then one byte every EVERY
seconds, and re-opens each one the server closed at that same pace. A normal client, from
127.0.0.2 (Linux routes all of 127.0.0.0/8 locally), opens a fresh connection per request
(related lists, widget.js, /healthz, one search in 40) for SECONDS. Before issue 24 the
service stopped answering everyone. The figures go to docs/benchmarks.md between
<!-- bench:connflood:start --> and its end marker.
"""

from __future__ import annotations

import argparse
import os
import resource
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

from bench_slow_clients import normal
from benchkit.corpus import ROOT, article_urls, build_sample
from benchkit.server import Server

from relatedposts.quality.benchdoc import table, write_section

HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=30.0, help="normal client's run (<= 120)")
    p.add_argument("--sockets", type=int, default=2050, help="attacker connections (<= 4000)")
    p.add_argument("--every", type=float, default=25.0, help="seconds between trickled bytes")
    p.add_argument("--doc", type=Path, default=ROOT / "docs/benchmarks.md")
    args = p.parse_args()
    if not (0 < args.seconds <= 120 and 0 < args.sockets <= 4000 and args.every > 0):
        p.error("seconds in (0, 120], sockets in 1..4000, every > 0")
    return args


class Attacker:
    """SOCKETS connections from 127.0.0.1, each trickling a byte every EVERY seconds."""

    def __init__(self, port: int, count: int, every: float) -> None:
        self.port, self.every = port, every
        self.socks: list[socket.socket | None] = [None] * count
        self.stop = threading.Event()
        self.opened = self.closed_by_server = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _connect(self, i: int) -> None:
        try:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            s.settimeout(2)
            s.connect(("127.0.0.1", self.port))
            s.sendall(HEAD)
            s.setblocking(False)
            self.socks[i] = s
            self.opened += 1
        except OSError:
            self.socks[i] = None

    def _run(self) -> None:
        for i in range(len(self.socks)):
            if not self.stop.is_set():
                self._connect(i)
        while not self.stop.wait(self.every):
            for i, s in enumerate(self.socks):
                if s is not None and self._trickle(s):
                    continue
                self.closed_by_server += s is not None
                if s is not None:
                    s.close()
                self._connect(i)  # an attacker comes back at once

    @staticmethod
    def _trickle(s: socket.socket) -> bool:
        """Send one more header byte; return False if the server closed the socket."""
        try:
            if s.recv(1) == b"":
                return False
        except BlockingIOError:
            pass  # nothing to read: still open
        except OSError:
            return False
        try:
            s.send(b"X")
        except OSError:
            return False
        return True

    def held(self) -> int:
        """Return how many attacker sockets the server has not closed."""
        alive = 0
        for s in self.socks:
            try:
                alive += s is not None and s.recv(1) != b""
            except BlockingIOError:
                alive += 1
            except OSError:
                pass
        return alive

    def close(self) -> None:
        """Stop trickling and close every socket."""
        self.stop.set()
        self.thread.join(timeout=30)
        for s in self.socks:
            if s is not None:
                s.close()


def measure(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """Build the sample index, serve it with the defaults, flood it, measure the client."""
    env = {"HF_HUB_OFFLINE": "1", "RELATEDPOSTS_CORPUS_DIR": str(work / "articles"),
           "RELATEDPOSTS_INDEX_DIR": str(work / "idx"),
           "RELATEDPOSTS_LOG_FILE": str(work / "rebuild.log")}
    built = build_sample(work, env)
    urls = [urllib.parse.quote(u, safe="") for u in article_urls(Path(str(built["version_dir"])))]
    paths = [f"/api/related?url={u}" for u in urls[:8]] + ["/widget.js", "/healthz"]
    paths = [*paths * 4][:39] + ["/api/search?q=sciatica+leg+pain"]
    server = Server(work / "idx", work / "serve.log", 2, 4, env)
    attacker = None
    try:
        server.wait_ready()
        normal(server.port, paths, 2.0, source="127.0.0.2")  # warm-up
        attacker = Attacker(server.port, args.sockets, args.every)
        t0 = time.monotonic()
        attacker.thread.start()
        while attacker.opened < args.sockets and time.monotonic() - t0 < 30:
            time.sleep(0.1)
        result = normal(server.port, paths, args.seconds, source="127.0.0.2")
        held = attacker.held()
    finally:
        if attacker is not None:
            attacker.close()
        server.stop()
    command = " ".join(server.command).replace(str(work), "$WORK")
    return {**result, "opened": attacker.opened, "held_at_end": held,
            "closed_by_server": attacker.closed_by_server, "server": command}


def report(args: argparse.Namespace, r: dict, started: str, load0: float) -> str:
    """Render the section."""
    cmd = "python scripts/bench_connection_flood.py " + shlex.join(sys.argv[1:])
    cols = ["requests", "failures", "p50_ms", "p99_ms", "max_ms"]
    return "\n\n".join([
        "## One address holding 2,050 trickling connections (issue 24)",
        f"_Run `{cmd.strip()}` at {started}; load average {load0:.2f} → "
        f"{os.getloadavg()[0]:.2f} on 2 cores (shared)._",
        f"Server: `{r['server']}` with the default settings (a cap of "
        "MAX_CONNECTIONS_PER_ADDRESS=32 per worker, HEADER_TIMEOUT_SECONDS=30). The attacker "
        f"(127.0.0.1) opened {r['opened']} connections, each sending the start of a request "
        f"head and then a byte every {args.every:g} s, re-opening any the server closed; "
        f"the normal client (127.0.0.2) ran for {args.seconds:g} s. Before: each worker took "
        "1,000 of those connections and nobody else was served.",
        table(["client", "requests", "failures", "p50 ms", "p99 ms", "max ms"],
              [["normal, under the flood", *(r[c] for c in cols)]]),
        f"Attacker sockets still open at the end: {r['held_at_end']} of {args.sockets} "
        f"(at most two workers x the cap are held at once, and those until the head "
        f"deadline); closed by the server and re-opened: "
        f"{r['closed_by_server']}."])


def main() -> None:
    """Measure and write the section of docs/benchmarks.md."""
    args = parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.sockets + 512
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load0 = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="relatedposts-flood-"))
    try:
        result = measure(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(result, flush=True)
    write_section(args.doc, "connflood", report(args, result, started, load0))


if __name__ == "__main__":
    main()
