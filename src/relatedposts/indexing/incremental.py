"""A new version from the live one plus a few changed articles, without a rebuild.

Kept articles keep their chunks and stored vectors; a changed or new article is chunked and
embedded alone (the embedding cache answers for text it has seen). Its chunk vectors are added
to a copy of the live FAISS index (a removal from HNSW, which cannot delete, rebuilds it), the
kept article vectors are carried over, and BM25 is re-indexed (bm25s cannot add a document;
each text's analysis is memoized). The related lists reachable from the change are ranked
again under the last full build's frozen corpus statistics (related_update.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import faiss
import numpy as np

from relatedposts.config import Settings
from relatedposts.indexing import index as idx
from relatedposts.indexing.ann import make_chunk_index, tune_for_search
from relatedposts.indexing.build import make_manifest
from relatedposts.indexing.chunk import chunk_article
from relatedposts.indexing.embcache import cache_dir, cache_name, embed_cached
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.overrides import load_overrides
from relatedposts.indexing.related import article_vectors
from relatedposts.indexing.related_passages import Passages
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
    chunks, faiss_index, art_vecs = _chunks(data, articles, remap, touched, settings, embedder)
    seconds["embed"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    overrides = load_overrides(settings.overrides_file, [a.url for a in articles])
    passages = Passages.of_chunks(faiss_index.reconstruct_n(0, faiss_index.ntotal), chunks,
                                  len(articles))
    related, rows = update_related(data.related, remap, articles, art_vecs, touched, settings,
                                   overrides, state=idx.load_state(data), passages=passages)
    seconds["related"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    docs = [article_document(a, settings.title_weight) for a in articles]
    keyword = data.keyword.extend(
        docs, [article_document(articles[i], settings.title_weight) for i in touched],
        [article_document(old[k], settings.title_weight) for k in gone_keys | touched_keys
         if k in old])
    manifest = make_manifest(articles, chunks, faiss_index, embedder, settings, overrides)
    seconds["assemble"] = round(time.perf_counter() - t0, 3)
    out = idx.IndexData(manifest, articles, chunks, faiss_index, art_vecs, related, keyword)
    changed = sorted({articles[i].url for i in rows} | {old[k].url for k in gone_keys})
    return Outcome(out, changed)


def _chunks(data: idx.IndexData, articles: list[Article], remap: np.ndarray,
            touched: list[int], settings: Settings,
            embedder: Embedder) -> tuple[list[Chunk], faiss.Index, np.ndarray]:
    """Return the chunks, chunk index and article vectors after the change.

    Kept chunks keep their place (renumbered to the new article ids) and the new articles'
    chunks are embedded and appended, so the FAISS index is a copy of the live one plus
    their vectors; only a removal from an HNSW index (which cannot delete) rebuilds it.
    """
    fresh = [c for i in touched for c in chunk_article(
        articles[i], i, settings.chunk_words, settings.chunk_overlap_sentences)]
    texts = [c.embed_text(articles[c.article].title) for c in fresh]
    embedded = np.zeros((0, embedder.dim), np.float32)
    if texts:
        embedded, _ = embed_cached(texts, embedder,
                                   cache_dir(settings.index_dir, cache_name(embedder)),
                                   settings.embed_cache_entries)
    embedded = np.ascontiguousarray(embedded, dtype=np.float32)
    keep = np.array([remap[c.article] >= 0 for c in data.chunks], bool)
    chunks = [replace(c, article=int(remap[c.article]))
              for c, k in zip(data.chunks, keep, strict=True) if k] + fresh
    index = _chunk_index(data.faiss_index, keep, embedded, settings)
    art_vecs = np.zeros((len(articles), data.article_vectors.shape[1]), np.float32)
    kept = np.flatnonzero(remap >= 0)
    art_vecs[remap[kept]] = data.article_vectors[kept]
    if touched:
        mine = article_vectors(embedded, [replace(c, article=touched.index(c.article))
                                          for c in fresh], len(touched))
        art_vecs[touched] = mine
    return chunks, index, art_vecs


def _chunk_index(live: faiss.Index, keep: np.ndarray, added: np.ndarray,
                 settings: Settings) -> faiss.Index:
    """Return a copy of the live chunk index without the dropped rows, plus the added ones."""
    if not keep.all() and getattr(live, "hnsw", None) is not None:
        stored = live.reconstruct_n(0, live.ntotal)[keep]
        return make_chunk_index(np.concatenate([stored, added]), settings)
    index = faiss.clone_index(live)  # the live one may be serving: never change it in place
    if not keep.all():
        index.remove_ids(faiss.IDSelectorBatch(np.flatnonzero(~keep).astype(np.int64)))
    if len(added):
        index.add(added)
    return tune_for_search(index, settings)
