"""The editor's overrides for related lists: pin posts, block posts, exclude posts everywhere.

File format (JSON, in the corpus directory's parent by default: corpus/overrides.json):

    {
      "pin":     {"ARTICLE_URL": ["URL shown first", "URL shown second"]},
      "block":   {"ARTICLE_URL": ["URL never shown in this article's list"]},
      "exclude": ["URL never shown in any list"],
      "search":  {"a query": {"pin": ["URL listed first"], "hide": ["URL never listed"]}}
    }

URLs are matched like /api/related matches them (scheme, www., trailing slash ignored).
Related-list URLs that are not in the index are warnings; a search rule's are an error (the
build stops), since a rule naming a gone article silently does nothing. A search rule's
query is normalised as searches are (NFKC, case folding, spacing: search_rule_key), stored
with its article URLs in the version's manifest and applied by search/curation.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from relatedposts.errors import RelatedPostsError
from relatedposts.text import normalize
from relatedposts.urls import url_key

RULE_KEYS = frozenset({"pin", "hide"})


@dataclass(frozen=True)
class Overrides:
    """Pins, blocks and exclusions resolved to article positions."""

    pins: dict[int, list[int]] = field(default_factory=dict)
    blocks: dict[int, set[int]] = field(default_factory=dict)
    excluded: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    # normalised query -> {"pin": [article URL as indexed], "hide": [...]}
    search: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        """Return how many of each override were applied."""
        return {"pinned": sum(len(v) for v in self.pins.values()),
                "blocked": sum(len(v) for v in self.blocks.values()),
                "excluded": len(self.excluded), "warnings": len(self.warnings),
                "search_rules": len(self.search)}


def search_rule_key(query: str) -> str:
    """Return the form a search rule's query is matched in: normalised, spaces collapsed."""
    return " ".join(normalize(query).split())


def load_overrides(path: Path | None, urls: list[str]) -> Overrides:
    """Read and validate the overrides file against the article URLs; a missing file is empty."""
    if path is None or not Path(path).is_file():
        return Overrides()
    try:
        raw = json.loads(Path(path).read_text("utf-8"))
    except ValueError as exc:
        raise RelatedPostsError(f"overrides file {path} is not valid JSON: {exc}",
                                status=400) from exc
    _check_shape(raw, path)
    positions = {url_key(u): i for i, u in enumerate(urls)}
    warnings: list[str] = []

    def resolve(url: str, where: str) -> int | None:
        pos = positions.get(url_key(url))
        if pos is None:
            warnings.append(f"{where}: {url} is not in the index (ignored)")
        return pos

    pins: dict[int, list[int]] = {}
    for src, targets in raw.get("pin", {}).items():
        a = resolve(src, "pin")
        got = [t for t in (resolve(u, f"pin for {src}") for u in targets) if t is not None]
        if a is not None:
            pins[a] = [t for t in dict.fromkeys(got) if t != a]
    blocks: dict[int, set[int]] = {}
    for src, targets in raw.get("block", {}).items():
        a = resolve(src, "block")
        if a is not None:
            blocks[a] = {t for t in (resolve(u, f"block for {src}") for u in targets)
                         if t is not None}
    excluded = {t for t in (resolve(u, "exclude") for u in raw.get("exclude", []))
                if t is not None}
    search = _search_rules(raw.get("search", {}), urls, positions, path)
    return Overrides(pins, blocks, excluded, warnings, search)


def _search_rules(raw: dict[str, dict[str, list[str]]], urls: list[str],
                  positions: dict[str, int], path: Path) -> dict[str, dict[str, list[str]]]:
    """Resolve the search rules to indexed URLs; raise on an unknown URL or a clash."""
    rules: dict[str, dict[str, list[str]]] = {}
    for query, rule in raw.items():
        key = search_rule_key(query)
        if not key:
            raise RelatedPostsError(f"overrides file {path}: a search rule has an empty query",
                                    status=400)
        if key in rules:
            raise RelatedPostsError(f"overrides file {path}: search rules {query!r} and "
                                    f"another one are the same query {key!r}", status=400)
        resolved: dict[str, list[str]] = {}
        for kind in ("pin", "hide"):
            got = []
            for url in rule.get(kind, []):
                pos = positions.get(url_key(url))
                if pos is None:
                    raise RelatedPostsError(f"overrides file {path}: search rule {query!r}: "
                                            f"{kind} {url} is not in the index", status=400)
                got.append(urls[pos])
            resolved[kind] = list(dict.fromkeys(got))
        if set(resolved["pin"]) & set(resolved["hide"]):
            raise RelatedPostsError(f"overrides file {path}: search rule {query!r} both pins "
                                    "and hides the same article", status=400)
        rules[key] = resolved
    return rules


def pin_problems(overrides: Overrides) -> list[str]:
    """Return each pin naming a URL the corpus lacks, in words, as a reason to refuse a build."""
    return [f"overrides file: {w.removesuffix(' (ignored)')}; correct the URL, or pass --force "
            "to build without that pin" for w in overrides.warnings if w.startswith("pin")]


def _check_shape(raw: object, path: Path) -> None:
    """Raise a clear error unless raw has the documented shape."""
    def bad(msg: str) -> RelatedPostsError:
        return RelatedPostsError(f"overrides file {path}: {msg}", status=400)

    if not isinstance(raw, dict):
        raise bad("expected a JSON object with 'pin', 'block' and/or 'exclude'")
    unknown = set(raw) - {"pin", "block", "exclude", "search", "_comment"}
    if unknown:
        raise bad(f"unknown keys {sorted(unknown)}; use 'pin', 'block', 'exclude', 'search'")
    for key in ("pin", "block"):
        value = raw.get(key, {})
        if not isinstance(value, dict) or not all(
                isinstance(v, list) and all(isinstance(u, str) for u in v)
                for v in value.values()):
            raise bad(f"'{key}' must map an article URL to a list of URLs")
    excl = raw.get("exclude", [])
    if not isinstance(excl, list) or not all(isinstance(u, str) for u in excl):
        raise bad("'exclude' must be a list of URLs")
    search = raw.get("search", {})
    if not isinstance(search, dict) or not all(
            isinstance(rule, dict) and set(rule) <= RULE_KEYS and all(
                isinstance(v, list) and all(isinstance(u, str) for u in v)
                for v in rule.values())
            for rule in search.values()):
        raise bad("'search' must map a query to {\"pin\": [URLs], \"hide\": [URLs]}")
