"""What a version keeps for the next publish, so a publish recomputes only what it changes.

Stored beside the lists (related_state.npz, NumPy arrays loaded with allow_pickle=False, and
related_state.json): the corpus statistics of the last full build (related_stats.py), every
article's sparse views under them, its dense and lexical neighbour lists with their scores,
and its ranked row before the in-degree cap. A fingerprint of the related settings and the
editors' overrides says whether they still apply; when it differs, or a version has no state
(format 2), the publish recomputes everything as a full build does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from scipy import sparse

from relatedposts.config import Settings
from relatedposts.indexing.overrides import Overrides
from relatedposts.indexing.related_candidates import Neighbours
from relatedposts.indexing.related_diversity import Row
from relatedposts.indexing.related_stats import VIEWS, CorpusStats, Views
from relatedposts.settings.related import RelatedSettings
from relatedposts.text import BM25Stats

NPZ, META = "related_state.npz", "related_state.json"
NEAR = ("dense_ids", "dense_sims", "lex_ids", "lex_scores")


@dataclass
class RelatedState:
    """The frozen statistics, views, neighbour lists and uncapped rows of one version."""

    stats: CorpusStats
    views: Views
    near: Neighbours
    ranked: tuple[np.ndarray, np.ndarray, np.ndarray]  # uncapped rows: ids, scores, flags
    fingerprint: str

    def save(self, directory: Path) -> None:
        """Write the state into a version directory."""
        arrays: dict[str, np.ndarray] = {f"near_{k}": getattr(self.near, k) for k in NEAR}
        for v in VIEWS:
            m = getattr(self.views, v)
            arrays.update({f"{v}_data": m.data, f"{v}_indices": m.indices,
                           f"{v}_indptr": m.indptr, f"{v}_shape": np.array(m.shape)})
        arrays.update(zip(("ranked_ids", "ranked_scores", "ranked_flags"), self.ranked,
                          strict=True))
        s = self.stats
        arrays.update(title_idf=s.title_idf, body_idf=s.body_idf, bm25_idf=s.bm25.idf,
                      mean=s.mean)
        np.savez(directory / NPZ, **arrays)  # type: ignore[arg-type]  # names are str keys
        meta = {"fingerprint": self.fingerprint, "articles": s.articles,
                "title_vocab": list(s.title_vocab), "body_vocab": list(s.body_vocab),
                "bm25_vocab": list(s.bm25.vocab), "bm25_mean_length": s.bm25.mean_length,
                "bm25_k1": s.bm25.k1, "bm25_b": s.bm25.b}
        (directory / META).write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, directory: Path) -> RelatedState | None:
        """Read a version's state; None when it has none (older versions)."""
        if not (directory / NPZ).is_file() or not (directory / META).is_file():
            return None
        meta = json.loads((directory / META).read_text("utf-8"))
        with np.load(directory / NPZ, allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        views = Views(*(sparse.csr_matrix((a[f"{v}_data"], a[f"{v}_indices"], a[f"{v}_indptr"]),
                                          shape=tuple(a[f"{v}_shape"].tolist())) for v in VIEWS))
        stats = CorpusStats(
            meta["articles"], _vocab(meta["title_vocab"]), a["title_idf"],
            _vocab(meta["body_vocab"]), a["body_idf"],
            BM25Stats(_vocab(meta["bm25_vocab"]), a["bm25_idf"], meta["bm25_mean_length"],
                      meta["bm25_k1"], meta["bm25_b"]), a["mean"])
        near = Neighbours(*(a[f"near_{k}"] for k in NEAR))
        ranked = (a["ranked_ids"], a["ranked_scores"], a["ranked_flags"])
        return cls(stats, views, near, ranked, str(meta["fingerprint"]))


def fingerprint(settings: Settings, overrides: Overrides, urls: list[str]) -> str:
    """Return a digest of what the stored rows depend on besides the articles: the related
    settings and the overrides (by URL, since positions move)."""
    values = {f.name: getattr(settings, f.name) for f in fields(RelatedSettings)}
    values["max_limit"] = settings.max_limit
    values["overrides"] = {
        "pins": sorted((urls[i], [urls[j] for j in js]) for i, js in overrides.pins.items()),
        "blocks": sorted((urls[i], sorted(urls[j] for j in js))
                         for i, js in overrides.blocks.items()),
        "excluded": sorted(urls[i] for i in overrides.excluded)}
    raw = json.dumps(values, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def rows_to_arrays(rows: list[Row], into: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                   which: list[int] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pack ranked rows into -1 padded (n, longest) arrays of ids, scores and flags; with
    into, overwrite only the rows `which` of those arrays (widened when needed)."""
    which = list(range(len(rows))) if which is None else which
    width = max((len(rows[i]) for i in which), default=0)
    if into is None:
        into = (np.full((len(rows), 0), -1, np.int32), np.zeros((len(rows), 0), np.float32),
                np.zeros((len(rows), 0), np.int8))
    ids, scores, flags = into
    if width > ids.shape[1]:
        pad = ((0, 0), (0, width - ids.shape[1]))
        ids, scores = np.pad(ids, pad, constant_values=-1), np.pad(scores, pad)
        flags = np.pad(flags, pad)
    for i in which:
        row = rows[i]
        ids[i], scores[i], flags[i] = -1, 0.0, 0
        if row:
            js, ss, fs = zip(*row, strict=True)
            ids[i, :len(row)], scores[i, :len(row)], flags[i, :len(row)] = js, ss, fs
    return ids, scores, flags


def rows_from_arrays(ids: np.ndarray, scores: np.ndarray, flags: np.ndarray) -> list[Row]:
    """Unpack what _rows_to_arrays packed (the scores as float32 values, as stored)."""
    lengths = (ids >= 0).sum(axis=1).tolist()
    out: list[Row] = []
    for i, js, ss, fs in zip(lengths, ids.tolist(), scores.tolist(), flags.tolist(), strict=True):
        out.append(list(zip(js[:i], ss[:i], fs[:i], strict=True)))
    return out


def _vocab(words: list[str]) -> dict[str, int]:
    return {w: k for k, w in enumerate(words)}
