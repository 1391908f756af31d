"""The first searches after `serve` starts, with the warm-up on (the default) and off.

Usage:  python scripts/bench_warmup.py --index DIR [--sites DIR ...] [--workdir DIR] [--no-write]

Starts `relatedposts serve --workers 2` on the index twice, RELATEDPOSTS_SERVE_WARM_UP=true
then false, and times: start to every worker ready (its "ready in" log line and /healthz),
then each of the first 6 searches (unique dev questions, each on a new connection, so both
workers meet their first one). With --sites, the same again with a sites file naming those
indexes (the first search of each site, ?site=NAME), where the warm-up loads only the model.
Writes the "warmup" section of docs/benchmarks.md.
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
PREFIXES = ["sci", "kne", "hea", "bac"]  # first keystrokes, one connection each


def timed_get(port: int, path: str) -> tuple[float, int]:
    """GET path on a connection of its own; return its milliseconds and status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    ms = (time.perf_counter() - t0) * 1000
    conn.close()
    return ms, resp.status


def first_suggests(port: int, prefixes: list[str], site: str = "") -> str:
    """Time search-as-you-type's first completions, a connection each; return them in ms."""
    return ", ".join(f"{timed_get(port, f'/api/suggest?{site}q={p}')[0]:.0f}" for p in prefixes)


def first_searches(port: int, questions: list[str], sites: list[str] | None = None
                   ) -> list[tuple[float, int]]:
    """Time each question on a connection of its own (site by site); return milliseconds."""
    out = []
    for i, q in enumerate(questions):
        site = f"site={sites[i % len(sites)]}&" if sites else ""
        ms, status = timed_get(port, f"/api/search?{site}q=" + urllib.parse.quote_plus(q))
        # A search over its time budget answers 503: that is a finding, not a failed run.
        if status not in (200, 503):
            raise RuntimeError(f"search answered {status}")
        out.append((ms, status))
    return out


def shown(times: list[tuple[float, int]]) -> list[str]:
    """Format the first searches: milliseconds, and the status where it was not 200."""
    return [", ".join(f"{t:.0f}" + ("" if code == 200 else f" ({code})") for t, code in times),
            f"{max(t for t, _ in times):.0f}"]


def run(index: Path, log: Path, env: dict[str, str], questions: list[str],
        sites: list[str] | None = None) -> list[str]:
    """Start a server, time its readiness, first completions and searches; return the cells."""
    server = Server(index, log, 2, 4, env)
    try:
        ready = server.wait_ready()
        suggests = first_suggests(server.port, PREFIXES, f"site={sites[0]}&" if sites else "")
        times = first_searches(server.port, questions, sites)
    finally:
        server.stop()
    return [f"{ready:.2f}", suggests, *shown(times)]


def measure(index: Path, work: Path, warm: bool, questions: list[str]) -> list[object]:
    """Start a server with the warm-up on or off; return its table row."""
    env = default_env(index, RELATEDPOSTS_SERVE_WARM_UP=str(warm).lower())
    return ["on (default)" if warm else "off",
            *run(index, work / f"serve-warm-{warm}.log", env, questions)]


def sites_file(work: Path, indexes: list[Path]) -> tuple[Path, list[str]]:
    """Write a sites file naming each index (site0, site1, ...); return it and the names."""
    names = [f"site{i}" for i in range(len(indexes))]
    lines = []
    for name, index in zip(names, indexes, strict=True):
        lines += [f"[sites.{name}]", f'source = "https://{name}.example/sitemap.xml"',
                  f'origins = ["https://{name}.example"]', f'index = "{index.resolve()}"',
                  f'corpus = "{(work / name).resolve()}"', ""]
    path = work / "sites.toml"
    path.write_text("\n".join(lines), "utf-8")
    return path, names


def measure_sites(work: Path, indexes: list[Path], warm: bool, questions: list[str],
                  base: Path | None = None) -> tuple[list[object], Path]:
    """Start a server of a sites file with the warm-up on or off; return its row and base.

    base: the base index directory of an earlier run (its shared export made: a restart).
    """
    path, names = sites_file(work, indexes)
    again = base is not None
    # A fresh base directory: its onnx/ cache is empty, as for sites built before the builds
    # shared the service's export (each exported into its own index directory).
    base = base or Path(tempfile.mkdtemp(prefix=f"sites-warm-{warm}-", dir=work))
    env = default_env(base, RELATEDPOSTS_SITES_FILE=str(path),
                      RELATEDPOSTS_SERVE_WARM_UP=str(warm).lower())
    cells = run(base, work / f"serve-sites-warm-{warm}-{again}.log", env, questions, names)
    when = "restart, export made" if again else "first start"
    return [f"{'on (default)' if warm else 'off'}, sites file of {len(names)}, {when}",
            *cells], base


def main() -> None:
    """Measure both and write the section."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--sites", type=Path, nargs="*", default=[],
                   help="also measure a sites file naming these indexes")
    p.add_argument("--workdir", type=Path)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-warmup-"))
    work.mkdir(parents=True, exist_ok=True)
    questions = patient_questions(DATASET, current_version(args.index), 2 * FIRST)
    load0 = os.getloadavg()[0]
    rows = [measure(args.index, work, True, questions[:FIRST]),
            measure(args.index, work, False, questions[FIRST:])]
    if args.sites:
        first, base = measure_sites(work, args.sites, True, questions[:FIRST])
        rows += [first, measure_sites(work, args.sites, True, questions[FIRST:], base)[0],
                 measure_sites(work, args.sites, False, questions[FIRST:])[0]]
    load1 = os.getloadavg()[0]
    body = "\n".join([
        "## The first searches after a start, warm-up on and off (issue 26)", "",
        f"`python scripts/bench_warmup.py --index {args.index}"
        + "".join(f" {x}" for x in (["--sites"] if args.sites else []) + args.sites)
        + "` at "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {load0:.2f} → "
        f"{load1:.2f}: `relatedposts serve --workers 2 --threads 4`, every other setting at "
        "its default; ready = start to every worker's \"ready in\" line and /healthz 200; "
        f"then {len(PREFIXES)} first keystrokes of search-as-you-type "
        f"({', '.join(PREFIXES)}), then the first {FIRST} searches, each a new dev question "
        "on a new connection"
        + (" (with the sites file, the sites in turn: each site's first searches; a new "
           "base index directory each, so the shared model's ONNX export, about 9 s, is "
           "still to make: the case of sites built before their builds shared that export, "
           "or of a cleared cache)" if args.sites else "") + ".", "",
        table(["RELATEDPOSTS_SERVE_WARM_UP", "ready s", "first completions ms (/api/suggest)",
               "first searches ms", "worst search ms"],
              rows)])
    if not args.no_write:
        write_section(ROOT / "docs/benchmarks.md", "warmup", body)
    print(body)


if __name__ == "__main__":
    main()
