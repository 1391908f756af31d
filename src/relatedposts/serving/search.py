"""Hybrid article search: dense chunk retrieval (FAISS) fused with BM25 over articles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from relatedposts.config import Settings
from relatedposts.indexing.compounds import Compounds, raw_tokens
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.index import IndexData
from relatedposts.indexing.keywords import Vocabulary
from relatedposts.models import SearchHit, SearchPage
from relatedposts.serving.attributes import AttributeScorer
from relatedposts.serving.message import default_courtesy
from relatedposts.serving.passages import PassageTerms
from relatedposts.serving.querycache import QueryCache
from relatedposts.serving.snippet import make_snippet
from relatedposts.text import stems, words


@dataclass(frozen=True)
class Filters:
    """Optional restrictions on which articles a search may return."""

    tag: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def allows(self, tags: tuple[str, ...], category: str | None, date: str | None) -> bool:
        """Return True when an article with these fields passes every filter."""
        if self.tag:
            wanted = self.tag.lower()
            if wanted not in {t.lower() for t in tags} and wanted != (category or "").lower():
                return False
        if self.date_from and (not date or date < self.date_from):
            return False
        return not (self.date_to and (not date or date > self.date_to))


@dataclass(frozen=True)
class Scored:
    """Per-article scores of one query, before paging."""

    fused: np.ndarray
    dense: np.ndarray
    best_chunk: dict[int, int]
    candidates: np.ndarray
    keyword_words: list[str]
    corrected: str | None
    keyword: np.ndarray | None = None  # the fused signals, kept for tuning and ablation
    title: np.ndarray | None = None
    heading: np.ndarray | None = None


class Searcher:
    """Answer queries against one loaded index."""

    def __init__(self, data: IndexData, embedder: Embedder, settings: Settings,
                 vocabulary: Vocabulary | None = None,
                 dictionary: frozenset[str] = frozenset(),
                 cache: QueryCache | None = None) -> None:
        self.data = data
        self.embedder = embedder
        self.settings = settings
        self.vocabulary = vocabulary or Vocabulary(())
        self.dictionary = dictionary
        self.cache = cache if cache is not None else QueryCache(settings.query_cache_bytes)
        n = len(data.articles)
        self._chunk_owner = np.fromiter((c.article for c in data.chunks), dtype=np.int64)
        self._passages = PassageTerms([c.text for c in data.chunks])
        self._attributes: dict[bool, AttributeScorer] = {}  # by the decompound setting
        self.courtesy = default_courtesy(settings.courtesy_file)
        self._article_chunks: list[list[int]] = [[] for _ in range(n)]
        for i, c in enumerate(data.chunks):
            self._article_chunks[c.article].append(i)

    def search(self, query: str, limit: int = 10, offset: int = 0,
               filters: Filters | None = None) -> SearchPage:
        """Return one page of articles for query, best first, each article once."""
        query = " ".join(query.split())
        scored, order = self.rank(query, filters)
        qstems = set(stems(scored.keyword_words))
        page = order[offset:offset + limit]
        # Query stems per passage, counted once for the page (not per passage per result).
        counts = self._passages.counts(qstems) if qstems and len(page) else None
        hits = tuple(self._hit(int(a), scored, qstems, counts) for a in page)
        return SearchPage(query, int(len(order)), offset, hits, scored.corrected)

    def rank(self, query: str, filters: Filters | None = None) -> tuple[Scored, np.ndarray]:
        """Score the query; return the scores and the matching articles, best first."""
        scored = self.score(query)
        order = scored.candidates[np.argsort(-scored.fused[scored.candidates], kind="stable")]
        if filters:
            order = order[self._filter_mask(filters)[order]]
        return scored, order

    def with_settings(self, settings: Settings, share_cache: bool = False) -> Searcher:
        """Return a searcher of the same index with other settings (this one is left alone)."""
        other = Searcher(self.data, self.embedder, settings, self.vocabulary, self.dictionary,
                         self.cache if share_cache else None)
        other._attributes = self._attributes  # titles are analysed once per index
        other._passages = self._passages  # and so are the passages
        return other

    def score(self, query: str) -> Scored:
        """Score every article for the query: dense, keyword and fused."""
        n = len(self.data.articles)
        if self.settings.fusion == "bm25":  # keyword-only: skip the model entirely
            dense, best_chunk = np.zeros(n, dtype=np.float32), cast(dict[int, int], {})
        else:
            dense, best_chunk = self._dense(query)
        subject = self.courtesy.remove(query) if self.settings.strip_courtesy else query
        kw_words, corrected = self._keyword_words(query, subject)
        extra = self._expansions(kw_words)
        kw = self._keyword_scores(kw_words, extra)
        # "pain down my leg" names the "Sciatica" title through the vocabulary too.
        title, heading = self._attribute_scores(kw_words + extra, best_chunk)
        # Multiplied, not added: a title match lifts an article the text already supports
        # and cannot drag up one that merely names a body part ("sore neck") in its title.
        fused = self._fuse(dense, kw) * (1.0 + self.settings.title_signal_weight * title
                                         + self.settings.heading_signal_weight * heading)
        matched = (dense >= self.settings.search_min_similarity) | (kw > 0)
        candidates = np.flatnonzero(matched) if n else np.zeros(0, np.int64)
        return Scored(fused, dense, best_chunk, candidates, kw_words, corrected,
                      kw, title, heading)

    def embed_query(self, query: str) -> np.ndarray:
        """Return the query's vector, from the cache when it was asked before."""
        return self.cache.get_or_compute(query, lambda: self.embedder.encode([query])[0])

    def _dense(self, query: str) -> tuple[np.ndarray, dict[int, int]]:
        """Aggregate the top chunk similarities into one dense score per article."""
        n = len(self.data.articles)
        k = min(self.settings.dense_candidates, self.data.faiss_index.ntotal)
        qv = self.embed_query(query).reshape(1, -1)
        sims, ids = self.data.faiss_index.search(qv, k)
        per_article: dict[int, list[float]] = {}
        best_chunk: dict[int, int] = {}
        for s, cid in zip(sims[0], ids[0], strict=True):
            if cid < 0:
                continue
            a = int(self._chunk_owner[cid])
            per_article.setdefault(a, []).append(float(s))
            best_chunk.setdefault(a, int(cid))
        dense = np.zeros(n, dtype=np.float32)
        for a, s in per_article.items():
            dense[a] = max(1e-6, self._aggregate(s))
        return dense, best_chunk

    def _aggregate(self, sims: list[float]) -> float:
        """Combine an article's chunk similarities (sorted best first) into one score."""
        how = self.settings.aggregation
        if how == "max" or len(sims) == 1:
            return sims[0]
        if how == "topk_mean":
            return float(np.mean(sims[:3]))
        # max_bonus: the best passage, plus a little for a second supporting passage.
        return sims[0] + self.settings.aggregation_bonus * sims[1]

    def _keyword_words(self, query: str, subject: str) -> tuple[list[str], str | None]:
        """Return the subject's words for BM25 after typo fixing, and the corrected query."""
        raw = words(subject)
        keyword = self.data.keyword
        if self.settings.decompound:  # before typo fixing: "backpain" is no typo of "back"
            raw = keyword.split_unknown(raw, self.dictionary)
        fixed = keyword.correct(raw, self.dictionary) if self.settings.typo_correction else raw
        mapping = dict(zip(raw, fixed, strict=True))
        corrected = None
        if fixed != raw:
            corrected = " ".join(mapping.get(w.lower(), w) for w in query.split())
        if self.settings.decompound:  # "knee cap" also means the corpus's "kneecap"
            fixed = fixed + keyword.compounds.join([mapping.get(t, t) for t in raw_tokens(subject)])
        return fixed, corrected

    def _expansions(self, kw_words: list[str]) -> list[str]:
        """Return the words of the lay/clinical equivalents of the query (when expanding)."""
        if not self.settings.query_expansion:
            return []
        return [w for p in self.vocabulary.expansions(" ".join(kw_words)) for w in words(p)]

    def _keyword_scores(self, kw_words: list[str], extra: list[str]) -> np.ndarray:
        """BM25 of the query words plus, at half weight, their lay/clinical equivalents."""
        scores = self.data.keyword.scores(kw_words)
        if extra:
            scores = scores + 0.5 * self.data.keyword.scores(extra)
        return scores

    def _attribute_scores(self, kw_words: list[str],
                          best_chunk: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Return each article's title share and its best passage's heading share."""
        n = len(self.data.articles)
        title, heading = np.zeros(n, np.float32), np.zeros(n, np.float32)
        if self.settings.fusion != "weighted" or not kw_words:
            return title, heading
        query_stems = stems(kw_words)
        qterms = frozenset(query_stems)
        scorer, coverage = self.attributes(), self.settings.title_coverage
        if self.settings.title_signal_weight:
            exclude = scorer.region_conflicts(query_stems) if self.settings.body_regions \
                else None
            title = scorer.titles(qterms, coverage, exclude)
        if self.settings.heading_signal_weight:
            headings = {a: self.data.chunks[cid].heading for a, cid in best_chunk.items()
                        if self.data.chunks[cid].heading}
            heading = scorer.headings(headings, qterms, coverage)
        return title, heading

    def attributes(self) -> AttributeScorer:
        """Return the title/heading scorer (titles analysed once, with or without compounds)."""
        on = self.settings.decompound
        scorer = self._attributes.get(on)
        if scorer is None:
            compounds = self.data.keyword.compounds if on else Compounds(frozenset())
            scorer = AttributeScorer(self.data.keyword, [a.title for a in self.data.articles],
                                     compounds)
            self._attributes[on] = scorer
        return scorer

    def _fuse(self, dense: np.ndarray, kw: np.ndarray) -> np.ndarray:
        """Fuse dense and keyword scores as the settings say (weighted sum or RRF)."""
        how = self.settings.fusion
        if how == "dense":
            return dense
        if how == "bm25":
            return kw
        if how == "rrf":
            return _rrf(dense, self.settings.rrf_k) + _rrf(kw, self.settings.rrf_k)
        w = self.settings.dense_weight
        top = kw.max() if kw.size and kw.max() > 0 else 1.0
        return w * dense + (1 - w) * kw / top

    def _filter_mask(self, filters: Filters) -> np.ndarray:
        return np.array([filters.allows(a.tags, a.category, a.date)
                         for a in self.data.articles], dtype=bool)

    def _hit(self, a: int, scored: Scored, qstems: set[str],
             counts: np.ndarray | None) -> SearchHit:
        article = self.data.articles[a]
        chunk = self.data.chunks[self._snippet_chunk(a, scored, counts)]
        return SearchHit(
            url=article.url, title=article.title, summary=article.summary,
            snippet=make_snippet(chunk.text, qstems), score=round(float(scored.fused[a]), 4),
            date=article.date, image=article.image, tags=article.tags, heading=chunk.heading,
        )

    def _snippet_chunk(self, a: int, scored: Scored, counts: np.ndarray | None) -> int:
        """Pick the passage to show: the best dense chunk, or the one with most query words.

        counts: query stems per passage, None when the query has no stems.
        """
        if a in scored.best_chunk and counts is None:
            return scored.best_chunk[a]
        chunk_ids = self._article_chunks[a]

        def overlap(cid: int) -> float:
            bonus = 0.5 if cid == scored.best_chunk.get(a) else 0.0
            return (int(counts[cid]) if counts is not None else 0) + bonus

        return max(chunk_ids, key=overlap)


def _rrf(scores: np.ndarray, k: int) -> np.ndarray:
    """Reciprocal-rank fusion term for each article (0 where the score is 0)."""
    ranks = np.empty(len(scores), dtype=np.float32)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return np.where(scores > 0, 1.0 / (k + ranks), 0.0).astype(np.float32)
