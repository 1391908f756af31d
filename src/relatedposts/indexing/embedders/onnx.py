"""The sentence-transformers model on onnxruntime: exported once to ONNX, optionally int8.

The transformer of a local sentence-transformers directory is exported with torch.onnx
(dynamic batch and sequence axes), in a child process, into Settings.onnx_cache_dir(), keyed
by a hash of the model files' contents; loading and running the file needs neither torch nor
sentence-transformers, so a serving process stays small. Mean
pooling over the attention mask and L2 normalization happen here in NumPy, so vectors match
the torch embedder's and an index built with one backend can be served with the other.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from relatedposts.config import Settings
from relatedposts.errors import ModelError
from relatedposts.indexing.embedders.base import model_name
from relatedposts.indexing.embedders.exportdeps import require_export_libraries
from relatedposts.indexing.embedders.onnx_fuse import FAILED as FUSE_FAILED
from relatedposts.indexing.embedders.onnx_fuse import fuse

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


class OnnxEmbedder:
    """Tokenize with the model's fast tokenizer, run the ONNX transformer, mean-pool, normalize."""

    def __init__(self, onnx_file: Path, model_dir: Path, name: str, batch_size: int = 32,
                 threads: int = 0, max_tokens: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(0, threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(onnx_file), options,
                                            providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.max_tokens = token_limit(model_dir, max_tokens)
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.no_padding()  # each length bucket is padded to its own longest text
        self.pad_id = self.tokenizer.token_to_id(_pad_token(model_dir)) or 0
        self.name = name
        self.dim = int(_read_json(model_dir / "config.json")["hidden_size"])
        self.onnx_file = Path(onnx_file)
        int8 = "-int8" if self.onnx_file.name.endswith("-int8.onnx") else ""  # fused = plain
        # Dynamic int8 scales activations per tensor: in a batch, a text's vector would depend
        # on its companions and their padding (cosine 0.99 apart). One text per run makes it a
        # function of the text alone (a Ray build equals a local one, a passage embeds as the
        # same query would) for about a sixth of the build's throughput.
        self.batch_size = 1 if int8 else max(1, batch_size)
        # Vectors differ by precision and by where texts are cut: the embedding cache must not
        # mix them, while the manifest keeps the model's plain name (any variant serves it).
        self.cache_name = f"{name}{int8}-t{self.max_tokens}"

    @classmethod
    def from_settings(cls, settings: Settings, build: bool = False) -> OnnxEmbedder:
        """Export (once) and load the configured model; `build` picks the build-time precision."""
        model_dir = transformer_dir(Path(settings.model_path()))
        quantize = settings.onnx_build_quantize if build else settings.onnx_quantize
        onnx_file = ensure_onnx(model_dir, settings.onnx_cache_dir(), quantize)
        if build and settings.onnx_quantize != quantize:
            # Export the query model too, now: a serving worker's first search then only
            # loads a file instead of waiting on an export.
            ensure_onnx(model_dir, settings.onnx_cache_dir(), settings.onnx_quantize)
        return cls(onnx_file, model_dir, model_name(settings), settings.batch_size,
                   settings.onnx_threads, settings.max_tokens)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches of similar token length into normalized float32 vectors."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        # Bucketing by length: a batch is padded to its longest text, so sorting first means
        # almost no compute is spent on padding; the order is restored by position.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
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


def ensure_onnx(model_dir: Path, cache_dir: Path, quantize: bool) -> Path:
    """Return the cached ONNX file for the model, exporting (fusing, quantizing) it if new.

    fp32 serves the fused graph (onnx_fuse.py) when fusion worked for this model, else the
    plain export; int8 is quantized from the plain export.
    """
    target_dir = cache_dir / f"{model_dir.resolve().name}-{fingerprint(model_dir)}"
    raw, fused = target_dir / "model.onnx", target_dir / "model-fused.onnx"
    int8 = target_dir / "model-int8.onnx"
    wanted = int8 if quantize else fused
    if wanted.is_file():
        return wanted
    if not quantize and raw.is_file() and (target_dir / FUSE_FAILED).is_file():
        return raw
    target_dir.mkdir(parents=True, exist_ok=True)
    with _locked(target_dir / ".lock"):
        if not wanted.is_file():
            if not raw.is_file():
                require_export_libraries()  # before a child's traceback can say it worse
            _convert_in_child(model_dir, raw, int8 if quantize else None,
                              None if quantize else fused)
    return wanted if wanted.is_file() else raw


def convert(model_dir: Path, fp32: Path, int8: Path | None, fused: Path | None = None) -> None:
    """Export the model to fp32 ONNX unless done, then quantize and/or fuse it as asked."""
    if not fp32.is_file():
        export_onnx(model_dir, fp32)
    if int8 is not None and not int8.is_file():
        quantize_int8(fp32, int8)
    if fused is not None and not fused.is_file():
        fuse(fp32, fused, model_dir)


def _convert_in_child(model_dir: Path, fp32: Path, int8: Path | None,
                      fused: Path | None) -> None:
    """Run convert() in a child process, so torch never loads into a serving process."""
    code = ("import sys; from pathlib import Path; "
            "from relatedposts.indexing.embedders.onnx import convert; "
            "p = [Path(a) if a else None for a in sys.argv[1:]]; convert(*p)")
    # The child must import this same relatedposts, not whichever one its path finds first.
    package_root = str(Path(__file__).resolve().parents[3])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, "-c", code, str(model_dir), str(fp32),
                           str(int8 or ""), str(fused or "")], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": path})
    if proc.returncode != 0:
        raise ModelError(f"cannot export the model to ONNX: {proc.stderr.strip()[-500:]}")


def export_onnx(model_dir: Path, target: Path) -> None:
    """Export the transformer to ONNX with dynamic batch and sequence axes (needs torch)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir)).eval()
    names = [n for n in INPUTS if n != "token_type_ids" or model.config.type_vocab_size > 0]
    wrapper = _keyword_wrapper(model, names)
    dummy = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, dummy, str(tmp), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)
    os.replace(tmp, target)


def quantize_int8(source: Path, target: Path) -> None:
    """Write an int8 dynamically quantized copy of an ONNX model (per-channel weights)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # Per-tensor int8 drifts badly on some inputs here (cosine 0.68); per-channel keeps > 0.97.
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    os.replace(tmp, target)


def fingerprint(model_dir: Path) -> str:
    """Return a short sha256 of the model files' contents (names included).

    Content, not modification times: a copied or re-installed model reuses its export, and a
    changed weight file never serves a stale one. Hashed once per process and file state.
    """
    files = tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns)
                  for f in sorted(model_dir.iterdir()) if f.is_file())
    return _content_hash(str(model_dir.resolve()), files)


@functools.lru_cache(maxsize=16)
def _content_hash(model_dir: str, files: tuple[tuple[str, int, int], ...]) -> str:
    """Hash the contents of the listed files (the listing's stamps only key this memo)."""
    h = hashlib.sha256()
    for name, _size, _mtime in files:
        h.update(f"{name}\0".encode())
        with open(Path(model_dir) / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]


def _keyword_wrapper(model: Any, names: list[str]) -> Any:
    """Wrap the transformer so positional ONNX inputs reach it as keyword arguments."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, tensors, strict=True))).last_hidden_state

    return LastHiddenState()


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


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive file lock: two workers starting together export only once."""
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))
