"""The embedding cache: chunk vectors keyed by model name + sha256 of the text they embed.

One file per model, INDEX_DIR/cache/<model>/embeddings.npz, holding a `keys` array (hex
digests) and a `vectors` array (float32, one row per key); no pickle. It is rewritten whole
(temp file, fsync, rename) after each build, holding that build's vectors first and older ones
after, up to Settings.embed_cache_entries. A cache that cannot be read, has the wrong shape
or whose vectors no longer match the model is discarded with a warning, never fatal.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from relatedposts.indexing.embedders import Embedder

log = logging.getLogger(__name__)
CACHE_FILE = "embeddings.npz"
BATCH = 256  # texts per encode call: one progress-bar step
OnStep = Callable[[int, int], None]  # (texts embedded so far, texts to embed)
PROBE = 4  # cached texts re-embedded to check the cache still matches the model
MATCH = 0.98  # cosine a re-embedded probe must reach


@dataclass(frozen=True)
class EmbedStats:
    """How many chunk vectors were computed and how many came from the cache."""

    embedded: int
    reused: int
    discarded: str = ""  # why an existing cache was thrown away, if it was


def cache_key(model: str, text: str) -> str:
    """Return the cache key of one text under one model."""
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()


def cache_name(embedder: Embedder) -> str:
    """Return the name the cache files vectors under: the model plus precision and cut-off."""
    return str(getattr(embedder, "cache_name", embedder.name))


def cache_dir(index_dir: Path, model: str) -> Path:
    """Return the cache directory of a model under an index directory."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model)[:60] or "model"
    return Path(index_dir) / "cache" / f"{safe}-{hashlib.sha1(model.encode()).hexdigest()[:8]}"


def load_cache(directory: Path, dim: int) -> tuple[dict[str, int], np.ndarray, str]:
    """Read a cache file: key -> row, the vectors, and why it was discarded ('' if it wasn't)."""
    empty = np.zeros((0, dim), dtype=np.float32)
    path = Path(directory) / CACHE_FILE
    if not path.is_file():
        return {}, empty, ""
    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = [k.decode("ascii") for k in npz["keys"].tolist()]
            vectors = np.ascontiguousarray(npz["vectors"], dtype=np.float32)
        if vectors.shape != (len(keys), dim) or not np.isfinite(vectors).all():
            raise ValueError(f"shape {vectors.shape} for {len(keys)} keys of dimension {dim}")
    except Exception as exc:  # noqa: BLE001 - any damage means the same: start afresh
        reason = f"unreadable embedding cache {path} ({type(exc).__name__}: {exc})"[:300]
        log.warning("%s: discarded", reason)
        return {}, empty, reason
    return {k: i for i, k in enumerate(keys)}, vectors, ""


def save_cache(directory: Path, keys: Sequence[str], vectors: np.ndarray,
               old: tuple[dict[str, int], np.ndarray], limit: int) -> None:
    """Write this build's vectors first, then older entries, up to limit rows, atomically."""
    first = {k: i for i, k in enumerate(keys)}
    old_index, old_vectors = old
    new_keys = list(first)[:limit]
    extra = [k for k in old_index if k not in first][: max(0, limit - len(new_keys))]
    stacked = np.concatenate([vectors[[first[k] for k in new_keys]],
                              old_vectors[[old_index[k] for k in extra]]])
    all_keys = new_keys + extra
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CACHE_FILE
    tmp = path.with_name(f".{CACHE_FILE}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, keys=np.array([k.encode("ascii") for k in all_keys], dtype="S64"),
                 vectors=stacked.astype(np.float32))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def embed_cached(texts: Sequence[str], embedder: Embedder, directory: Path, limit: int,
                 progress: bool = False, on_step: OnStep | None = None
                 ) -> tuple[np.ndarray, EmbedStats]:
    """Embed texts, reusing cached vectors and computing only the new ones.

    on_step(done, total) hears each batch of the texts the cache missed.
    """
    keys = [cache_key(cache_name(embedder), t) for t in texts]
    index, cached, discarded = load_cache(directory, embedder.dim)
    if index and not _probe_matches(texts, keys, index, cached, embedder):
        discarded = f"embedding cache {directory} no longer matches model {embedder.name}"
        log.warning("%s: discarded", discarded)
        index, cached = {}, cached[:0]
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    todo: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        row = index.get(key)
        if row is None:
            todo.setdefault(key, []).append(i)
        else:
            out[i] = cached[row]
    fresh = _encode([texts[rows[0]] for rows in todo.values()], embedder, progress, on_step)
    for vector, rows in zip(fresh, todo.values(), strict=True):
        out[rows] = vector
    try:
        save_cache(directory, keys, out, (index, cached), limit)
    except OSError as exc:  # a cache we cannot write only costs time next build
        log.warning("cannot write the embedding cache %s: %s", directory, exc)
    reused = len(texts) - sum(len(r) for r in todo.values())
    return out, EmbedStats(embedded=len(todo), reused=reused, discarded=discarded)


def _encode(texts: list[str], embedder: Embedder, progress: bool,
            on_step: OnStep | None = None) -> np.ndarray:
    """Embed texts longest first, in steps of a progress bar, and return them in input order.

    Sorting the whole build by length (not only within a step) lets the embedder's batches
    hold texts of nearly equal length, so little compute goes into padding.
    """
    step = on_step or (lambda done, total: None)
    step(0, len(texts))
    bulk = getattr(embedder, "encode_all", None)  # a cluster embedder takes everything at once
    if bulk is not None:
        vectors = np.asarray(bulk(texts), dtype=np.float32).reshape(len(texts), embedder.dim)
        step(len(texts), len(texts))
        return vectors
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    with tqdm(total=len(texts), desc="embedding", unit="chunk", leave=False,
              disable=None if progress else True) as bar:
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            out[rows] = np.asarray(embedder.encode([texts[i] for i in rows]), dtype=np.float32)
            bar.update(len(rows))
            step(start + len(rows), len(texts))
    return out


def _probe_matches(texts: Sequence[str], keys: list[str], index: dict[str, int],
                   cached: np.ndarray, embedder: Embedder) -> bool:
    """Re-embed a few cached texts and check the cached vectors still agree with the model."""
    hits = [i for i, k in enumerate(keys) if k in index]
    if not hits:
        return True
    sample = [hits[int(j)] for j in np.linspace(0, len(hits) - 1, min(PROBE, len(hits)))]
    fresh = np.asarray(embedder.encode([texts[i] for i in sample]), dtype=np.float32)
    stored = cached[[index[keys[i]] for i in sample]]
    return bool((np.sum(fresh * stored, axis=1) >= MATCH).all())
