"""Embedding speed and vector agreement of the ONNX variants on the same passages, in process.

Takes the first --articles dev-set articles (imported into --corpus by `relatedposts
import-dataset`), chunks them as a build does and embeds --texts passages with each ONNX file
of the export cache (plain fp32, fused fp32, int8) at 256 and 128 word pieces, 2 threads,
batch 32. "cos" compares each variant's vectors with plain fp32 at 256 word pieces (which
match torch's to > 0.999). Prints one line per variant with the 1-minute load average.

Usage: python scripts/bench_embed_variants.py --corpus DIR [--onnx-dir DIR] [--texts N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from relatedposts.config import Settings  # noqa: E402
from relatedposts.indexing.chunk import chunk_article  # noqa: E402
from relatedposts.indexing.embedders.onnx import (  # noqa: E402
    OnnxEmbedder,
    ensure_onnx,
    transformer_dir,
)
from relatedposts.ingest.crawl import read_corpus  # noqa: E402


def main() -> None:
    """Embed the same passages with every variant and print speed and agreement."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--onnx-dir", type=Path, default=Path("indexes/onnx"))
    p.add_argument("--articles", type=int, default=60)
    p.add_argument("--texts", type=int, default=400)
    args = p.parse_args()
    settings = Settings(onnx_dir=args.onnx_dir)
    articles = sorted(read_corpus(args.corpus), key=lambda a: a.url)[:args.articles]
    chunks = [c for i, a in enumerate(articles) for c in chunk_article(a, i, 150, 1)]
    texts = [c.embed_text(articles[c.article].title) for c in chunks][:args.texts]
    model_dir = transformer_dir(Path(settings.model_path()))
    fused = ensure_onnx(model_dir, args.onnx_dir, quantize=False)
    int8 = ensure_onnx(model_dir, args.onnx_dir, quantize=True)
    files = {"fp32 plain": fused.with_name("model.onnx"), "fp32 fused": fused, "int8": int8}
    ref = OnnxEmbedder(files["fp32 plain"], model_dir, "ref", 32, 2, 256).encode(texts)
    for name, path in files.items():
        for tokens in (256, 128):
            embedder = OnnxEmbedder(path, model_dir, name, 32, 2, tokens)
            embedder.encode(texts[:32])  # warm-up
            t0 = time.perf_counter()
            vectors = embedder.encode(texts)
            rate = len(texts) / (time.perf_counter() - t0)
            cos = (vectors * ref).sum(axis=1)
            print(f"| {name} | {tokens} | {rate:.1f} | {cos.min():.4f} | {cos.mean():.4f} | "
                  f"{os.getloadavg()[0]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
