"""The search seam: a Searcher answers queries against one loaded index.

Hybrid: dense passage retrieval (retrieval.py) and BM25 over articles, on the words query
analysis (analysis.py) keeps, fused (fusion.py) and lifted by the title and heading signals
(attributes.py); snippets (snippet.py) show the best passage. The web layer, the CLI, the
console, quality reports and scripts/tune_search.py all use this class and its typed results
(SearchPage, SearchHit, Scored); nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relatedposts.config import Settings
from relatedposts.indexing.compounds import Compounds
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.index import IndexData
from relatedposts.indexing.keywords import Vocabulary
from relatedposts.models import SearchHit, SearchPage
from relatedposts.search.analysis import QueryAnalyzer
from relatedposts.search.answers import count_answering, unknown_share
from relatedposts.search.attributes import AttributeScorer
from relatedposts.search.curation import Curation
from relatedposts.search.facets import count_facets
from relatedposts.search.filters import Filters
from relatedposts.search.fusion import fuse, with_attributes
from relatedposts.search.passages import PassageTerms
from relatedposts.search.querycache import QueryCache
from relatedposts.search.redflags import red_flag_articles
from relatedposts.search.redflags import urgent as urgent_notice
from relatedposts.search.retrieval import DenseRetriever, keyword_scores
from relatedposts.search.snippet import make_snippet
from relatedposts.search.snippet import warm as warm_snippets
from relatedposts.text import normalize, stems

__all__ = ["Filters", "Scored", "Searcher"]


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
    symptom: np.ndarray | None = None
    conflict: np.ndarray | None = None  # titles naming only other regions (penalised)


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
        self.analyzer = QueryAnalyzer(data.keyword, settings, self.vocabulary, dictionary)
        self.dense = DenseRetriever(data, embedder, settings, self.cache)
        self._passages = PassageTerms([c.text for c in data.chunks], warm_snippets)
        self.curation = Curation.of(data)  # the editor's pins and hides per query
        self._attributes: dict[bool, AttributeScorer] = {}  # by the decompound setting
        self._red_flags = np.zeros(n, dtype=np.int8)  # 2: title names red flags, 1: a tag
        for a, strength in red_flag_articles([a.title for a in data.articles],
                                             [a.tags for a in data.articles]).items():
            self._red_flags[a] = strength
        self._article_chunks: list[list[int]] = [[] for _ in range(n)]
        for i, c in enumerate(data.chunks):
            self._article_chunks[c.article].append(i)

    def search(self, query: str, limit: int = 10, offset: int = 0,
               filters: Filters | None = None) -> SearchPage:
        """Return one page of the articles that answer query, best first, each once.

        When none reaches the minimum relevance, the first page holds the closest few,
        labelled weak (total 0): an honest page, not a padded one.
        """
        query = " ".join(query.split())
        urgent = urgent_notice(normalize(query))
        scored, order, answering = self._ranked(normalize(query), filters, urgent is not None)
        weak = answering == 0 and len(order) > 0
        shown = order[:self.settings.weak_results] if weak else order[:answering]
        qstems = set(stems(scored.keyword_words))
        page = shown[offset:offset + limit]
        # Query stems per passage, counted once for the page (not per passage per result).
        counts = self._passages.counts(qstems) if qstems and len(page) else None
        hits = tuple(self._hit(int(a), scored, qstems, counts) for a in page)
        # Over every answering article, not the page; a weak page has none.
        facets = count_facets(self.data.articles, order[:answering])
        curated = self.curation.rule(query) is not None
        return SearchPage(query, answering, offset, hits, scored.corrected, weak, urgent,
                          facets, curated)

    def rank(self, query: str, filters: Filters | None = None) -> tuple[Scored, np.ndarray]:
        """Score the query; return the scores and the articles that answer it, best first."""
        query = normalize(query)
        scored, order, answering = self._ranked(query, filters, urgent_notice(query) is not None)
        return scored, order[:answering]

    def _ranked(self, query: str, filters: Filters | None,
                urgent: bool) -> tuple[Scored, np.ndarray, int]:
        """Return the scores, every candidate best first, and how many of them answer."""
        scored = self.score(query)
        order = scored.candidates[np.argsort(-scored.fused[scored.candidates], kind="stable")]
        rule = self.curation.rule(query)
        if rule is not None:
            order = rule.without(order)
        if urgent and self.settings.urgent_article_first:
            order = self._red_flag_article_first(order)
        # /api/search always passes Filters: an empty one must not cost a pass over every
        # article (0.3 ms a search on the dev set).
        mask = self._filter_mask(filters) if filters is not None and filters.active else None
        if mask is not None:
            order = order[mask[order]]
        share = unknown_share(scored.keyword_words, self.data.keyword.bm25.vocab_dict)
        answering = count_answering(scored.fused[order], share, self.settings)
        lead = int(urgent and len(order) > 0 and bool(self._red_flags[order[0]]))
        if lead:
            answering = max(answering, 1)  # the red-flag article answers an urgent query
        if rule is not None and len(rule.pin):
            pins = rule.pin if mask is None else rule.pin[mask[rule.pin]]
            # Pins answer, first, in the editor's order; a red-flag article stays before them.
            order = np.concatenate([order[:lead], pins, order[lead:]])
            answering += len(pins)
        return scored, order, answering

    def _red_flag_article_first(self, order: np.ndarray) -> np.ndarray:
        """Move the best-ranked red-flag article (if the blog has one) to the front."""
        strength = self._red_flags[order]
        if not len(order) or not strength.max():
            return order
        first = int(np.argmax(strength))  # the best-ranked of the strongest
        return np.concatenate([order[first:first + 1], order[:first], order[first + 1:]])

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
        analyzed = self.analyzer.analyze(query)
        # The model reads the corrected words too: it cannot tell "nek" from noise, and the
        # page says "Did you mean" with the same correction (dev nDCG@10 0.9105 -> 0.9106).
        # Keyword-only search skips the model entirely.
        meant = analyzed.corrected or query
        dense = self.dense.none() if self.settings.fusion == "bm25" else self.dense.score(meant)
        kw_words, extra = analyzed.keyword_words, analyzed.expansions
        kw = keyword_scores(self.data.keyword, kw_words, extra, self.settings.bm25_idf_weighting)
        # "pain down my leg" names the "Sciatica" title through the vocabulary too.
        title, heading = self._attribute_scores(kw_words + extra, dense.best_chunk)
        symptom, conflict = self._symptom_scores(kw_words), self._conflicts(kw_words)
        fused = with_attributes(fuse(dense.scores, kw, self.settings), title, heading,
                                self.settings, symptom, conflict)
        # The passage cosine itself, not the score feedback and aggregation lifted: a question
        # nothing answers stays unanswered.
        matched = (dense.cosine >= self.settings.search_min_similarity) | (kw > 0)
        candidates = np.flatnonzero(matched) if n else np.zeros(0, np.int64)
        return Scored(fused, dense.scores, dense.best_chunk, candidates, kw_words,
                      analyzed.corrected, kw, title, heading, symptom, conflict)

    def embed_query(self, query: str) -> np.ndarray:
        """Return the query's vector, from the cache when it was asked before."""
        return self.dense.embed_query(query)

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

    def _conflicts(self, kw_words: list[str]) -> np.ndarray | None:
        """Return 1 for titles naming only other body regions than the query names."""
        s = self.settings
        if s.fusion != "weighted" or not s.body_regions or not s.region_conflict_penalty \
                or not kw_words:
            return None
        return self.attributes().region_conflicts(stems(kw_words)).astype(np.float32)

    def _symptom_scores(self, kw_words: list[str]) -> np.ndarray | None:
        """Return 1 for titles naming the spinal level the query's symptoms point to."""
        s = self.settings
        if s.fusion != "weighted" or not s.body_regions or not s.symptom_region_weight:
            return None
        return self.attributes().symptom_lift(stems(kw_words))

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

    def _filter_mask(self, filters: Filters) -> np.ndarray:
        """Return which articles pass the filters, one bool per article."""
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
