"""The embedding model and how it runs: backend, ONNX export and precision, Ray builds.

Read by indexing/embedders/, indexing/raybuild.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from relatedposts.settingspec import setting


@dataclass(frozen=True)
class ModelSettings:
    """The embedding model and how it runs."""

    model: str = setting(
        "", "local sentence-transformers directory; empty: the packaged all-MiniLM-L6-v2")
    # onnx (default): the model on onnxruntime, exported once; a serving process never imports
    # torch. "sentence-transformers" runs it on torch; "fake" is for tests.
    embedder: str = setting("onnx", "`onnx` (exported once, no torch in serving processes), "
                            "`sentence-transformers` (torch, same vectors) or `fake` (tests)",
        choices=("onnx", "sentence-transformers", "fake"))
    batch_size: int = setting(32, "texts embedded per model call", ge=1)
    max_tokens: int = setting(128, "word pieces embedded per passage or query, the rest cut "
                                   "(128: the packaged model's training length; builds "
                                   "1.4-1.6x faster than at 256, no loss on the dev set); 0: "
                                   "the model's own limit", ge=0)
    onnx_dir: Path | None = setting(
        None, "where exported ONNX models are cached (by content hash); empty: INDEX_DIR/onnx")
    onnx_quantize: bool = setting(True, "int8 ONNX model for query embedding (2x faster "
                                        "queries; dev-set figures in docs/benchmarks.md)")
    onnx_build_quantize: bool = setting(True, "build with the int8 ONNX model (one text per "
                                              "core side by side: 0.18x plain sentence-"
                                              "transformers' time; dev-set nDCG@10 0.9105)")
    onnx_int8_graph: str = setting(
        "plain", "the graph the int8 model is quantized from: `plain` (the search defaults "
                 "were tuned on its vectors: dev nDCG@10 0.9105) or `fused` (1.2x faster per "
                 "text, other vectors: 0.9087 with the same defaults)", choices=("plain", "fused"))
    onnx_threads: int = setting(0, "inference threads (onnxruntime or torch); 0 = every core "
                                "(an int8 build embeds one text per core side by side)", ge=0)
    ray_workers: int = setting(0, "build --ray: embedding actors; 0 = as many as CPUs (GPUs)", ge=0)
    ray_cpus_per_worker: float = setting(1.0, "build --ray: CPUs given to each embedding actor",
        gt=0)
    ray_gpus_per_worker: float = setting(0.0, "build --ray: GPUs given to each actor (0: CPU)",
        ge=0)
