"""The chunk index: exact for small indexes, HNSW for large ones, tuned after load."""

from __future__ import annotations

import faiss
import numpy as np

from relatedposts.indexing import index as idx
from relatedposts.indexing.ann import index_type, make_chunk_index, tune_for_search
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.live.service import Service
from tests.support import TINY


def test_small_indexes_stay_exact_and_large_ones_use_hnsw(settings) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    flat = make_chunk_index(vectors, settings.replace(ann_threshold=301))
    assert index_type(flat) == "IndexFlatIP"
    hnsw = make_chunk_index(vectors, settings.replace(ann_threshold=300, hnsw_m=8,
                                                      hnsw_ef_search=40))
    assert index_type(hnsw) == "IndexHNSWFlat" and hnsw.hnsw.efSearch == 40
    assert hnsw.metric_type == faiss.METRIC_INNER_PRODUCT and hnsw.ntotal == 300
    _, exact = flat.search(vectors[:50], 5)
    _, approx = hnsw.search(vectors[:50], 5)
    assert (approx[:, 0] == np.arange(50)).all()  # each stored vector finds itself first
    assert np.mean([len(set(a) & set(e)) / 5 for a, e in zip(approx, exact, strict=True)]) > 0.9
    assert index_type(make_chunk_index(vectors, settings.replace(ann_threshold=0))) == \
        "IndexFlatIP"


def test_hnsw_index_is_recorded_and_tuned_after_load(settings) -> None:
    settings = settings.replace(ann_threshold=1, hnsw_ef_search=77)
    result = build_index(TINY, FakeEmbedder(), settings)
    assert result.manifest.index_type == "IndexHNSWFlat"
    raw = faiss.read_index(str(result.version_dir / "chunks.faiss"))
    assert tune_for_search(raw, settings).hnsw.efSearch == 77
    service = Service(settings, FakeEmbedder())
    assert service.reload().index_type == "IndexHNSWFlat"
    assert service.live.data.faiss_index.hnsw.efSearch == 77
    assert service.search("sciatica leg pain").results[0].title == "Sciatica and leg pain"
    assert idx.read_manifest(result.version_dir).index_type == "IndexHNSWFlat"
