"""A 50,000-article synthetic corpus: exact (flat) against HNSW search, latency and recall.

Real sentences from the sample blog are embedded once; each synthetic article is a random
handful of them, and each of its chunks gets the normalized mean of its sentences' vectors
plus a little noise. No model call per article, so 50k articles take seconds, not hours.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import faiss
import numpy as np

from benchkit.load import percentile
from relatedposts.config import Settings
from relatedposts.indexing.ann import make_chunk_index, tune_for_search
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.keywords import KeywordIndex, Vocabulary
from relatedposts.models import Article, Chunk, Section
from relatedposts.search import Searcher
from relatedposts.text import article_document


@dataclass
class ScaleData:
    """What Searcher reads of an index (no related lists: search only)."""

    articles: list[Article]
    chunks: list[Chunk]
    faiss_index: faiss.Index
    keyword: KeywordIndex


def sentence_pool(texts: list[str], embedder: Embedder, limit: int) -> tuple[list[str],
                                                                               np.ndarray]:
    """Split texts into distinct sentences (at most limit) and embed them once."""
    seen: dict[str, None] = {}
    for text in texts:
        for s in re.split(r"(?<=[.!?])\s+", text):
            if len(s.split()) >= 5:
                seen.setdefault(s.strip(), None)
    sentences = list(seen)[:limit]
    return sentences, embedder.encode(sentences)


def synthesize(sentences: list[str], vectors: np.ndarray, n_articles: int,
               chunks_per_article: int, seed: int = 7) -> tuple[list[Article], list[Chunk],
                                                                np.ndarray]:
    """Make n_articles articles of random sentences; chunk vector = mean + noise, normalized."""
    rng = np.random.default_rng(seed)
    per_chunk = 3
    picks = rng.integers(0, len(sentences), size=(n_articles, chunks_per_article, per_chunk))
    chunk_vecs = vectors[picks].mean(axis=2).reshape(-1, vectors.shape[1])
    chunk_vecs += rng.normal(0, 0.01, size=chunk_vecs.shape).astype(np.float32)
    chunk_vecs /= np.linalg.norm(chunk_vecs, axis=1, keepdims=True)
    articles, chunks = [], []
    for a in range(n_articles):
        texts = [" ".join(sentences[i] for i in picks[a, c]) for c in range(chunks_per_article)]
        title = " ".join(texts[0].split()[:6])
        articles.append(Article(url=f"https://synthetic.example/a/{a}/", title=title,
                                sections=tuple(Section("", t) for t in texts),
                                date="2024-01-01", summary=texts[0][:120]))
        chunks += [Chunk(a, "", t, c) for c, t in enumerate(texts)]
    return articles, chunks, np.ascontiguousarray(chunk_vecs, dtype=np.float32)


def timed_index(vectors: np.ndarray, settings: Settings) -> tuple[faiss.Index, float, int]:
    """Build a chunk index as the settings say; return it, build seconds and bytes on disk."""
    t0 = time.perf_counter()
    index = make_chunk_index(vectors, settings)
    seconds = time.perf_counter() - t0
    return index, seconds, int(faiss.serialize_index(index).nbytes)


def recall_at(approx: np.ndarray, exact: np.ndarray, k: int) -> float:
    """Mean fraction of the exact top-k ids found in the approximate top-k."""
    return float(np.mean([len(set(a[:k]) & set(e[:k])) / k for a, e in
                          zip(approx, exact, strict=True)]))


def search_latency(index: faiss.Index, queries: np.ndarray, k: int) -> dict[str, float]:
    """Search one query at a time, as the service does; return p50/p99 in ms."""
    ms = []
    for q in queries:
        t0 = time.perf_counter()
        index.search(q.reshape(1, -1), k)
        ms.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(percentile(ms, 50), 3), "p99_ms": round(percentile(ms, 99), 3)}


def ef_sweep(flat: faiss.Index, hnsw: faiss.Index, queries: np.ndarray,
             k: int, values: tuple[int, ...] = (16, 32, 64, 128, 256)) -> list[dict]:
    """Recall@10 and latency of HNSW at several efSearch values (k results asked)."""
    _, exact = flat.search(queries, k)
    rows = []
    for ef in values:
        hnsw.hnsw.efSearch = ef
        _, approx = hnsw.search(queries, k)
        rows.append({"ef_search": ef, "k": k, "recall@10": round(recall_at(approx, exact, 10), 4),
                     **search_latency(hnsw, queries, k)})
    return rows


def full_search(data: ScaleData, embedder: Embedder, settings: Settings,
                queries: list[str]) -> tuple[dict[str, float], list[list[str]]]:
    """Run Searcher.search per query, first as unique then as repeated queries; p50/p99, URLs."""
    from relatedposts.search import snippet

    for cached in (snippet._snippet, snippet._analysed):  # cold start: no earlier run's help
        cached.cache_clear()
    searcher = Searcher(data, embedder, settings, Vocabulary.load())  # type: ignore[arg-type]
    searcher.search("warm up the model")
    figures: dict[str, float] = {}
    for label in ("", "repeated_"):
        ms, urls = [], []
        for q in queries:
            t0 = time.perf_counter()
            page = searcher.search(q, 10)
            ms.append((time.perf_counter() - t0) * 1000)
            urls.append([h.url for h in page.results])
        figures[f"{label}p50_ms"] = round(percentile(ms, 50), 2)
        figures[f"{label}p99_ms"] = round(percentile(ms, 99), 2)
    return figures, urls


def keyword_index(articles: list[Article], settings: Settings) -> tuple[KeywordIndex, float]:
    """Build BM25 over the synthetic articles; return it and the seconds it took."""
    t0 = time.perf_counter()
    keyword = KeywordIndex.build([article_document(a, settings.title_weight) for a in articles])
    return keyword, time.perf_counter() - t0


def measure_scale(texts: list[str], embedder: Embedder, settings: Settings, n_articles: int,
                  chunks_per_article: int, queries: list[str]) -> dict[str, object]:
    """Build the synthetic corpus both ways and compare search latency and recall."""
    faiss.omp_set_num_threads(1)  # as in a serving worker (relatedposts.web.worker.share_cores)
    t0 = time.perf_counter()
    sentences, sentence_vecs = sentence_pool(texts, embedder, 3000)
    out: dict[str, object] = {"sentences": len(sentences),
                              "embed_sentences_s": round(time.perf_counter() - t0, 1)}
    articles, chunks, vecs = synthesize(sentences, sentence_vecs, n_articles, chunks_per_article)
    keyword, bm25_s = keyword_index(articles, settings)
    flat, flat_s, flat_bytes = timed_index(vecs, settings.replace(ann_threshold=0))
    # Small test runs stay under ann_threshold: build HNSW anyway, with the same parameters.
    hnsw, hnsw_s, hnsw_bytes = timed_index(vecs, settings.replace(ann_threshold=1))
    out.update(articles=n_articles, chunks=len(chunks), bm25_build_s=round(bm25_s, 1),
               ann_threshold=settings.ann_threshold,
               flat={"type": type(flat).__name__, "build_s": round(flat_s, 2),
                     "bytes": flat_bytes},
               hnsw={"type": type(hnsw).__name__, "build_s": round(hnsw_s, 1),
                     "bytes": hnsw_bytes, "M": settings.hnsw_m,
                     "ef_construction": settings.hnsw_ef_construction,
                     "ef_search": settings.hnsw_ef_search})
    qvecs = embedder.encode(queries)
    k = settings.dense_candidates
    _, exact = flat.search(qvecs, k)
    _, approx = hnsw.search(qvecs, k)
    out["recall@10_at_service_k"] = round(recall_at(approx, exact, 10), 4)
    out["faiss_flat"] = search_latency(flat, qvecs, k)
    out["faiss_hnsw"] = search_latency(hnsw, qvecs, k)
    out["ef_sweep"] = ef_sweep(flat, hnsw, qvecs, 10)
    tune_for_search(hnsw, settings)
    flat_lat, flat_urls = full_search(ScaleData(articles, chunks, flat, keyword), embedder,
                                      settings, queries)
    hnsw_lat, hnsw_urls = full_search(ScaleData(articles, chunks, hnsw, keyword), embedder,
                                      settings, queries)
    out["search_flat"], out["search_hnsw"] = flat_lat, hnsw_lat
    out["article_top10_overlap"] = round(float(np.mean(
        [len(set(a) & set(b)) / max(1, len(b)) for a, b in zip(hnsw_urls, flat_urls,
                                                               strict=True)])), 4)
    out["queries"] = len(queries)
    out["embedder"] = type(embedder).__name__
    return out
