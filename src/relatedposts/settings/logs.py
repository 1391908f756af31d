"""What is recorded and for how long, what is shown, and the editor's reports built on it.

Read by logs/, quality/gaps.py, quality/links.py, console/.
"""

from __future__ import annotations

from dataclasses import dataclass

from relatedposts.settingspec import setting


@dataclass(frozen=True)
class LogSettings:
    """What is recorded, for how long, and what is shown."""

    query_log: str = setting(
        "queries.sqlite3", "the scrubbed query log, a SQLite file (a bare name is in INDEX_DIR; "
        "NAME.jsonl means NAME.sqlite3, a NAME.jsonl of before is imported once); empty: off")
    log_queries: bool = setting(True, "store searches in the query log at all (a site of the "
                                "sites file can turn it off with log_queries = false)")
    query_log_queue: int = setting(
        1000, "searches waiting for the query log's writer thread (scrubbed and stored after "
        "the answer is sent; when full, a search writes its row itself); 0: written before "
        "the answer", ge=0)
    privacy_min_visitors: int = setting(
        3, "a query is shown (console, gaps, `report --queries`) once this many distinct "
        "visitors asked it", ge=1)
    log_max_bytes: int = setting(10_000_000, "unused since the logs moved to SQLite (the "
                                 "JSON-lines files rotated at this size; they are imported)")
    log_backups: int = setting(5, "unused since the logs moved to SQLite (rotated .jsonl.N "
                               "files are all imported once)")
    log_retention_days: float = setting(90.0, "days query and event log rows are kept")
    event_log: str = setting("events.sqlite3", "click/impression store, a SQLite file (a bare "
                             "name is in INDEX_DIR; NAME.jsonl as for QUERY_LOG); empty: off")
    gap_cluster_distance: float = setting(
        0.5, "cosine distance under which unanswered searches join one topic", ge=0, le=2)
    links_per_article: int = setting(3, "internal-link suggestions per article at most", ge=0)
    draft_duplicate_similarity: float = setting(
        0.9, "a draft this similar to a published article is called a near-duplicate", ge=-1, le=1)
    draft_max_words: int = setting(
        5000, "longest draft the console checks (400 past it): each word costs embedding time",
        ge=1)
