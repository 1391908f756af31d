"""The 'You Might Also Enjoy' lists: candidates, similarity weights, diversity, duplicates.

Read by indexing/related*.py, indexing/duplicates.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from relatedposts.settingspec import setting


@dataclass(frozen=True)
class RelatedSettings:
    """The 'You Might Also Enjoy' lists."""

    related_limit: int = setting(5, "related posts shown by default", ge=1)
    related_depth: int = setting(20, "related posts chosen by diversity (MMR) before plain score",
        ge=1)
    related_min_score: float = setting(
        0.05, "least similarity for a related post; fewer are filled with recent posts",
        ge=-1, le=1)
    related_mmr_lambda: float = setting(
        1.0, "MMR balance: 1 is pure relevance, lower prefers variety", ge=0, le=1)
    related_max_in_degree: int = setting(
        20, "most lists (first related_limit slots) one post may appear in; 0: no cap", ge=0)
    related_candidates: int = setting(
        60, "neighbours taken from each view (dense and lexical) before scoring", ge=1)
    # The similarity: a weighted sum of views (weights chosen on the dev-derived labels).
    related_dense_weight: float = setting(
        0.0, "weight of meaning (whole-article vectors, cosine) in related-post similarity",
        ge=0)
    related_passage_weight: float = setting(
        0.5, "weight of passage-level similarity (each passage's best match in the other "
             "post, both ways: Chamfer) in related-post similarity", ge=0)
    related_passage_centring: float = setting(
        1.0, "share of the corpus' mean vector taken off each passage before the passage "
             "view (1: fully centred, fewer posts in every list on a one-topic blog; 0: plain)",
        ge=0, le=1)
    related_centred_weight: float = setting(
        0.5, "weight of the whole-article vectors after centring (less hubness) in the "
             "similarity", ge=0)
    related_title_weight: float = setting(
        0.55, "weight of the titles' TF-IDF cosine in related-post similarity", ge=0)
    related_bm25_weight: float = setting(
        0.7, "weight of BM25 with each title as the query over the other post's text", ge=0)
    related_lexical_weight: float = setting(
        0.0, "weight of shared distinctive words of the bodies (TF-IDF) in the similarity",
        ge=0)
    related_tag_weight: float = setting(0.25, "weight of shared tags in related-post similarity",
        ge=0)
    related_half_life_days: float = setting(
        0.0, "recency decay of related posts in days; 0 disables it", ge=0)
    duplicate_jaccard: float = setting(
        0.8, "word 5-gram overlap (Jaccard) from which two posts are the same text", gt=0, le=1)
    title_weight: int = setting(
        3, "times the title counts in keyword and TF-IDF text (headings count twice)", ge=0)
