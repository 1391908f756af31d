"""Build speed and search quality of the embedding choices, side by side on the dev set.

Each configuration is one `relatedposts build` of the same corpus into a fresh index directory
(empty embedding cache) in a fresh process, then `relatedposts evaluate` on its queries. The
baseline runs the code of a git revision from before issue 14 (`--baseline-ref`, extracted
with `git archive`) with its defaults: torch fp32, 256 word pieces, no global length sort.
Every other row runs this checkout; its ONNX exports are made first, timed apart (they happen
once per model, not per build). The 1-minute load average is recorded beside every row: the
machine is shared, so a row measured under more load is slower for that reason alone.

Usage: python scripts/bench_build.py [--configs NAME,...] [--repeat N] [--workdir DIR]
                                     [--baseline-ref REV] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from relatedposts.config import Settings  # noqa: E402

DATASET = ROOT.parent / "shared/datasets/consumer-health-dev"
RESULTS = ROOT / "docs/bench-build.json"
# name -> (environment on top of the defaults, runs the baseline revision?). Every ONNX row is
# evaluated with fp32 and with int8 query vectors, so query precision is not a configuration.
CONFIGS: dict[str, tuple[dict[str, str], bool]] = {
    "baseline": ({}, True),
    "default": ({}, False),
    "int8-fused": ({"RELATEDPOSTS_ONNX_INT8_GRAPH": "fused"}, False),
    "torch-256": ({"RELATEDPOSTS_EMBEDDER": "sentence-transformers",
                   "RELATEDPOSTS_MAX_TOKENS": "256"}, False),
    "onnx-fp32-256": ({"RELATEDPOSTS_MAX_TOKENS": "256",
                       "RELATEDPOSTS_ONNX_BUILD_QUANTIZE": "0"}, False),
    "onnx-fp32-128": ({"RELATEDPOSTS_MAX_TOKENS": "128",
                       "RELATEDPOSTS_ONNX_BUILD_QUANTIZE": "0"}, False),
    "onnx-int8-256": ({"RELATEDPOSTS_MAX_TOKENS": "256",
                       "RELATEDPOSTS_ONNX_BUILD_QUANTIZE": "1"}, False),
    "onnx-int8-128": ({"RELATEDPOSTS_MAX_TOKENS": "128",
                       "RELATEDPOSTS_ONNX_BUILD_QUANTIZE": "1"}, False),
    "onnx-int8-128-w100": ({"RELATEDPOSTS_MAX_TOKENS": "128", "RELATEDPOSTS_CHUNK_WORDS": "100",
                            "RELATEDPOSTS_ONNX_BUILD_QUANTIZE": "1"}, False),
}


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", default="baseline,default", help=f"from {', '.join(CONFIGS)}")
    p.add_argument("--repeat", type=int, default=1, help="rounds (configurations interleaved)")
    p.add_argument("--dataset", type=Path, default=DATASET)
    p.add_argument("--workdir", type=Path)
    p.add_argument("--baseline-ref", default="d5c295f")
    p.add_argument("--articles", type=int, default=0,
                   help="use only the first N articles (0: all); quality then is not the dev set's")
    p.add_argument("--plain-st", action="store_true",
                   help="after each `default` build, time plain SentenceTransformer.encode on "
                        "its passages (the build-time target is a share of that)")
    p.add_argument("--no-write", action="store_true", help="print, do not touch docs/")
    return p.parse_args()


def run(args: list[str], env: dict[str, str], src: Path) -> tuple[float, str]:
    """Run the CLI of the code in src in a fresh process; return wall seconds and stdout."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "relatedposts", *args], capture_output=True,
                          text=True, env={**env, "PYTHONPATH": str(src)}, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f"relatedposts {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return time.perf_counter() - t0, proc.stdout


def baseline_src(work: Path, ref: str) -> Path:
    """Extract src/ of the baseline revision into work/baseline."""
    target = work / "baseline"
    if not (target / "src").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def clean_env(work: Path) -> dict[str, str]:
    """Return os.environ without RELATEDPOSTS_* (defaults only) plus our work paths."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELATEDPOSTS_")}
    return {**env, "HF_HUB_OFFLINE": "1", "RELATEDPOSTS_CORPUS_DIR": str(work / "articles"),
            "RELATEDPOSTS_ONNX_DIR": str(work / "onnx"), "RELATEDPOSTS_LOG_FILE": "",
            "RELATEDPOSTS_RATE_LIMIT": "",
            # corpus/overrides.json is the sample blog's editor file: its pins name no dev article
            "RELATEDPOSTS_OVERRIDES_FILE": str(work / "overrides.json"),
            # Harness only: a busy shared machine must not turn a slow search into a failure.
            "RELATEDPOSTS_QUERY_TIMEOUT_SECONDS": "0"}


def export_models(env: dict[str, str]) -> dict[str, float]:
    """Export the fp32 and int8 ONNX models once (timed): builds then only load them."""
    from relatedposts.indexing.embedders.onnx import ensure_onnx, transformer_dir

    settings = Settings.from_env(env)
    model_dir = transformer_dir(Path(settings.model_path()))
    out = {}
    for name, quantize in (("fp32", False), ("int8", True)):
        t0 = time.perf_counter()
        path = ensure_onnx(model_dir, settings.onnx_cache_dir(), quantize)
        out[f"{name}_s"] = round(time.perf_counter() - t0, 1)
    # A baseline revision from before the fused int8 file quantizes the plain export: made
    # here too, so no build row pays for an export.
    plain_int8 = path.with_name("model-int8.onnx")
    if not plain_int8.is_file():
        from relatedposts.indexing.embedders.onnx_export import quantize_int8

        quantize_int8(path.with_name("model.onnx"), plain_int8)
    return out


def evaluate(env: dict[str, str], src: Path) -> dict[str, float]:
    """Run `relatedposts evaluate --json` on the dev questions with env; return its figures."""
    _, out = run(["evaluate", "--queries", str(DATASET / "queries.jsonl"), "--qrels",
                  str(DATASET / "qrels.tsv"), "--json"], env, src)
    return dict(json.loads(out.strip().splitlines()[-1]))


def measure(name: str, work: Path, base_env: dict[str, str], src: Path,
            round_no: int) -> dict[str, object]:
    """Build one configuration from an empty cache and evaluate it."""
    extra, _ = CONFIGS[name]
    index = work / f"idx-{name}-{round_no}"
    env = {**base_env, **extra, "RELATEDPOSTS_INDEX_DIR": str(index)}
    load0 = os.getloadavg()[0]
    build_s, out = run(["build", "--quiet"], env, src)
    load1 = os.getloadavg()[0]
    stages = {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+)s[,)]", out)}
    chunks = int(re.search(r"(\d+) chunks,", out).group(1))
    onnx = env.get("RELATEDPOSTS_EMBEDDER", "onnx") == "onnx" and not CONFIGS[name][1]
    if onnx:  # both query precisions; the row's own figures are those of its settings
        runs = {q: evaluate({**env, "RELATEDPOSTS_ONNX_QUANTIZE": q}, src) for q in ("0", "1")}
        quality = runs["1" if Settings.from_env(env).onnx_quantize else "0"]
    else:
        runs = {"0": evaluate(env, src)}
        quality = runs["0"]
    by_query = {q: run["ndcg@10"] for q, run in runs.items()}
    env_text = " ".join(f"{k}={v}" for k, v in extra.items())
    row = {"config": name, "round": round_no, "env": env_text, "build_s": round(build_s, 1),
           "embed_s": stages.get("embed"), "chunks": chunks,
           "chunks_per_s": round(chunks / stages["embed"], 1) if stages.get("embed") else None,
           "load_start": round(load0, 2), "load_end": round(load1, 2),
           "ndcg@10": round(quality["ndcg@10"], 4), "recall@10": round(quality["recall@10"], 4),
           "mrr@10": round(quality["mrr@10"], 4),
           "ndcg@10_fp32_queries": round(by_query["0"], 4),
           "ndcg@10_int8_queries": round(by_query["1"], 4) if "1" in by_query else None}
    print(json.dumps(row), flush=True)
    return row


ST_ENCODE = """
import json, sys, time
from sentence_transformers import SentenceTransformer
texts = json.load(open(sys.argv[2], encoding="utf-8"))
model = SentenceTransformer(sys.argv[1], device="cpu")
model.encode(texts[:32], batch_size=32)  # warm-up: the first call pays for lazy set-up
t0 = time.perf_counter()
model.encode(texts, batch_size=32)
print(json.dumps({"encode_s": time.perf_counter() - t0, "max_seq_length": model.max_seq_length}))
"""


def plain_st(work: Path, env: dict[str, str], index: Path) -> dict[str, object]:
    """Time plain SentenceTransformer.encode (torch fp32, batch 32) on the index's passages.

    The same unique passage texts the build embedded, in a fresh process, the model's own
    settings (its max_seq_length); only encode() is timed, model loading is not.
    """
    from relatedposts.indexing.versions import current_version

    version = current_version(index)
    with open(version / "chunks.jsonl", encoding="utf-8") as f:
        texts = list(dict.fromkeys(json.loads(line)["text"] for line in f))
    path = work / "st-texts.json"
    path.write_text(json.dumps(texts), "utf-8")
    load0 = os.getloadavg()[0]
    proc = subprocess.run([sys.executable, "-c", ST_ENCODE,
                           str(Settings.from_env(env).model_path()), str(path)],
                          capture_output=True, text=True, env=env, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    row = {"config": "plain-sentence-transformers", "texts": len(texts),
           "encode_s": round(out["encode_s"], 1), "max_seq_length": out["max_seq_length"],
           "load_start": round(load0, 2), "load_end": round(os.getloadavg()[0], 2)}
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    """Export once, build every configuration (interleaved rounds), record the figures."""
    args = parse_args()
    names = [n for n in args.configs.split(",") if n]
    if unknown := set(names) - set(CONFIGS):
        sys.exit(f"unknown configurations {sorted(unknown)}")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="relatedposts-bench-build-"))
    work.mkdir(parents=True, exist_ok=True)
    env = clean_env(work)
    if not (work / "articles").is_dir():
        run(["import-dataset", str(args.dataset / "articles.jsonl"), "--corpus",
             str(work / "articles")], env, ROOT / "src")
        if args.articles:  # a smaller site of the same kind: keep the first N records
            for record in sorted((work / "articles").glob("*.json"))[args.articles:]:
                record.unlink()
    exports = export_models(env)
    print(f"exports: {exports}", flush=True)
    rows: list[dict[str, object]] = []
    st_rows: list[dict[str, object]] = []
    for r in range(args.repeat):
        for name in names:
            src = baseline_src(work, args.baseline_ref) if CONFIGS[name][1] else ROOT / "src"
            rows.append(measure(name, work, env, src, r))
            if args.plain_st and name == "default":
                reference = plain_st(work, {**env, "PYTHONPATH": str(ROOT / "src")},
                                     work / f"idx-{name}-{r}")
                reference["build_share"] = round(rows[-1]["build_s"] / reference["encode_s"], 3)
                st_rows.append(reference)
    result = {"command": "python scripts/bench_build.py " + " ".join(sys.argv[1:]),
              "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "baseline_ref": args.baseline_ref, "exports": exports, "rows": rows,
              "plain_st": st_rows}
    if not args.no_write:
        old = json.loads(RESULTS.read_text("utf-8")) if RESULTS.is_file() else {}
        old[",".join(names)] = result
        RESULTS.write_text(json.dumps(old, indent=1), "utf-8")
        write_doc(old)
    print(json.dumps(result, indent=1))


def render(result: dict) -> str:
    """Render one run of this script as a Markdown table with its command."""
    from relatedposts.quality.benchdoc import table

    head = (f"`{result['command']}` at {result['measured_at']} (baseline: revision "
            f"`{result['baseline_ref']}`; one-time ONNX exports {result['exports']['fp32_s']} s "
            f"fp32, {result['exports']['int8_s']} s int8, not in the build times):")
    rows = [[r["config"], f"`{r['env']}`" if r["env"] else "(defaults)", r["build_s"],
             r["embed_s"], r["chunks_per_s"], f"{r['load_start']} → {r['load_end']}",
             r["ndcg@10"], r["recall@10"], r["mrr@10"], r.get("ndcg@10_fp32_queries", ""),
             r.get("ndcg@10_int8_queries") or "—"] for r in result["rows"]]
    st = [[r["texts"], r["max_seq_length"], r["encode_s"], f"{r['load_start']} → {r['load_end']}",
           f"**{r['build_share']}x**"] for r in result.get("plain_st", [])]
    tail = ("\n\nPlain sentence-transformers on the `default` build's passages, right after it "
            "(torch fp32, `SentenceTransformer.encode(texts, batch_size=32)`, the model's own "
            "length limit; encode only, model load not timed). Share = the whole `default` "
            "build, process start to end, over this encode time:\n\n" + table(
                ["unique passages", "max_seq_length", "encode s", "load avg",
                 "default build / plain encode"], st)) if st else ""
    return head + "\n\n" + table(["configuration", "settings", "build s", "embed s",
                                   "chunks/s (embed)", "load avg", "nDCG@10", "Recall@10",
                                   "MRR@10", "nDCG@10 fp32 queries", "nDCG@10 int8 queries"],
                                  rows) + tail


def write_doc(runs: dict) -> None:
    """Rewrite the build-choices section of docs/benchmarks.md from every recorded run."""
    from relatedposts.quality.benchdoc import write_section

    intro = ("## Build speed and quality of the embedding choices (issue 14)\n\n"
             "Dev set (800 articles, 279 questions); every row is a full `relatedposts build` "
             "from an empty embedding cache in a fresh process, then `relatedposts evaluate`. "
             "`baseline` is the code before issue 14 with its defaults (torch fp32, 256 word "
             "pieces). Load average is the 1-minute figure before and after the build on the "
             "shared 2-core machine.")
    parts = [intro] + [render(r) for r in runs.values()]
    write_section(ROOT / "docs/benchmarks.md", "build-choices", "\n\n".join(parts))


if __name__ == "__main__":
    main()
