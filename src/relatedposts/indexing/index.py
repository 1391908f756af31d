"""The index on disk: versioned directories of FAISS + JSON + NumPy files and a manifest.

Layout:  INDEX_DIR/versions/<version>/{manifest.json, articles.jsonl, chunks.jsonl,
chunks.faiss, article_vectors.npy, related_{ids,scores,flags}.npy, related.json, bm25/,
vocab.json, related_state.{npz,json}}
related_state is what the next publish-time ingest needs (related_state.py); format-2
versions lack it and still load (their next publish recomputes every list).
No pickle anywhere. Which versions exist and which is live (CURRENT, HISTORY) is the
version store's (versions.py); cache/ is the embedding cache (embcache.py).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np

from relatedposts.errors import IndexFormatError
from relatedposts.indexing.keywords import KeywordIndex
from relatedposts.indexing.related import RelatedLists
from relatedposts.indexing.related_state import RelatedState
from relatedposts.models import Article, Chunk

FORMAT_VERSION = 3  # 3: related_state.{npz,json}, what the next publish needs
READABLE = (2, 3)  # a format-2 version has no state: its next publish recomputes everything
BUILD_HINT = "run 'relatedposts build' (or scripts/rebuild-index) to build one"


@dataclass(frozen=True)
class Manifest:
    """What an index holds and how it was made; checked on every load."""

    format_version: int
    version: str
    model: str
    dim: int
    articles: int
    chunks: int
    built_at: str
    corpus_hash: str
    package_version: str
    index_type: str
    libraries: dict[str, str] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass
class IndexData:
    """Everything a loaded index holds, ready to serve."""

    manifest: Manifest
    articles: list[Article]
    chunks: list[Chunk]
    faiss_index: faiss.Index
    article_vectors: np.ndarray
    related: RelatedLists
    keyword: KeywordIndex
    path: Path | None = None


def save(data: IndexData, version_dir: Path) -> None:
    """Write an index into a new directory (which must not exist yet)."""
    version_dir.mkdir(parents=True)
    with open(version_dir / "articles.jsonl", "w", encoding="utf-8") as f:
        for a in data.articles:
            f.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
    with open(version_dir / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in data.chunks:
            f.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
    faiss.write_index(data.faiss_index, str(version_dir / "chunks.faiss"))
    np.save(version_dir / "article_vectors.npy", data.article_vectors, allow_pickle=False)
    rel = data.related
    for name, array in (("ids", rel.ids), ("scores", rel.scores), ("flags", rel.flags)):
        np.save(version_dir / f"related_{name}.npy", array, allow_pickle=False)
    _write_json(version_dir / "related.json", {"duplicates": rel.duplicates,
                                                "key_terms": rel.key_terms,
                                                "notes": {str(i): note for i, note
                                                          in rel.notes.items()}})
    data.keyword.save(version_dir)
    if rel.state is not None:
        rel.state.save(version_dir)
    # The manifest goes last: a directory without one is an unfinished build.
    _write_json(version_dir / "manifest.json", data.manifest.to_dict())


def load(version_dir: Path, expect_model: str | None = None,
         expect_dim: int | None = None, mmap: bool = False) -> IndexData:
    """Load one version directory, checking the manifest against the files and the model.

    With mmap the FAISS vectors stay in the file (read through the page cache, shared by
    every process that maps it) instead of being copied into this process's memory.
    """
    manifest = read_manifest(version_dir)
    if manifest.format_version not in READABLE:
        raise IndexFormatError(f"index {version_dir} has format {manifest.format_version}, "
                               f"this service reads format {FORMAT_VERSION}: {BUILD_HINT}")
    if expect_model is not None and manifest.model != expect_model:
        raise IndexFormatError(f"index {version_dir} was built with model {manifest.model!r} "
                               f"but the service uses {expect_model!r}: rebuild the index")
    if expect_dim is not None and manifest.dim != expect_dim:
        raise IndexFormatError(f"index dimension {manifest.dim} does not match the model's "
                               f"{expect_dim}: rebuild the index")
    try:
        articles = [Article.from_dict(json.loads(line)) for line in
                    (version_dir / "articles.jsonl").read_text("utf-8").splitlines()]
        chunks = [Chunk(**json.loads(line)) for line in
                  (version_dir / "chunks.jsonl").read_text("utf-8").splitlines()]
        index = faiss.read_index(str(version_dir / "chunks.faiss"), _read_flags(mmap))
        vectors = np.load(version_dir / "article_vectors.npy", allow_pickle=False)
        related = _load_related(version_dir)
        keyword = KeywordIndex.load(version_dir)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexFormatError(f"index {version_dir} is corrupt or truncated "
                               f"({type(exc).__name__}: {str(exc)[:200]}): {BUILD_HINT}") from exc
    data = IndexData(manifest, articles, chunks, index, vectors, related, keyword, version_dir)
    check_consistent(data)
    return data


def load_state(data: IndexData) -> RelatedState | None:
    """Return what the next publish needs: the in-memory state, else the stored one (read
    only here, so serving never pays for it); None for a version without one or with an
    unreadable one (the publish then recomputes everything, as a build does)."""
    if data.related.state is None and data.path is not None:
        try:
            data.related.state = RelatedState.load(data.path)
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return data.related.state


def load_articles(version_dir: Path) -> list[Article]:
    """Read only a version's articles (no vectors, no keyword index)."""
    try:
        return [Article.from_dict(json.loads(line)) for line in
                (version_dir / "articles.jsonl").read_text("utf-8").splitlines()]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexFormatError(f"index {version_dir} has unreadable articles: {exc}") from exc


def _read_flags(mmap: bool) -> int:
    """Return FAISS read flags: zero-copy mmap of the vectors where this FAISS supports it."""
    if not mmap:
        return 0
    # IO_FLAG_MMAP_IFC (faiss >= 1.10) maps flat codes too; IO_FLAG_MMAP alone only maps
    # inverted lists, which a flat or HNSW index does not have.
    return getattr(faiss, "IO_FLAG_MMAP_IFC", 0) | faiss.IO_FLAG_MMAP


def check_consistent(data: IndexData) -> None:
    """Raise IndexFormatError unless every file agrees with the manifest."""
    m = data.manifest
    problems = []
    if len(data.articles) != m.articles:
        problems.append(f"{len(data.articles)} articles, manifest says {m.articles}")
    if len(data.chunks) != m.chunks or data.faiss_index.ntotal != m.chunks:
        problems.append(f"{len(data.chunks)} chunks and {data.faiss_index.ntotal} vectors, "
                        f"manifest says {m.chunks}")
    if data.faiss_index.d != m.dim or data.article_vectors.shape != (m.articles, m.dim):
        problems.append(f"vector dimension {data.faiss_index.d}, manifest says {m.dim}")
    rel = data.related
    if (rel.ids.shape[0] != m.articles or rel.ids.shape != rel.scores.shape
            or rel.ids.shape != rel.flags.shape or len(rel.key_terms) != m.articles):
        problems.append("related lists do not match the article count")
    if data.keyword.bm25.scores.get("num_docs") != m.articles:
        problems.append("keyword index does not match the article count")
    if any(not 0 <= c.article < m.articles for c in data.chunks):
        problems.append("a chunk points outside the article list")
    if problems:
        raise IndexFormatError("index is inconsistent: " + "; ".join(problems))


def _load_related(version_dir: Path) -> RelatedLists:
    """Read the related-list arrays and their JSON side data."""
    meta = json.loads((version_dir / "related.json").read_text("utf-8"))
    ids, scores, flags = (np.load(version_dir / f"related_{n}.npy", allow_pickle=False)
                          for n in ("ids", "scores", "flags"))
    return RelatedLists(ids, scores, flags, duplicates=meta["duplicates"],
                        key_terms=meta["key_terms"],
                        notes={int(i): str(v) for i, v in meta.get("notes", {}).items()})


def read_manifest(version_dir: Path) -> Manifest:
    """Read and validate manifest.json of a version directory."""
    path = version_dir / "manifest.json"
    try:
        return Manifest(**json.loads(path.read_text("utf-8")))
    except FileNotFoundError as exc:
        raise IndexFormatError(f"{path} is missing: the build did not finish") from exc
    except (ValueError, TypeError) as exc:
        raise IndexFormatError(f"{path} is malformed: {exc}") from exc


def _write_json(path: Path, payload: object) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)
