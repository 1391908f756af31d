"""A deterministic, instant embedder for tests and for builds that need no meaning."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from relatedposts.indexing.embedders.base import FAKE_MODEL_NAME


class FakeEmbedder:
    """Hash words and character trigrams into a fixed-size vector: deterministic and instant.

    Texts sharing words get similar vectors, so ranking tests still mean something.
    """

    def __init__(self, dim: int = 64, name: str = FAKE_MODEL_NAME) -> None:
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
