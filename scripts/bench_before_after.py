"""A restructure changes no figure: this checkout beside an earlier revision, in one run.

Runs the repository's own benchmarks twice, once on a git revision (`--ref`, extracted with
`git archive`) and once on this checkout, on the same machine one after the other:
  - scripts/bench_build.py --configs baseline,default: a full build of the dev set from an
    empty cache with each tree's defaults, then `relatedposts evaluate` (nDCG@10, Recall@10,
    MRR@10);
  - scripts/bench_defaults.py on one dev index built with the defaults: search and related p50
    over HTTP with the default settings and with the rate limit off, and every serving
    process's RSS (each tree serves the same index with its own code).
The figures go to the "before-after" section of docs/benchmarks.md, with the command.

Usage: python scripts/bench_before_after.py [--ref REV] [--workdir DIR] [--rss-queries N]
                                            [--no-write]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DATASET = ROOT.parent / "shared/datasets/consumer-health-dev"


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ref", default="8330b32", help="the revision before the change")
    p.add_argument("--workdir", type=Path)
    p.add_argument("--rss-queries", type=int, default=2_000)
    p.add_argument("--latency-requests", type=int, default=2_000)
    p.add_argument("--no-write", action="store_true", help="print, do not touch docs/")
    return p.parse_args()


def extract(ref: str, dest: Path) -> Path:
    """Extract the revision's tree into dest (once) and return it."""
    if not (dest / "src").is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        blob = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True,
                              capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            tar.extractall(dest, filter="data")
    return dest


def last_json(out: str) -> dict:
    """Return the JSON object a benchmark script prints last (it may span many lines)."""
    start = out.rindex("\n{\n") + 1 if "\n{\n" in out else out.index("{")
    return dict(json.loads(out[start:]))


def run_script(tree: Path, script: str, args: list[str]) -> dict:
    """Run one of tree's benchmark scripts with tree's own sources; return its figures."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, str(tree / "scripts" / script), *args, "--no-write"],
                          cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"{tree.name}: {script} failed:\n{proc.stderr[-3000:]}")
    return last_json(proc.stdout)


def build_rows(work: Path, ref: str) -> list[dict]:
    """Build and evaluate the dev set with the old tree's code and with this checkout's."""
    saved = work / "builds.json"  # a later step failing does not cost the builds again
    if saved.is_file():
        return list(json.loads(saved.read_text("utf-8")))
    result = run_script(ROOT, "bench_build.py", ["--configs", "baseline,default",
                                                 "--baseline-ref", ref,
                                                 "--workdir", str(work / "build")])
    saved.write_text(json.dumps(result["rows"]), "utf-8")
    return list(result["rows"])


def serving(tree: Path, name: str, index: Path, work: Path, args: argparse.Namespace) -> dict:
    """Run tree's bench_defaults.py against its own copy of the index (logs land there)."""
    copy = work / f"idx-{name}"
    if not copy.is_dir():
        shutil.copytree(index, copy, symlinks=True)
    return run_script(tree, "bench_defaults.py", [
        "--index", str(copy), "--workdir", str(work / f"serve-{name}"),
        "--dataset", str(DATASET),
        "--rss-queries", str(args.rss_queries),
        "--latency-requests", str(args.latency_requests)])


def render(r: dict) -> str:
    """Render the before/after figures as Markdown with the command."""
    from relatedposts.quality.benchdoc import table

    builds = {row["config"]: row for row in r["builds"]}
    before, after = builds["baseline"], builds["default"]
    quality = [[name, b["ndcg@10"], b["recall@10"], b["mrr@10"], b["build_s"],
                f"{b['load_start']} → {b['load_end']}"]
               for name, b in ((f"before (`{r['ref']}`)", before), ("after (this tree)", after))]
    rows = []
    for name, s in ((f"before (`{r['ref']}`)", r["serve_before"]),
                    ("after (this tree)", r["serve_after"])):
        lim, free = s["default_limit"], s["no_limit"]
        top_rss = max(p["rss_mb"] for p in free["rss"][-1]["processes"])
        rows.append([name, lim["search"]["p50_ms"], lim["related"]["p50_ms"],
                     free["search"]["p50_ms"], free["related"]["p50_ms"], top_rss,
                     f"{s['loadavg_start'][0]} → {s['loadavg_end'][0]}"])
    return "\n\n".join([
        "## Before and after the restructure (issue 21)",
        f"`{r['command']}` at {r['measured_at']}: the same benchmarks on revision `{r['ref']}` "
        "(before) and on this tree (after), one after the other on the shared 2-core machine. "
        "Build: a full dev-set build from an empty cache with each tree's defaults, then "
        "`relatedposts evaluate` on the 279 dev questions.",
        table(["tree", "nDCG@10", "Recall@10", "MRR@10", "build s", "load avg"], quality),
        f"Serving (`scripts/bench_defaults.py --rss-queries {r['rss_queries']}` of each tree on "
        "one dev index built with the defaults; one client, keep-alive; p50 in ms; the "
        "rate-limit-off rows send every request from 127.0.0.1):",
        table(["tree", "search p50, defaults", "related p50, defaults",
               "search p50, limit off", "related p50, limit off",
               f"largest RSS MB after {r['rss_queries']} queries", "load avg"], rows),
    ])


def main() -> None:
    """Run both trees' benchmarks and record them side by side."""
    args = parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="relatedposts-before-after-"))
    old = extract(args.ref, work / "before")
    builds = build_rows(work, args.ref)
    index = work / "build" / "idx-default-0"  # built with this tree's defaults just now
    result = {"command": "python scripts/bench_before_after.py " + " ".join(sys.argv[1:]),
              "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "ref": args.ref, "rss_queries": args.rss_queries, "builds": builds,
              "serve_before": serving(old, "before", index, work, args),
              "serve_after": serving(ROOT, "after", index, work, args)}
    print(json.dumps(result, indent=1))
    if not args.no_write:
        from relatedposts.quality.benchdoc import write_section

        write_section(ROOT / "docs/benchmarks.md", "before-after", render(result))


if __name__ == "__main__":
    main()
