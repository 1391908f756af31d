"""A new version from the live one plus a few changed articles, without a rebuild.

Kept articles keep their chunks and stored vectors; a changed or new article is chunked and
embedded alone (the embedding cache answers for text it has seen). The chunk index, article
vectors and BM25 are re-assembled from those (cheap next to embedding), and the related lists
are recomputed from those (related_update.py: the in-degree cap couples every list).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from relatedposts.config import Settings
from relatedposts.indexing import index as idx
from relatedposts.indexing.ann import make_chunk_index
from relatedposts.indexing.build import make_manifest
from relatedposts.indexing.chunk import chunk_article
from relatedposts.indexing.embcache import cache_dir, cache_name, embed_cached
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.overrides import load_overrides
from relatedposts.indexing.related import article_vectors
from relatedposts.indexing.related_update import update_related
from relatedposts.models import Article, Chunk
from relatedposts.text import article_document
from relatedposts.urls import url_key


@dataclass(frozen=True)
class Change:
    """One publish: the fetched article, or a removal of url (article None)."""

    url: str
    article: Article | None = None


@dataclass(frozen=True)
class Outcome:
    """The new version's data and the URLs whose related lists changed."""

    data: idx.IndexData
    changed: list[str]


def apply_changes(data: idx.IndexData, changes: list[Change], settings: Settings,
                  embedder: Embedder, seconds: dict[str, float]) -> Outcome | None:
    """Return the version with changes applied, or None when they change nothing."""
    t0 = time.perf_counter()
    old = {url_key(a.url): a for a in data.articles}
    new = dict(old)
    for change in changes:  # in arrival order: the last word on a URL wins
        if change.article is None:
            new.pop(url_key(change.url), None)
        else:
            new[url_key(change.article.url)] = change.article
    touched_keys = {k for k, a in new.items() if old.get(k) is not a
                    and (k not in old or old[k].to_dict() != a.to_dict())}
    gone_keys = set(old) - set(new)
    if not touched_keys and not gone_keys:
        return None
    articles = sorted(new.values(), key=lambda a: a.url)
    position = {url_key(a.url): i for i, a in enumerate(articles)}
    remap = np.array([-1 if k in gone_keys or k in touched_keys else position[k]
                      for k in (url_key(a.url) for a in data.articles)], dtype=np.int64)
    touched = sorted(position[k] for k in touched_keys)
    chunks, vectors = _chunks(data, articles, remap, touched, settings, embedder)
    seconds["embed"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    art_vecs = article_vectors(vectors, chunks, len(articles))
    overrides = load_overrides(settings.overrides_file, [a.url for a in articles])
    related, rows = update_related(data.related, remap, articles, art_vecs, touched, settings,
                                   overrides)
    seconds["related"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    docs = [article_document(a, settings.title_weight) for a in articles]
    keyword = data.keyword.extend(
        docs, [article_document(articles[i], settings.title_weight) for i in touched],
        [article_document(old[k], settings.title_weight) for k in gone_keys | touched_keys
         if k in old])
    faiss_index = make_chunk_index(vectors, settings)
    manifest = make_manifest(articles, chunks, faiss_index, embedder, settings, overrides)
    seconds["assemble"] = round(time.perf_counter() - t0, 3)
    out = idx.IndexData(manifest, articles, chunks, faiss_index, art_vecs, related, keyword)
    changed = sorted({articles[i].url for i in rows} | {old[k].url for k in gone_keys})
    return Outcome(out, changed)


def _chunks(data: idx.IndexData, articles: list[Article], remap: np.ndarray,
            touched: list[int], settings: Settings,
            embedder: Embedder) -> tuple[list[Chunk], np.ndarray]:
    """Return every chunk in article order with its vector: stored ones, new ones embedded."""
    stored = data.faiss_index.reconstruct_n(0, data.faiss_index.ntotal)
    by_article: dict[int, list[int]] = {}
    for c, chunk in enumerate(data.chunks):
        if remap[chunk.article] >= 0:
            by_article.setdefault(int(remap[chunk.article]), []).append(c)
    fresh = {i: chunk_article(articles[i], i, settings.chunk_words,
                              settings.chunk_overlap_sentences) for i in touched}
    texts = [c.embed_text(articles[i].title) for i in touched for c in fresh[i]]
    embedded = np.zeros((0, embedder.dim), np.float32)
    if texts:
        embedded, _ = embed_cached(texts, embedder,
                                   cache_dir(settings.index_dir, cache_name(embedder)),
                                   settings.embed_cache_entries)
    chunks: list[Chunk] = []
    rows: list[np.ndarray] = []
    cursor = 0
    for i in range(len(articles)):
        if i in fresh:
            chunks += fresh[i]
            rows.append(embedded[cursor:cursor + len(fresh[i])])
            cursor += len(fresh[i])
        else:
            own = by_article.get(i, [])
            chunks += [replace(data.chunks[c], article=i) for c in own]
            rows.append(stored[own])
    vectors = np.concatenate(rows) if rows else np.zeros((0, embedder.dim), np.float32)
    return chunks, np.ascontiguousarray(vectors, dtype=np.float32)
