"""The embedding cache: bounded, and a damaged cache is discarded, never fatal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embcache import CACHE_FILE, cache_dir
from relatedposts.indexing.embedders import FakeEmbedder
from tests.localsite import live
from tests.support import TINY, word_corpus


def cache_file(settings) -> Path:
    return cache_dir(settings.index_dir, FakeEmbedder().name) / CACHE_FILE


def test_cache_is_bounded(settings) -> None:
    build_index(word_corpus(10), FakeEmbedder(), settings.replace(embed_cache_entries=5))
    with np.load(cache_file(settings), allow_pickle=False) as npz:
        assert npz["keys"].shape == (5,) and npz["vectors"].shape == (5, 64)


def _damage(path: Path, how: str) -> None:
    if how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "garbage":
        path.write_bytes(b"not a cache at all")
    else:
        with np.load(path, allow_pickle=False) as npz:
            keys, vectors = npz["keys"], npz["vectors"]
        if how == "wrong-dimension":
            vectors = vectors[:, :32]
        else:  # "stale": same keys, vectors some other model made
            vectors = np.random.default_rng(0).normal(size=vectors.shape).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        with open(path, "wb") as f:
            np.savez(f, keys=keys, vectors=vectors)


@pytest.mark.parametrize("how", ["truncated", "garbage", "wrong-dimension", "stale"])
def test_damaged_cache_is_discarded_never_fatal(settings, how: str) -> None:
    build_index(TINY, FakeEmbedder(), settings)
    _damage(cache_file(settings), how)
    result = build_index(TINY, FakeEmbedder(), settings)
    assert (result.embedded, result.reused) == (result.manifest.chunks, 0)
    assert live(settings) == result.version_dir
    assert build_index(TINY, FakeEmbedder(), settings).reused == result.manifest.chunks
