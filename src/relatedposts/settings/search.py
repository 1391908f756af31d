"""How a question is answered: retrieval, fusion, query analysis, title signals, limits.

Read by search/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from relatedposts.settingspec import setting


@dataclass(frozen=True)
class SearchSettings:
    """How a question is answered."""

    max_query_chars: int = setting(1000, "longest search text accepted", ge=1)
    max_limit: int = setting(50, "most results one request may ask for", ge=1)
    dense_candidates: int = setting(200, "passages taken from the vector index per search", ge=1)
    dense_candidates_per_passages: int = setting(
        37, "on a large site take passages / this nearest passages instead, when more than "
            "dense_candidates; 0: always dense_candidates", ge=0)
    bm25_idf_weighting: bool = setting(
        True, "weigh each BM25 query term by its IDF over the query's mean IDF, so a long "
              "message's rare words outweigh its common ones")
    fusion: str = setting(
        "weighted", "how dense and keyword scores combine: `weighted`, `rrf`, `dense` or `bm25`",
        choices=("weighted", "rrf", "dense", "bm25"))
    dense_weight: float = setting(0.75, "share of the dense score in `weighted` fusion", ge=0, le=1)
    search_min_similarity: float = setting(
        0.25, "a passage below this cosine only counts if the keywords match too", ge=-1, le=1)
    search_min_relevance: float = setting(
        0.36, "an article answers (is listed, counts in `total`) at this fused score or more; "
             "when none does, the closest few are shown labelled weak (total 0)", ge=0)
    search_relative_relevance: float = setting(
        0.0, "an article answers only at this share of the best article's fused score or more "
             "(fused scores differ from site to site; the best one sets the scale)", ge=0, le=1)
    search_unknown_words_share: float = setting(
        0.25, "a query at least this share of whose words no article contains (after typo "
              "fixing) is answered only at `search_unknown_words_floor`", ge=0, le=1)
    search_unknown_words_floor: float = setting(
        0.75, "the fused score the best article needs to answer such a query; below it the page "
              "shows the closest few labelled weak (total 0)", ge=0)
    weak_results: int = setting(3, "closest articles shown, labelled weak, when none answers",
                                ge=0)
    urgent_article_first: bool = setting(
        True, "a query describing a red-flag symptom puts the blog's red-flag article (title or "
              "tag: red flags, warning signs, emergency) first")
    rrf_k: int = setting(60, "the k of reciprocal rank fusion", ge=0)
    aggregation: str = setting(
        "softmax", "passage scores to article score: `max`, `topk_mean`, `max_bonus` or "
                   "`softmax` (a smooth max over the article's passages in the pool)",
        choices=("max", "topk_mean", "max_bonus", "softmax"))
    aggregation_bonus: float = setting(0.1, "bonus per further matching passage in `max_bonus`",
        ge=0)
    aggregation_temperature: float = setting(
        0.04, "`softmax` temperature T: T x log(sum exp(cosine / T)); small: the best passage "
               "alone, large: every passage counts", gt=0, le=1)
    dense_feedback_weight: float = setting(
        0.2, "pseudo-relevance feedback: the query vector moves towards its nearest passages, "
             "q + this x their mean, and searches again (no second model call); 0: off",
        ge=0, le=2)
    dense_feedback_passages: int = setting(
        6, "how many nearest passages the feedback averages", ge=1, le=50)
    typo_correction: bool = setting(True, "fix misspelled query words from the blog's vocabulary")
    query_expansion: bool = setting(
        True, "add clinical terms for lay words (and back) at half weight")
    query_cache_bytes: int = setting(8 * 2**20, "bytes of query vectors each worker keeps "
                                                "(LRU), so repeated searches skip the model", ge=0)
    query_timeout_seconds: float = setting(5.0, "a slower search answers 503; <= 0 means no budget")
    title_signal_weight: float = setting(
        0.25, "title signal: fused score x (1 + this x how much of the title the query names)",
        ge=0)
    heading_signal_weight: float = setting(
        0.1, "the same for the best passage's heading", ge=0)
    title_coverage: float = setting(
        0.25, "title/heading signal blend: share of the field named (1) vs of the subject (0)",
        ge=0, le=1)
    body_regions: bool = setting(
        True, "a title naming only other body parts than the question (neck vs leg) gets no "
              "title signal (data/body_regions.txt)")
    region_conflict_penalty: float = setting(
        0.3, "a title naming only other body regions than the question (neck for a leg "
             "question) is lowered: fused x (1 - this)", ge=0, le=1)
    symptom_region_weight: float = setting(
        0.3, "a question naming where a spinal level's symptoms are felt (leg: lumbar; arm, "
             "hand: cervical) lifts titles naming that level: fused x (1 + this)", ge=0)
    decompound: bool = setting(
        True, "match split and joined words ('knee cap' = 'kneecap') from the corpus's words")
    strip_courtesy: bool = setting(
        True, "drop greetings, thanks and signatures from the keyword side of a query")
    courtesy_file: Path | None = setting(
        None, "an editor's extra courtesy phrases, one per line, added to the packaged list")
    suggest_limit: int = setting(8, "completions GET /api/suggest returns at most", ge=1, le=50)
    suggest_max_chars: int = setting(
        100, "longest prefix /api/suggest accepts (longer: 400; no completion is that long)",
        ge=1)
    suggest_popular: int = setting(
        200, "popular queries offered as completions (only those privacy_min_visitors "
             "visitors asked and that found articles); 0: none", ge=0)
