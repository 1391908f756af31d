"""How articles become an index: passages, the vector index, the embedding cache.

Read by indexing/chunk.py, indexing/ann.py, indexing/embcache.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from relatedposts.settingspec import setting


@dataclass(frozen=True)
class IndexSettings:
    """How articles become an index."""

    # Chunking: passages of 150 words are about 180 word pieces; max_tokens embeds the first
    # 128 of them (the length the packaged model was trained on), BM25 indexes every word.
    chunk_words: int = setting(
        150, "most words in a passage (all of them are keyword-indexed; max_tokens cuts "
             "what is embedded)", ge=1)
    chunk_overlap_sentences: int = setting(1, "sentences repeated between neighbouring passages",
        ge=0)
    ann_threshold: int = setting(20000, "chunk count from which HNSW replaces exact search", ge=0)
    hnsw_m: int = setting(32, "HNSW links per node", ge=2)
    hnsw_ef_construction: int = setting(80, "HNSW build-time search depth", ge=1)
    # recall@10 0.98 vs exact on 100k synthetic chunks (docs/benchmarks.md)
    hnsw_ef_search: int = setting(256, "HNSW query-time search depth", ge=1)
    embed_cache_entries: int = setting(50_000, "vectors kept in INDEX_DIR/cache/<model>/", ge=0)
