"""Index save/load round trip, manifest checks, and FAISS against brute force."""

from __future__ import annotations

import json

import numpy as np
import pytest

from relatedposts.errors import IndexFormatError, IndexNotReady
from relatedposts.indexing import index as idx
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.versions import current_version
from tests.support import TINY


def test_round_trip_keeps_everything(built) -> None:
    version = current_version(built.index_dir)
    data = idx.load(version, expect_model="fake-hash-64", expect_dim=64)
    assert [a.url for a in data.articles] == sorted(a.url for a in TINY)
    assert data.articles[0].sections == sorted(TINY, key=lambda a: a.url)[0].sections
    assert data.manifest.articles == len(TINY)
    assert data.manifest.chunks == len(data.chunks) == data.faiss_index.ntotal
    assert data.manifest.model == "fake-hash-64" and data.manifest.dim == 64
    assert len(data.manifest.corpus_hash) == 16
    assert not list(version.rglob("*.pkl")) and not list(version.rglob("*.pickle"))


def test_no_index_yet_names_the_build_command(settings) -> None:
    with pytest.raises(IndexNotReady, match="relatedposts build"):
        current_version(settings.index_dir)


def test_model_mismatch_is_refused_with_a_clear_message(built) -> None:
    version = current_version(built.index_dir)
    with pytest.raises(IndexFormatError, match="built with model 'fake-hash-64'"):
        idx.load(version, expect_model="all-MiniLM-L6-v2")
    with pytest.raises(IndexFormatError, match="dimension"):
        idx.load(version, expect_dim=384)


def test_manifest_counts_that_disagree_are_refused(built) -> None:
    version = current_version(built.index_dir)
    manifest = json.loads((version / "manifest.json").read_text())
    manifest["chunks"] += 1
    (version / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match="inconsistent"):
        idx.load(version)


def test_truncated_faiss_file_is_refused(built) -> None:
    version = current_version(built.index_dir)
    path = version / "chunks.faiss"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexFormatError, match="corrupt or truncated"):
        idx.load(version)


def test_faiss_results_equal_brute_force_cosine(built) -> None:
    data = idx.load(current_version(built.index_dir))
    emb = FakeEmbedder()
    chunk_vecs = data.faiss_index.reconstruct_n(0, data.faiss_index.ntotal)
    for query in ["leg pain from a nerve", "desk posture", "pillow between knees"]:
        q = emb.encode([query])
        sims, ids = data.faiss_index.search(q, 5)
        brute = chunk_vecs @ q[0]
        expected = np.argsort(-brute, kind="stable")[:5]
        assert np.allclose(sims[0], brute[expected], atol=1e-5)
        assert set(ids[0]) == set(expected) or np.allclose(brute[ids[0]], brute[expected])
