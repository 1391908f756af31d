"""Build a new index version from a corpus: chunk, embed, index, precompute related lists."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import faiss
import numpy as np

from relatedposts.config import Settings
from relatedposts.errors import RelatedPostsError
from relatedposts.indexing import index as idx
from relatedposts.indexing.ann import index_type, make_chunk_index
from relatedposts.indexing.buildlock import build_lock
from relatedposts.indexing.chunk import chunk_article
from relatedposts.indexing.embcache import cache_dir, cache_name, embed_cached
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.keywords import KeywordIndex
from relatedposts.indexing.overrides import Overrides, load_overrides, pin_problems
from relatedposts.indexing.related import article_vectors, compute_related
from relatedposts.indexing.related_passages import Passages
from relatedposts.indexing.related_similarity import Weights
from relatedposts.indexing.verify import GateRefused, verify
from relatedposts.indexing.versions import VersionStore
from relatedposts.models import Article, Chunk
from relatedposts.text import article_document

OnProgress = Callable[[str, int, int | None], None]  # (stage, done, total)


@dataclass(frozen=True)
class BuildResult:
    """The outcome of a build: where it went, what it took, and what the cache saved."""

    version_dir: Path
    manifest: idx.Manifest
    seconds: dict[str, float]
    embedded: int = 0  # chunk texts the model embedded
    reused: int = 0  # chunk vectors taken from the embedding cache


def build_index(articles: list[Article], embedder: Embedder, settings: Settings,
                index_dir: Path | None = None, activate: bool = True, force: bool = False,
                progress: bool = False, on_progress: OnProgress | None = None) -> BuildResult:
    """Build and verify a new version, then (when activate) make it live; raise GateRefused.

    on_progress(stage, done, total) hears "embedding" per batch, then "indexing" and
    "publishing" (the console's rebuild status shows them).
    """
    tell = on_progress or (lambda stage, done, total: None)
    if not articles:
        raise RelatedPostsError("the corpus is empty: scrape some pages first", status=400)
    root = Path(index_dir or settings.index_dir)
    timings: dict[str, float] = {}
    with build_lock(root):
        store = VersionStore(root)
        store.clear_stale()
        t0 = time.perf_counter()
        articles = sorted(articles, key=lambda a: a.url)
        chunks = [c for i, a in enumerate(articles) for c in chunk_article(
            a, i, settings.chunk_words, settings.chunk_overlap_sentences)]
        timings["chunk"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        vectors, stats = embed_cached([c.embed_text(articles[c.article].title) for c in chunks],
                                      embedder, cache_dir(root, cache_name(embedder)),
                                      settings.embed_cache_entries, progress,
                                      lambda done, total: tell("embedding", done, total))
        timings["embed"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        tell("indexing", 0, None)
        data = assemble(articles, chunks, vectors, embedder, settings)
        timings["index"] = time.perf_counter() - t0
        tell("publishing", 0, None)
        version_dir = publish(store, data, embedder, settings, activate, force, timings)
    return BuildResult(version_dir, data.manifest, timings, stats.embedded, stats.reused)


def refuse_unknown_pins(articles: list[Article], settings: Settings) -> None:
    """Raise GateRefused when the overrides file pins a URL no article has (--force skips)."""
    problems = pin_problems(load_overrides(settings.overrides_file, [a.url for a in articles]))
    if problems:  # `build` and `rebuild` ask before minutes of embedding, not after
        raise GateRefused(problems)


def publish(store: VersionStore, data: idx.IndexData, embedder: Embedder, settings: Settings,
            activate: bool, force: bool, timings: dict[str, float]) -> Path:
    """Write a version, verify it, move it into place and (when activate) make it live."""
    t0 = time.perf_counter()
    tmp = store.temp_dir(data.manifest.version)
    idx.save(data, tmp)
    timings["write"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    problems = verify(tmp, settings, None if force else store.live_manifest(), embedder)
    timings["verify"] = time.perf_counter() - t0
    if problems:
        shutil.rmtree(tmp, ignore_errors=True)
        raise GateRefused(problems)
    return store.publish(tmp, data.manifest.version, activate, settings.keep_versions)


def assemble(articles: list[Article], chunks: list[Chunk], vectors: np.ndarray,
             embedder: Embedder, settings: Settings) -> idx.IndexData:
    """Put chunk vectors, keyword index and related lists together with a manifest."""
    faiss_index = make_chunk_index(vectors, settings)
    art_vecs = article_vectors(vectors, chunks, len(articles))
    overrides = load_overrides(settings.overrides_file, [a.url for a in articles])
    related = compute_related(articles, art_vecs, settings, overrides,
                              passages=Passages.of_chunks(vectors, chunks, len(articles)))
    keyword = KeywordIndex.build([article_document(a, settings.title_weight) for a in articles],
                                 settings.decompound)
    manifest = make_manifest(articles, chunks, faiss_index, embedder, settings, overrides)
    return idx.IndexData(manifest, articles, chunks, faiss_index, art_vecs, related, keyword)


def make_manifest(articles: list[Article], chunks: list[Chunk], faiss_index: faiss.Index,
                  embedder: Embedder, settings: Settings, overrides: Overrides) -> idx.Manifest:
    """Describe a new version: a fresh name, the counts, the corpus hash and the settings."""
    return idx.Manifest(
        format_version=idx.FORMAT_VERSION,
        # Microseconds keep names unique and sortable: VersionStore.finished() orders by name.
        version=datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ"),
        model=embedder.name, dim=embedder.dim, articles=len(articles), chunks=len(chunks),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        corpus_hash=corpus_hash(articles), package_version=_version("relatedposts"),
        index_type=index_type(faiss_index), libraries=_libraries(),
        settings={"chunk_words": settings.chunk_words,
                  "chunk_overlap_sentences": settings.chunk_overlap_sentences,
                  "title_weight": settings.title_weight,
                  "related_mmr_lambda": settings.related_mmr_lambda,
                  "related_min_score": settings.related_min_score,
                  "related_weights": Weights.from_settings(settings).__dict__,
                  "related_max_in_degree": settings.related_max_in_degree,
                  "duplicate_jaccard": settings.duplicate_jaccard,
                  "related_half_life_days": settings.related_half_life_days,
                  "overrides": overrides.summary(), "override_warnings": overrides.warnings,
                  # issue 25: search curation, applied by search/curation.py
                  "search_rules": overrides.search},
    )


def corpus_hash(articles: list[Article]) -> str:
    """Return a hash identifying the corpus content."""
    h = hashlib.sha256()
    for a in sorted(articles, key=lambda a: a.url):
        h.update(a.content_hash().encode())
    return h.hexdigest()[:16]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _libraries() -> dict[str, str]:
    names = ["faiss-cpu", "numpy", "bm25s", "onnxruntime", "sentence-transformers", "torch"]
    return {n: _version(n) for n in names}
