"""Typed value objects passed between modules."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from relatedposts.lists import flatten


@dataclass(frozen=True)
class Section:
    """A headed part of an article body; heading is '' for the introduction."""

    heading: str
    text: str


@dataclass(frozen=True)
class Article:
    """One normalized article, as the scraper writes it and the index reads it."""

    url: str
    title: str
    sections: tuple[Section, ...]
    date: str | None = None
    summary: str = ""
    image: str | None = None
    tags: tuple[str, ...] = ()
    category: str | None = None
    links: tuple[str, ...] = ()  # same-site links in the body (internal-link suggestions)

    @property
    def body(self) -> str:
        """Return the whole body text, sections joined."""
        return "\n\n".join(s.text for s in self.sections)

    @property
    def word_count(self) -> int:
        """Return how many words the body has (a list's "- " markers are not words)."""
        return sum(len(flatten(p).split()) for p in self.body.split("\n\n"))

    def content_hash(self) -> str:
        """Return a hash of everything that affects indexing."""
        payload = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        d = asdict(self)
        d["sections"] = [asdict(s) for s in self.sections]
        d["tags"] = list(self.tags)
        d["links"] = list(self.links)
        if not self.links:  # records (and content hashes) of link-less articles stay as they were
            del d["links"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Article:
        """Build an Article from its JSON dict."""
        return cls(
            url=d["url"],
            title=d["title"],
            sections=tuple(Section(s["heading"], s["text"]) for s in d["sections"]),
            date=d.get("date"),
            summary=d.get("summary") or "",
            image=d.get("image"),
            tags=tuple(d.get("tags") or ()),
            category=d.get("category"),
            links=tuple(d.get("links") or ()),
        )


@dataclass(frozen=True)
class Chunk:
    """A passage of one article: the unit that is embedded and searched."""

    article: int  # position of the article in the index
    heading: str
    text: str
    position: int  # order of the chunk within its article

    def embed_text(self, title: str) -> str:
        """Return the text given to the model: title and heading give the passage context."""
        parts = [title, self.heading, self.text] if self.heading else [title, self.text]
        return ". ".join(p.strip().rstrip(".") for p in parts if p.strip()) + "."


@dataclass(frozen=True)
class Failure:
    """A page that was skipped, and why (skipped: on purpose, a listing page or not HTML)."""

    url: str
    reason: str
    skipped: bool = False


@dataclass
class ScrapeReport:
    """What a scrape produced: articles written, pages skipped, and counts."""

    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)  # kept, but worth a look (thin...)
    duplicates: list[Failure] = field(default_factory=list)  # folded into another page
    unchanged: int = 0
    removed: int = 0
    prune_skipped: str = ""  # why prune deleted nothing this time, if it was skipped


@dataclass(frozen=True)
class SearchHit:
    """One article in a search result."""

    url: str
    title: str
    summary: str
    snippet: str
    score: float
    date: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    heading: str = ""

    def to_dict(self) -> dict[str, object]:
        """Return the hit as the API and `search --json` show it (one shape for both)."""
        return {"url": self.url, "title": self.title, "summary": self.summary,
                "snippet": self.snippet, "score": self.score, "date": self.date,
                "image": self.image, "tags": list(self.tags)}


@dataclass(frozen=True)
class Urgent:
    """A search describing a red-flag symptom: the notice to show and what matched."""

    message: str
    pattern: str  # the red-flag phrase the query matched
    groups: tuple[str, ...] = ()  # its symptom groups ("cauda equina", ...)

    def to_dict(self) -> dict[str, object]:
        """Return the notice as the API shows it."""
        return {"message": self.message, "pattern": self.pattern, "groups": list(self.groups)}


@dataclass(frozen=True)
class Facets:
    """Tag and year counts over the articles that answer a search, most first."""

    tags: tuple[tuple[str, int], ...] = ()
    years: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Return the counts as the API shows them."""
        return {"tag": [{"value": v, "count": n} for v, n in self.tags],
                "year": [{"value": v, "count": n} for v, n in self.years]}


@dataclass(frozen=True)
class SearchPage:
    """A page of search results with the total number of articles that answer.

    weak: no article reached the minimum relevance; results are then the closest few,
    labelled as such (total 0), never a padded list.
    """

    query: str
    total: int
    offset: int
    results: tuple[SearchHit, ...]
    corrected_query: str | None = None
    weak: bool = False
    urgent: Urgent | None = None
    facets: Facets | None = None
    curated: bool = False  # an editor's search rule pinned or hid articles for this query

    def to_dict(self, limit: int, query: str | None = None) -> dict[str, object]:
        """Return the page as the API and `search --json` show it; query: as the user typed."""
        body: dict[str, object] = {
            "query": self.query if query is None else query, "total": self.total,
            "offset": self.offset, "limit": limit,
            "results": [h.to_dict() for h in self.results]}
        if self.corrected_query:
            body["corrected_query"] = self.corrected_query
        if self.weak:  # the closest articles, none of them an answer: say so
            body["match"] = "weak"
        if self.urgent is not None:
            body["urgent"] = self.urgent.to_dict()
        if self.curated:
            body["curated"] = True
        if self.facets is not None:
            body["facets"] = self.facets.to_dict()
        return body


@dataclass(frozen=True)
class RelatedPost:
    """One entry of a 'You Might Also Enjoy' list."""

    url: str
    title: str
    summary: str
    image: str | None
    date: str | None
    score: float
    reason: str = ""
    fallback: bool = False


def related_to_dict(article: Article, posts: list[RelatedPost]) -> dict[str, object]:
    """Return a related list as the API and `related --json` show it (one shape for both)."""
    return {"article": {"url": article.url, "title": article.title},
            # dict(vars()) not asdict(): asdict deep-copies every field, a third of a lookup.
            "results": [dict(vars(p)) for p in posts]}
