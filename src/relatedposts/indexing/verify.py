"""The gate a new index version must pass before CURRENT points at it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from relatedposts.config import Settings
from relatedposts.errors import IndexFormatError, RelatedPostsError
from relatedposts.indexing import index as idx
from relatedposts.indexing.embedders import Embedder, model_name

SAMPLE = 20  # articles checked for self-retrieval
TIE = 1e-4  # a hit this close to the article's own chunk counts as a tie (duplicate text)
MATCH = 0.98  # cosine a re-embedded chunk must reach against its stored vector


class GateRefused(RelatedPostsError):
    """A new version failed verification: it was not made live (exit status 3)."""

    status = 409
    exit_code = 3

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the new index failed verification and was not made live: "
                         + "; ".join(problems))
        self.problems = problems


def verify(version_dir: Path, settings: Settings, previous_manifest: idx.Manifest | None,
           embedder: Embedder | None = None) -> list[str]:
    """Return why version_dir must not go live (empty when it may); None previous: no drop check."""
    try:
        data = idx.load(version_dir)
    except IndexFormatError as exc:
        return [exc.message]
    problems = _model_problems(data.manifest, settings, previous_manifest, embedder)
    problems += _drop_problems(data.manifest, previous_manifest, settings.max_article_drop)
    problems += related_problems(data)
    if not problems:
        problems += _retrieval_problems(data, embedder)
    return problems


def related_problems(data: idx.IndexData) -> list[str]:
    """Check the related arrays: (articles, depth) shapes, ids in range, finite scores.

    A bad id makes /api/related fail and a NaN score is not JSON; both are refused here, at
    the gate and again when the service loads a version.
    """
    rel, n = data.related, len(data.articles)
    shape = rel.ids.shape
    if (len(shape) != 2 or shape[0] != n or rel.scores.shape != shape
            or rel.flags.shape != shape):
        return [f"related arrays have shapes {rel.ids.shape}, {rel.scores.shape}, "
                f"{rel.flags.shape}; expected ({n}, depth) each"]
    problems = []
    if not np.issubdtype(rel.ids.dtype, np.integer):
        problems.append(f"related ids are {rel.ids.dtype}, not integers")
    elif rel.ids.size and (rel.ids.min() < -1 or rel.ids.max() >= n):
        problems.append(f"related ids outside 0..{n - 1} (min {rel.ids.min()}, max "
                        f"{rel.ids.max()})")
    elif np.any(rel.ids == np.arange(n)[:, None]):
        problems.append("an article is listed as related to itself")
    if not np.issubdtype(rel.scores.dtype, np.floating):
        problems.append(f"related scores are {rel.scores.dtype}, not numbers")
    elif not np.all(np.isfinite(rel.scores)):
        problems.append("related scores include NaN or infinity")
    if not np.all(np.isfinite(data.article_vectors)):
        problems.append("article vectors include NaN or infinity")
    return problems


def _model_problems(m: idx.Manifest, settings: Settings, previous: idx.Manifest | None,
                    embedder: Embedder | None) -> list[str]:
    """Check the model name and vector dimension against the configured embedder."""
    problems = []
    expected = model_name(settings)
    if m.model != expected:
        problems.append(f"built with model {m.model!r} but the configured model is "
                        f"{expected!r}")
    dim = embedder.dim if embedder is not None else (
        previous.dim if previous is not None and previous.model == m.model else m.dim)
    if m.dim != dim:
        problems.append(f"vector dimension {m.dim} does not match the model's {dim}")
    return problems


def _drop_problems(m: idx.Manifest, previous: idx.Manifest | None, max_drop: float) -> list[str]:
    """Refuse a version that lost more than max_drop of the live version's articles."""
    if previous is None or previous.articles <= 0:
        return []
    drop = 1 - m.articles / previous.articles
    if drop <= max_drop:
        return []
    return [f"article count dropped from {previous.articles} to {m.articles} "
            f"({drop:.0%}, more than the allowed {max_drop:.0%}): check the scrape, "
            "or pass --force if the articles really were removed"]


def _retrieval_problems(data: idx.IndexData, embedder: Embedder | None) -> list[str]:
    """Search each sampled article's first chunk: it must come back first, as stored."""
    owned: dict[int, list[int]] = {}
    for cid, chunk in enumerate(data.chunks):
        owned.setdefault(chunk.article, []).append(cid)
    picks = sorted({int(i) for i in np.linspace(0, len(data.articles) - 1,
                                                min(SAMPLE, len(data.articles)))})
    if any(a not in owned for a in picks):
        return ["a sampled article has no chunks"]
    ids = [owned[a][0] for a in picks]
    stored = np.vstack([data.faiss_index.reconstruct(cid) for cid in ids])
    if not np.all(np.isfinite(stored)):
        return ["sampled chunk vectors include NaN or infinity"]
    problems = _alignment_problems(data, picks, owned)
    if embedder is not None:
        texts = [data.chunks[cid].embed_text(data.articles[data.chunks[cid].article].title)
                 for cid in ids]
        fresh = np.asarray(embedder.encode(texts), dtype=np.float32)
        off = int(np.sum(np.sum(fresh * stored, axis=1) < MATCH))
        if off:
            problems.append(f"{off} of {len(ids)} sampled chunks do not match their text "
                            "under this model (stale embeddings?)")
    sims, hits = data.faiss_index.search(stored, min(10, len(data.chunks)))
    missed = [data.articles[data.chunks[cid].article].url
              for cid, s, h in zip(ids, sims, hits, strict=True) if not _finds_self(cid, s, h)]
    if missed:
        problems.append(f"self-retrieval failed for {len(missed)} of {len(ids)} sampled "
                        f"articles (e.g. {missed[0]})")
    return problems


def _alignment_problems(data: idx.IndexData, picks: list[int],
                        owned: dict[int, list[int]]) -> list[str]:
    """Check each sampled article's vector is the mean of its chunks' vectors in FAISS."""
    bad = []
    for a in picks:
        mean = np.vstack([data.faiss_index.reconstruct(c) for c in owned[a]]).sum(axis=0)
        norm = float(np.linalg.norm(mean))
        if norm == 0 or float(mean @ data.article_vectors[a]) / norm < MATCH:
            bad.append(data.articles[a].url)
    if not bad:
        return []
    return [f"article vectors disagree with the chunk index for {len(bad)} of {len(picks)} "
            f"sampled articles (e.g. {bad[0]})"]


def _finds_self(cid: int, sims: np.ndarray, hits: np.ndarray) -> bool:
    """Return whether chunk cid is the top hit for its own vector, or tied with it."""
    where = np.flatnonzero(hits == cid)
    return bool(where.size) and sims[where[0]] >= sims[0] - TIE
