"""Exporting the sentence-transformers model to ONNX once: plain, fused and int8 files.

The transformer of a local sentence-transformers directory is exported with torch.onnx
(dynamic batch and sequence axes), in a child process so torch never loads into a serving
process, into Settings.onnx_cache_dir(), keyed by a hash of the model files' contents. The
plain export is fused (onnx_fuse.py) and the fused graph quantized to int8 (dynamic,
per-channel weights); every step writes a temporary file renamed into place, under a file
lock, so two workers starting together export once and nobody reads half a file.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from relatedposts.errors import ModelError
from relatedposts.indexing.embedders.exportdeps import require_export_libraries
from relatedposts.indexing.embedders.onnx_fuse import FAILED as FUSE_FAILED
from relatedposts.indexing.embedders.onnx_fuse import fuse

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
FUSED_INT8 = "model-fused-int8.onnx"
OPSET = 17


def ensure_onnx(model_dir: Path, cache_dir: Path, quantize: bool,
                int8_graph: str = "plain") -> Path:
    """Return the cached ONNX file for the model, exporting (fusing, quantizing) it if new.

    fp32 serves the fused graph (onnx_fuse.py) when fusion worked for this model, else the
    plain export. int8 is quantized from the plain graph (model-int8.onnx) or, with
    int8_graph "fused", from the fused one (model-fused-int8.onnx: 1.2x faster per text here,
    but other vectors: the search defaults were tuned on the plain one's, see
    `onnx_int8_graph`).
    """
    target_dir = cache_dir / f"{model_dir.resolve().name}-{fingerprint(model_dir)}"
    fused_int8 = int8_graph == "fused"
    ready = _served(target_dir, quantize, fused_int8)
    if ready.is_file():
        return ready
    target_dir.mkdir(parents=True, exist_ok=True)
    with _locked(target_dir / ".lock"):
        raw = target_dir / "model.onnx"
        if not _served(target_dir, quantize, fused_int8).is_file():
            if not raw.is_file():
                require_export_libraries()  # before a child's traceback can say it worse
            _convert_in_child(model_dir, raw, target_dir / "model-int8.onnx" if quantize
                              else None, target_dir / "model-fused.onnx", fused_int8)
    return _served(target_dir, quantize, fused_int8)


def _served(target_dir: Path, quantize: bool, fused_int8: bool = False) -> Path:
    """Return the file that serves this precision (a fused graph unless fusion failed)."""
    failed = (target_dir / FUSE_FAILED).is_file()
    if quantize:
        return target_dir / (FUSED_INT8 if fused_int8 and not failed else "model-int8.onnx")
    return target_dir / ("model.onnx" if failed else "model-fused.onnx")


def convert(model_dir: Path, fp32: Path, int8: Path | None, fused: Path | None = None,
            fused_int8: bool = False) -> None:
    """Export the model to fp32 ONNX unless done, then fuse and/or quantize it as asked.

    int8 names the plain graph's quantized file; with fused_int8 (and fusion working) the
    fused graph is quantized instead, into model-fused-int8.onnx beside it.
    """
    if not fp32.is_file():
        export_onnx(model_dir, fp32)
    if fused is not None and not fused.is_file() and not (fused.parent / FUSE_FAILED).is_file():
        fuse(fp32, fused, model_dir)
    if int8 is None:
        return
    source, target = (fused, int8.with_name(FUSED_INT8)) if fused_int8 and \
        fused is not None and fused.is_file() else (fp32, int8)
    if not target.is_file():
        quantize_int8(source, target)


def _convert_in_child(model_dir: Path, fp32: Path, int8: Path | None,
                      fused: Path | None, fused_int8: bool) -> None:
    """Run convert() in a child process, so torch never loads into a serving process."""
    code = ("import sys; from pathlib import Path; "
            "from relatedposts.indexing.embedders.onnx_export import convert; "
            "p = [Path(a) if a else None for a in sys.argv[1:5]]; "
            "convert(*p, fused_int8=sys.argv[5] == '1')")
    # The child must import this same relatedposts, not whichever one its path finds first.
    package_root = str(Path(__file__).resolve().parents[3])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, "-c", code, str(model_dir), str(fp32),
                           str(int8 or ""), str(fused or ""), "1" if fused_int8 else "0"],
                          capture_output=True, text=True,
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
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    # Per-tensor int8 drifts badly on some inputs here (cosine 0.68); per-channel keeps > 0.97.
    # A fused graph's contrib operators have no inferred types: float is what they carry.
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": TensorProto.FLOAT})
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


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive file lock: two workers starting together export only once."""
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
