"""Measure serving, build, inference backends and scale; write docs/benchmarks.md.

Usage: python scripts/bench.py [--only build,backends,serving,scale,quality] [--duration S]

Everything runs on this machine: the sample blog is scraped and built into a temp directory,
`relatedposts serve` (default settings, rate limit on) is started on 127.0.0.1 and
load-tested with a bounded asyncio client (searches from many loopback visitor addresses),
and a 50,000-article synthetic corpus compares exact and HNSW search. Each section's
results go to docs/bench-results.json (so a subset can be re-run) and the "Serving
performance" section of docs/benchmarks.md is rewritten between its markers.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchkit import report
from benchkit.backends import measure_backends, measure_quality
from benchkit.corpus import (
    ROOT,
    build_sample,
    chunk_texts,
    passages,
    rebuild_one_changed,
    unique_queries,
)
from benchkit.scale import measure_scale
from benchkit.serving import measure_serving

from relatedposts.config import Settings
from relatedposts.errors import RelatedPostsError
from relatedposts.indexing import index as idx
from relatedposts.indexing.versions import current_version
from relatedposts.quality.benchdoc import write_section

SECTIONS = ("build", "backends", "serving", "scale", "quality")


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per load-test row")
    p.add_argument("--max-requests", type=int, default=20_000, help="cap per load-test row")
    p.add_argument("--concurrency", default="1,8,32")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--serve-embedders", default="onnx,sentence-transformers")
    p.add_argument("--articles", type=int, default=50_000, help="synthetic corpus size")
    p.add_argument("--chunks-per-article", type=int, default=2)
    p.add_argument("--scale-embedder", default="onnx", help="query embedder for the scale run")
    p.add_argument("--dev-dataset", type=Path,
                   default=Path("../shared/datasets/consumer-health-dev"))
    p.add_argument("--dev-index", type=Path, default=Path("/tmp/dev/idx"))
    p.add_argument("--workdir", type=Path, help="keep work files here (default: a temp dir)")
    p.add_argument("--doc", type=Path, default=ROOT / "docs/benchmarks.md")
    p.add_argument("--results", type=Path, default=ROOT / "docs/bench-results.json")
    return p.parse_args()


def stamp(started: float, load0: float) -> dict[str, object]:
    """Return when and under what machine load a section was measured."""
    return {"command": f"python scripts/bench.py {shlex.join(sys.argv[1:])}".strip(),
            "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "seconds": round(time.perf_counter() - started, 1),
            "loadavg_start": round(load0, 2), "loadavg_end": round(os.getloadavg()[0], 2)}


def section(results: dict, name: str, run, keyed: bool = False) -> None:
    """Run one section, print its time, and store its results (each key's, if keyed) stamped."""
    print(f"== {name}", flush=True)
    t0, load0 = time.perf_counter(), os.getloadavg()[0]
    value = run()
    if keyed:
        results[name] = {k: {**v, **stamp(t0, load0)} for k, v in value.items()}
    else:
        results[name] = {**value, **stamp(t0, load0)}
    print(f"   {name} took {time.perf_counter() - t0:.0f} s", flush=True)


def run_build(work: Path, env: dict[str, str], settings: Settings) -> dict[str, object]:
    """Scrape and build the sample blog; rebuild after one edit; raw model encode rate."""
    from benchkit.backends import encode_rate, make_backend

    built = build_sample(work, env)
    texts = chunk_texts(Path(str(built["version_dir"])))
    raw = encode_rate(make_backend("torch", settings, os.cpu_count() or 1), texts)
    built.update(embedder=settings.embedder, raw_chunks_per_s=raw,
                 batch_size=settings.batch_size,
                 chunks_per_s=round(int(built["chunks"]) / float(built["build_s"]), 1),
                 embed_chunks_per_s=round(int(built["chunks"]) / float(built["embed_s"]), 1),
                 incremental=rebuild_one_changed(env))
    return built


def dev_index(args: argparse.Namespace, work: Path, env: dict[str, str]) -> tuple[Path, str]:
    """Return a dev-set index this code can read: the given one, or one built here."""
    try:
        idx.load(current_version(args.dev_index))
        return args.dev_index, f"`{args.dev_index}` (built with torch)"
    except RelatedPostsError as exc:
        print(f"   {args.dev_index} unusable ({exc.message[:80]}); building one", flush=True)
    from benchkit.cli import run_cli

    dev_env = {**env, "RELATEDPOSTS_CORPUS_DIR": str(work / "dev-articles"),
               "RELATEDPOSTS_INDEX_DIR": str(work / "dev-idx"),
               # the sample blog's editor file pins posts the dev set does not have
               "RELATEDPOSTS_OVERRIDES_FILE": str(work / "dev-overrides.json")}
    run_cli(["import-dataset", str(args.dev_dataset / "articles.jsonl"), "--corpus",
             str(work / "dev-articles")], dev_env)
    run_cli(["build"], dev_env)
    return work / "dev-idx", "rebuilt here with torch from the dev set's articles.jsonl"


def main() -> None:
    """Run the chosen sections and rewrite the report."""
    args = parse_args()
    only = [s for s in args.only.split(",") if s]
    if unknown := set(only) - set(SECTIONS):
        sys.exit(f"unknown sections {sorted(unknown)}: choose from {', '.join(SECTIONS)}")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="relatedposts-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {"HF_HUB_OFFLINE": "1", "RELATEDPOSTS_CORPUS_DIR": str(work / "articles"),
           "RELATEDPOSTS_INDEX_DIR": str(work / "idx"), "RELATEDPOSTS_ONNX_DIR":
           str(work / "onnx"), "RELATEDPOSTS_LOG_FILE": str(work / "rebuild.log")}
    os.environ.update(env)
    old = json.loads(args.results.read_text("utf-8")) if args.results.is_file() else {}
    results: dict = {}
    try:
        run_sections(args, only, work, env, results)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    merged = {**old, **{k: _hide(v, work) for k, v in results.items()}}
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(merged, indent=1), "utf-8")
    write_report(merged, args.doc)
    print(f"wrote {args.doc} and {args.results}")


def run_sections(args: argparse.Namespace, only: list[str], work: Path, env: dict[str, str],
                 results: dict) -> None:
    """Run the sections in dependency order: the sample index first."""
    settings = Settings.from_env()
    t0 = time.perf_counter()
    if set(only) & {"build", "backends", "serving", "scale"}:  # all need the sample index
        section(results, "build", lambda: run_build(work, env, settings))
        version = current_version(work / "idx")
        queries = unique_queries(version, 100, seed=99)
    if "backends" in only:
        section(results, "backends", lambda: measure_backends(
            settings, queries, chunk_texts(version), (1, 2)))
    if "serving" in only:
        section(results, "serving", lambda: run_serving(args, work, env, version), keyed=True)
    if "scale" in only:
        from relatedposts.indexing.embedders import make_embedder

        # One inference thread, as each of 2 workers gets on 2 cores (worker.share_cores).
        scale_settings = settings.replace(embedder=args.scale_embedder, onnx_threads=1)
        section(results, "scale", lambda: measure_scale(
            passages(version), make_embedder(scale_settings), settings, args.articles,
            args.chunks_per_article, queries + unique_queries(version, 100, seed=5)))
    if "quality" in only:
        index_dir, note = dev_index(args, work, env)
        section(results, "quality", lambda: {**measure_quality(
            args.dev_dataset, index_dir, env), "index_note": note})
    if "build" not in only:
        results.pop("build", None)
    print(f"all sections: {time.perf_counter() - t0:.0f} s", flush=True)


def run_serving(args: argparse.Namespace, work: Path, env: dict[str, str],
                version: Path) -> dict[str, dict]:
    """Load-test one server per embedder, with the default settings (rate limit on)."""
    conc = tuple(int(c) for c in args.concurrency.split(","))
    manifest = idx.read_manifest(version)
    out = {}
    for embedder in args.serve_embedders.split(","):
        server_env = {**env, "RELATEDPOSTS_EMBEDDER": embedder}
        out[embedder] = {**measure_serving(
            work / "idx", version, work / f"serve-{embedder}.log", args.workers, args.threads,
            server_env, conc, args.duration, args.max_requests), "embedder": embedder,
            "articles": manifest.articles, "chunks": manifest.chunks,
            "env": f"RELATEDPOSTS_EMBEDDER={embedder}"}
    return out


def _hide(value: object, work: Path) -> object:
    """Replace the temp work directory in recorded strings by $WORK."""
    return json.loads(json.dumps(value).replace(str(work), "$WORK"))


NOTES = """Notes on the setup, which hold whatever the figures of a run:

- Workers split the cores (`relatedposts.web.worker.share_cores`): with 2 workers on 2
  cores each
  runs model inference on one thread and FAISS on one OpenMP thread per call. A query is one
  short vector, so parallel sections gain little, while several OpenMP teams on 2 cores wait on
  each other: on this shared machine a flat search of 100k vectors took 60 ms with two OpenMP
  threads against 14-18 ms with one, and torch with two intra-op threads swung between 9 ms
  and 500 ms per query across runs.
- Memory: a worker of the sentence-transformers backend carries torch and transformers
  (most of its RSS, before any index); the onnx backend never imports them in a serving
  process (the export runs once, in a child process, into `RELATEDPOSTS_ONNX_DIR`), which is
  why it alone meets 500 MB per worker. `RELATEDPOSTS_EMBEDDER=onnx` gives the same vectors
  (cosine > 0.999, same dev-set figures) and is the backend to serve with.
- Repeated searches skip the model (`QueryCache`, `RELATEDPOSTS_QUERY_CACHE_BYTES` per worker)
  and rebuild no snippet (passages are tokenized and stemmed once, snippets cached by query
  stems).
- The load generator runs on the same 2 cores (its share is the "client CPU" column), so
  throughput at 8 and 32 clients is a lower bound for a server with its own cores."""


def write_report(r: dict, doc: Path) -> None:
    """Rewrite our section of the benchmarks document and the plot."""
    parts = ["## Serving performance",
             "Produced by `python scripts/bench.py` (or `make bench`; `--only SECTIONS` "
             "re-runs a subset, keeping the other sections' last figures). The machine has "
             "2 cores and is shared: the load average shown with each section says how busy "
             "it was, and figures measured at a load above 2 are pessimistic."]
    parts += [report.targets_md(r), NOTES]
    for embedder in sorted(r.get("serving", {})):
        parts.append(report.serving_md(r["serving"][embedder]))
    if r.get("serving"):
        parts.append("![latency and throughput by concurrency](bench-latency.png)")
    if "build" in r:
        parts.append(report.build_md(r["build"]))
    if "backends" in r:
        parts.append(report.backends_md(r["backends"]))
    if "quality" in r:
        parts.append(report.quality_md(r["quality"]))
    if "scale" in r:
        parts.append(report.scale_md(r["scale"]))
    write_section(doc, "serving", "\n\n".join(parts))
    if r.get("serving"):
        report.plot(r["serving"], doc.parent / "bench-latency.png")


if __name__ == "__main__":
    main()
