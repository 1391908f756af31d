"""The chunk index: exact inner product for small corpora, HNSW above Settings.ann_threshold."""

from __future__ import annotations

import faiss
import numpy as np

from relatedposts.config import Settings


def make_chunk_index(vectors: np.ndarray, settings: Settings) -> faiss.Index:
    """Build the chunk index for unit vectors: IndexFlatIP, or IndexHNSWFlat when large."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if settings.ann_threshold <= 0 or len(vectors) < settings.ann_threshold:
        index: faiss.Index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.hnsw_ef_construction
    index.add(vectors)
    return tune_for_search(index, settings)


def tune_for_search(index: faiss.Index, settings: Settings) -> faiss.Index:
    """Set the HNSW search depth (efSearch) from the settings; other indexes are untouched."""
    hnsw = getattr(index, "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = settings.hnsw_ef_search
    return index


def index_type(index: faiss.Index) -> str:
    """Return the FAISS class name recorded in the manifest (e.g. IndexHNSWFlat)."""
    return type(index).__name__
