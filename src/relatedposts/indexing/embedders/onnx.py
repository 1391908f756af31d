"""The sentence-transformers model on onnxruntime: exported once to ONNX, optionally int8.

The model is exported once (onnx_export.py); loading and running the file needs neither
torch nor sentence-transformers, so a serving process stays small. Mean
pooling over the attention mask and L2 normalization happen here in NumPy, so vectors match
the torch embedder's and an index built with one backend can be served with the other.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from relatedposts.config import Settings
from relatedposts.errors import ModelError
from relatedposts.indexing.embedders.base import model_name
from relatedposts.indexing.embedders.onnx_export import FUSED_INT8, ensure_onnx, fingerprint

__all__ = ["OnnxEmbedder", "ensure_onnx", "fingerprint", "session_options", "transformer_dir"]


class OnnxEmbedder:
    """Tokenize with the model's fast tokenizer, run the ONNX transformer, mean-pool, normalize."""

    def __init__(self, onnx_file: Path, model_dir: Path, name: str, batch_size: int = 32,
                 threads: int = 0, max_tokens: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.onnx_file = Path(onnx_file)
        int8 = "-int8" if self.onnx_file.name.endswith("-int8.onnx") else ""  # fused = plain
        # fp32 fused gives the plain vectors; int8 of the fused graph quantizes other operators
        # than int8 of the plain one (close, not equal): a cache entry of one is not the other's.
        variant = "-fused-int8" if self.onnx_file.name == FUSED_INT8 else int8
        # Dynamic int8 scales activations per tensor: in a batch, a text's vector would depend
        # on its companions and their padding (cosine 0.99 apart). One text per run makes it a
        # function of the text alone (a Ray build equals a local one, a passage embeds as the
        # same query would). Many texts then run side by side, one core each (`lanes`).
        self.batch_size = 1 if int8 else max(1, batch_size)
        cores = threads if threads > 0 else (os.cpu_count() or 1)
        self.lanes = cores if self.batch_size == 1 else 1
        self.session = ort.InferenceSession(
            str(onnx_file), session_options(1 if self.lanes > 1 or cores == 1 else threads),
            providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.max_tokens = token_limit(model_dir, max_tokens)
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.no_padding()  # each length bucket is padded to its own longest text
        self.pad_id = self.tokenizer.token_to_id(_pad_token(model_dir)) or 0
        self.name = name
        self.dim = int(_read_json(model_dir / "config.json")["hidden_size"])
        # Vectors differ by precision and by where texts are cut: the embedding cache must not
        # mix them, while the manifest keeps the model's plain name (any variant serves it).
        self.cache_name = f"{name}{variant}-t{self.max_tokens}"

    @classmethod
    def from_settings(cls, settings: Settings, build: bool = False) -> OnnxEmbedder:
        """Export (once) and load the configured model; `build` picks the build-time precision."""
        model_dir = transformer_dir(Path(settings.model_path()))
        quantize = settings.onnx_build_quantize if build else settings.onnx_quantize
        graph = settings.onnx_int8_graph
        onnx_file = ensure_onnx(model_dir, settings.onnx_cache_dir(), quantize, graph)
        if build and settings.onnx_quantize != quantize:
            # Export the query model too, now: a serving worker's first search then only
            # loads a file instead of waiting on an export.
            ensure_onnx(model_dir, settings.onnx_cache_dir(), settings.onnx_quantize, graph)
        return cls(onnx_file, model_dir, model_name(settings), settings.batch_size,
                   settings.onnx_threads, settings.max_tokens)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches of similar token length into normalized float32 vectors."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        if len(texts) == 1:  # a query: no batch machinery (encode_batch wakes a thread pool)
            return self._encode_batch([self.tokenizer.encode(texts[0]).ids])
        encodings = self.tokenizer.encode_batch(list(texts))
        # Bucketing by length: a batch is padded to its longest text, so sorting first means
        # almost no compute is spent on padding; the order is restored by position.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        batches = [order[start:start + self.batch_size]
                   for start in range(0, len(order), self.batch_size)]
        if self.lanes > 1 and len(batches) > 1:
            # session.run releases the GIL: one single-threaded run per core beats one run
            # spread over the cores (no barrier per operator; 1.9x here on 2 cores under load).
            with ThreadPoolExecutor(min(self.lanes, len(batches))) as pool:
                vectors = pool.map(lambda b: self._encode_batch([encodings[i].ids for i in b]),
                                   batches)
                for batch, vector in zip(batches, vectors, strict=True):
                    out[batch] = vector
            return out
        for batch in batches:
            out[batch] = self._encode_batch([encodings[i].ids for i in batch])
        return out

    def _encode_batch(self, ids: list[list[int]]) -> np.ndarray:
        """Run one padded batch of token ids through the model and mean-pool it."""
        width = max(1, max(len(row) for row in ids))
        input_ids = np.full((len(ids), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for i, row in enumerate(ids):
            input_ids[i, :len(row)] = row
            mask[i, :len(row)] = 1
        arrays = {"input_ids": input_ids, "attention_mask": mask,
                  "token_type_ids": np.zeros_like(input_ids)}
        hidden = self.session.run(None, {k: arrays[k] for k in self.inputs})[0]
        weights = mask.astype(np.float32)[..., None]
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def session_options(threads: int) -> Any:
    """Return onnxruntime options: every graph optimization, `threads` per run (0: cores).

    One thread (a query in a serving worker, or one lane of a build) runs the operators on
    the calling thread: no intra-op pool to wake, and no spinning pool stealing the core the
    rest of the search runs on.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(0, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads == 1:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def transformer_dir(model_path: Path) -> Path:
    """Return the directory of the Transformer module of a sentence-transformers model."""
    if not model_path.is_dir():
        raise ModelError(f"embedding model directory {model_path} not found: set "
                         "RELATEDPOSTS_MODEL to a local sentence-transformers directory")
    modules = model_path / "modules.json"
    sub = ""
    if modules.is_file():
        for module in _read_json(modules):
            if module.get("type", "").endswith("Pooling"):
                _check_pooling(model_path / module.get("path", ""))
            if module.get("type", "").endswith(".Transformer"):
                sub = module.get("path", "")
    return model_path / sub


def max_seq_length(model_dir: Path) -> int:
    """Return the model's max sequence length (sentence-transformers config, else 512)."""
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        return int(_read_json(config).get("max_seq_length") or 512)
    return int(_read_json(model_dir / "config.json").get("max_position_embeddings", 512))


def token_limit(model_dir: Path, max_tokens: int) -> int:
    """Return the word pieces to keep: max_tokens capped by the model's limit (0: the model's)."""
    limit = max_seq_length(model_dir)
    return min(limit, max_tokens) if max_tokens > 0 else limit


def _check_pooling(pooling_dir: Path) -> None:
    """Refuse models whose pooling is not mean-of-tokens: only that is implemented here."""
    config = pooling_dir / "config.json"
    if config.is_file():
        modes = {k for k, v in _read_json(config).items() if k.startswith("pooling_mode") and v}
        if modes and modes != {"pooling_mode_mean_tokens"}:
            raise ModelError(f"the onnx embedder does mean pooling only; the model asks for "
                             f"{sorted(modes)}: use RELATEDPOSTS_EMBEDDER=sentence-transformers")


def _pad_token(model_dir: Path) -> str:
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        path = model_dir / name
        if path.is_file():
            pad = _read_json(path).get("pad_token")
            if isinstance(pad, dict):
                pad = pad.get("content")
            if pad:
                return str(pad)
    return "[PAD]"


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))

