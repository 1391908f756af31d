"""Where things live: the corpus, the index versions, the editor's files, sites.

Read by indexing/versions.py, ingest/store.py, sites.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from relatedposts.settingspec import setting


@dataclass(frozen=True)
class StorageSettings:
    """Where things live."""

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
    keep_versions: int = setting(5, "index versions kept on disk", ge=1)
    max_article_drop: float = setting(
        0.2, "largest share of articles a new version may lose without --force", ge=0, le=1)
    log_file: Path | None = setting(
        Path("indexes/rebuild.log"), "rebuild's log (appended); empty: none")
    sites_file: Path | None = setting(
        None, "TOML file of [sites.NAME] tables served together; empty: one site as before")
    site_name: str = setting("", "with a sites file: the site a command works on (--site)")
