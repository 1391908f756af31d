"""The article-record store: one JSON file per article in the corpus directory."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from relatedposts.errors import RelatedPostsError
from relatedposts.models import Article
from relatedposts.urls import url_key


def read_corpus(corpus_dir: Path) -> list[Article]:
    """Load every article record from a corpus directory, sorted by URL."""
    corpus = Path(corpus_dir)
    if not corpus.is_dir():
        raise RelatedPostsError(f"corpus directory {corpus} does not exist: run "
                                "'relatedposts scrape SOURCE' first", status=404)
    articles = []
    for path in sorted(corpus.glob("*.json")):
        try:
            articles.append(Article.from_dict(json.loads(path.read_text("utf-8"))))
        except (ValueError, KeyError, TypeError) as exc:
            raise RelatedPostsError(f"corpus record {path} is malformed: {exc}") from exc
    return sorted(articles, key=lambda a: a.url)


def record_name(url: str) -> str:
    """Return the file name of an article's record: readable slug plus a short hash."""
    key = url_key(url)
    slug = re.sub(r"[^a-z0-9]+", "-", key.rsplit("/", 1)[-1].lower()).strip("-")[:60] or "page"
    return f"{slug}-{hashlib.sha1(key.encode()).hexdigest()[:8]}.json"


def write_record(corpus: Path, article: Article, source_url: str,
                 validators: dict | None = None) -> None:
    """Write one article record atomically (temp file, then rename)."""
    record = article.to_dict() | {"source_url": source_url, "content_hash":
                                  article.content_hash()} | (validators or {})
    path = Path(corpus) / record_name(article.url)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
    os.replace(tmp, path)


def load_state(corpus: Path) -> dict[str, dict]:
    """Map each source URL to its last record (validators, content hash, file name)."""
    state = {}
    for path in Path(corpus).glob("*.json"):
        try:
            rec = json.loads(path.read_text("utf-8"))
        except ValueError:
            continue
        state[rec.get("source_url", rec.get("url"))] = rec | {"_file": path.name}
    return state


def prune(corpus: Path, seen_urls: set[str]) -> int:
    """Delete records whose source was not listed this time (a page removed from the site)."""
    removed = 0
    for path in Path(corpus).glob("*.json"):
        try:
            rec = json.loads(path.read_text("utf-8"))
        except ValueError:
            continue
        if rec.get("source_url", rec.get("url")) not in seen_urls:
            path.unlink()
            removed += 1
    return removed
