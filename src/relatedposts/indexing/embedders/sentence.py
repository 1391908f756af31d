"""The sentence-transformers backend (torch): the reference the other backends match."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from relatedposts.errors import ModelError
from relatedposts.indexing.embedders.base import missing_model_message


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
        dim = dim_of()
        if dim is None:
            raise ModelError(f"the model in {model_path} does not say its embedding dimension")
        self.dim = int(dim)
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches into normalized float32 vectors."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=self.batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)
