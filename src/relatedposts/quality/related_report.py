"""Editor-facing checks of related lists: the build report and a labeled quality evaluation."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np

from relatedposts.errors import BadRequest
from relatedposts.indexing import index as idx
from relatedposts.indexing.reasons import FALLBACK
from relatedposts.indexing.versions import VersionStore
from relatedposts.models import Article
from relatedposts.text import tfidf_matrix
from relatedposts.urls import url_key


@dataclass
class Report:
    """What an editor should look at after a build."""

    version: str
    orphans: list[str] = field(default_factory=list)
    over_recommended: list[tuple[str, int]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    duplicates: list[list[str]] = field(default_factory=list)
    overrides: dict[str, object] = field(default_factory=dict)
    previous: str | None = None
    thin: list[str] = field(default_factory=list)  # "url (N words)": short, kept articles
    # issue 25: the editor's search curation in this version, query -> {"pin", "hide"}
    search_rules: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def top_lists(data: idx.IndexData, limit: int) -> list[list[int]]:
    """Return each article's first `limit` related positions, fallback entries left out."""
    rel = data.related
    return [[int(j) for j, f in zip(rel.ids[i, :limit], rel.flags[i, :limit], strict=True)
             if j >= 0 and f != FALLBACK] for i in range(len(data.articles))]


def build_report(index_dir: Path, limit: int, thin_words: int = 50) -> Report:
    """Compare the live version with the previous one and list orphans and hubs."""
    store = VersionStore(index_dir)
    data = idx.load(store.current())
    urls = [a.url for a in data.articles]
    lists = top_lists(data, limit)
    counts = Counter(j for row in lists for j in row)
    report = Report(version=data.manifest.version,
                    duplicates=[[urls[i] for i in g] for g in data.related.duplicates],
                    overrides=dict(cast(dict[str, object],
                                        data.manifest.settings.get("overrides") or {})))
    report.overrides["warnings"] = data.manifest.settings.get("override_warnings", [])
    report.search_rules = cast(dict[str, dict[str, list[str]]],
                               data.manifest.settings.get("search_rules") or {})
    report.orphans = [urls[i] for i in range(len(urls)) if counts[i] == 0]
    report.thin = [f"{a.url} ({a.word_count} words)" for a in data.articles
                   if a.word_count < thin_words]
    # A post in far more lists than average crowds out the rest of the blog.
    cap = max(3 * limit, int(np.mean(list(counts.values()) or [0]) * 3))
    report.over_recommended = [(urls[j], c) for j, c in counts.most_common() if c > cap]
    older = store.older_than_current()
    if older:
        report.previous = older[0].name
        report.changed = _changed(idx.load(older[0]), data, lists, limit)
    return report


def _changed(old: idx.IndexData, new: idx.IndexData, new_lists: list[list[int]],
             limit: int) -> list[str]:
    """Return URLs whose related list differs from the previous version's."""
    old_urls = {a.url: i for i, a in enumerate(old.articles)}
    old_lists = top_lists(old, limit)
    changed = []
    for i, a in enumerate(new.articles):
        before = old_lists[old_urls[a.url]] if a.url in old_urls else None
        after = [new.articles[j].url for j in new_lists[i]]
        if before is None or [old.articles[j].url for j in before] != after:
            changed.append(a.url)
    return changed


@dataclass(frozen=True)
class RelatedQuality:
    """Precision@k, recall@k against labels, and coverage over all articles."""

    precision: float
    recall: float
    coverage: float
    articles: int


def load_labels(path: Path) -> dict[str, list[str]]:
    """Read a JSON object: article slug or URL -> list of related slugs or URLs."""
    try:
        raw = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise BadRequest(f"cannot read labels {path}: {exc}") from exc
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise BadRequest(f"labels {path}: expected {{article: [related, ...]}}")
    return raw


def _slug(url_or_slug: str) -> str:
    return url_key(url_or_slug).rsplit("/", 1)[-1]


def score_lists(articles: list[Article], lists: list[list[int]], labels: dict[str, list[str]],
                k: int) -> RelatedQuality:
    """Score related lists (positions per article) against labels keyed by slug or URL."""
    slugs = [_slug(a.url) for a in articles]
    labelled = {_slug(k_): {_slug(v) for v in vs} for k_, vs in labels.items()}
    precision = recall = 0.0
    n = 0
    for i, s in enumerate(slugs):
        if s not in labelled or not labelled[s]:
            continue
        got = {slugs[j] for j in lists[i][:k]}
        hits = len(got & labelled[s])
        precision += hits / k
        recall += hits / len(labelled[s])
        n += 1
    if not n:
        raise BadRequest("no labelled article is in the index: check the slugs or URLs")
    shown = {j for row in lists for j in row[:k]}
    return RelatedQuality(precision / n, recall / n, len(shown) / len(articles), n)


def tfidf_lists(articles: list[Article], k: int) -> list[list[int]]:
    """Baseline: top-k neighbours by TF-IDF cosine of title and body (as WordPress plugins do)."""
    matrix = tfidf_matrix([f"{a.title} {a.title} {a.body}" for a in articles])
    sims = (matrix @ matrix.T).toarray()
    np.fill_diagonal(sims, -1.0)
    return [list(np.argsort(-row, kind="stable")[:k]) for row in sims]
