"""Fusion: one score per article from the dense, keyword, title and heading signals."""

from __future__ import annotations

import numpy as np

from relatedposts.config import Settings


def fuse(dense: np.ndarray, kw: np.ndarray, settings: Settings) -> np.ndarray:
    """Fuse dense and keyword scores as the settings say (weighted sum or RRF)."""
    how = settings.fusion
    if how == "dense":
        return dense
    if how == "bm25":
        return kw
    if how == "rrf":
        return rrf(dense, settings.rrf_k) + rrf(kw, settings.rrf_k)
    w = settings.dense_weight
    top = kw.max() if kw.size and kw.max() > 0 else 1.0
    return w * dense + (1 - w) * kw / top


def with_attributes(fused: np.ndarray, title: np.ndarray, heading: np.ndarray,
                    settings: Settings, symptom: np.ndarray | None = None,
                    conflict: np.ndarray | None = None) -> np.ndarray:
    """Lift the fused scores by the title and heading signals.

    Multiplied, not added: a title match lifts an article the text already supports and
    cannot drag up one that merely names a body part ("sore neck") in its title.
    conflict: titles naming only other body regions than the question ("Pinched Nerve in the
    Neck" for a leg question), lowered by region_conflict_penalty.
    """
    lift = 1.0 + settings.title_signal_weight * title + settings.heading_signal_weight * heading
    if symptom is not None:  # "down my leg" lifts the titles naming the lumbar level
        lift = lift + settings.symptom_region_weight * symptom
    if conflict is not None:
        lift = lift - settings.region_conflict_penalty * conflict
    return fused * lift


def rrf(scores: np.ndarray, k: int) -> np.ndarray:
    """Reciprocal-rank fusion term for each article (0 where the score is 0)."""
    ranks = np.empty(len(scores), dtype=np.float32)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return np.where(scores > 0, 1.0 / (k + ranks), 0.0).astype(np.float32)
