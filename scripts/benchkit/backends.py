"""Inference backends compared: torch, ONNX fp32 and ONNX int8 — speed and search quality."""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchkit.cli import run_cli
from benchkit.load import percentile
from relatedposts.config import Settings
from relatedposts.indexing.embedders import Embedder, make_embedder

BACKENDS = {"torch": {}, "onnx": {"RELATEDPOSTS_EMBEDDER": "onnx"},
            "onnx-int8": {"RELATEDPOSTS_EMBEDDER": "onnx", "RELATEDPOSTS_ONNX_QUANTIZE": "1"}}
_LOADED: dict[str, Embedder] = {}


def make_backend(name: str, settings: Settings, threads: int) -> Embedder:
    """Return the embedder for a backend name, using `threads` intra-op threads."""
    if name == "torch":
        import torch

        torch.set_num_threads(threads)
        if name not in _LOADED:  # the torch model is the same at any thread count
            _LOADED[name] = make_embedder(settings.replace(embedder="sentence-transformers"))
        return _LOADED[name]
    return make_embedder(settings.replace(
        embedder="onnx", onnx_quantize=name == "onnx-int8", onnx_threads=threads))


def query_latency(embedder: Embedder, queries: list[str]) -> dict[str, float]:
    """Embed queries one at a time (as a search does); return p50/p99 in ms."""
    for q in queries[:5]:
        embedder.encode([q])
    ms = []
    for q in queries:
        t0 = time.perf_counter()
        embedder.encode([q])
        ms.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(percentile(ms, 50), 2), "p99_ms": round(percentile(ms, 99), 2)}


def encode_rate(embedder: Embedder, texts: list[str]) -> float:
    """Return texts per second when embedding all texts in batches (the build's raw rate)."""
    t0 = time.perf_counter()
    embedder.encode(texts)
    return round(len(texts) / (time.perf_counter() - t0), 1)


def measure_backends(settings: Settings, queries: list[str], chunk_texts: list[str],
                     threads: tuple[int, ...]) -> dict[str, object]:
    """Per-query latency at each thread count, and the batch encode rate, of each backend."""
    rows = []
    for name in BACKENDS:
        for n in sorted(threads, reverse=True):
            t0 = time.perf_counter()
            embedder = make_backend(name, settings, n)
            row = {"backend": name, "threads": n, "load_s": round(time.perf_counter() - t0, 1),
                   **query_latency(embedder, queries)}
            if n == max(threads):
                row["encode_chunks_per_s"] = encode_rate(embedder, chunk_texts)
            rows.append(row)
    return {"rows": rows, "queries": len(queries), "chunks": len(chunk_texts)}


def measure_quality(dataset: Path, index_dir: Path, env: dict[str, str]) -> dict[str, object]:
    """Run the lead's evaluate harness on the dev set once per backend (query-time embedding)."""
    args = ["evaluate", "--queries", str(dataset / "queries.jsonl"), "--qrels",
            str(dataset / "qrels.tsv"), "--index", str(index_dir), "--json"]
    rows = []
    for name, extra in BACKENDS.items():
        seconds, out = run_cli(args, {**env, **extra})
        row = json.loads(out.strip().splitlines()[-1])
        prefix = " ".join(f"{k}={v}" for k, v in extra.items())
        command = f"{prefix} relatedposts {' '.join(args[:-1])}".strip()
        rows.append({"backend": name, "seconds": round(seconds, 1), "command": command, **row})
    return {"rows": rows}
