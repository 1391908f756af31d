"""Search curation: an editor's pins and hides for one query, like Algolia's rules.

The rules come from the overrides file's "search" object (indexing/overrides.py checks them
at build and stores them, by URL, in the version's manifest), so a change takes effect at
the next version. A query matches a rule when it is the rule's query once both are
normalised (search_rule_key): exact, not a prefix, so a pin never leaks into other searches.
Pinned articles are listed first, in the editor's order, and count as answering; hidden
ones are never listed. Filters still apply to pins; a red-flag article of an urgent query
stays first (safety before curation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relatedposts.indexing.index import IndexData
from relatedposts.indexing.overrides import search_rule_key
from relatedposts.urls import url_key


@dataclass(frozen=True)
class Rule:
    """One query's pinned (in order) and hidden article positions."""

    pin: np.ndarray
    hide: np.ndarray

    def without(self, order: np.ndarray) -> np.ndarray:
        """Return order with the pinned and hidden articles taken out."""
        return order[~np.isin(order, np.concatenate([self.pin, self.hide]))]


class Curation:
    """The rules of one index version, by normalised query."""

    def __init__(self, rules: dict[str, Rule]) -> None:
        self.rules = rules

    @classmethod
    def of(cls, data: IndexData) -> Curation:
        """Return the curation stored in a version's manifest (none for older versions)."""
        raw = data.manifest.settings.get("search_rules") or {}
        positions = {url_key(a.url): i for i, a in enumerate(data.articles)} if raw else {}

        def where(urls: list[str]) -> np.ndarray:
            # A URL the version lacks (a hand-edited manifest) is skipped, never an error.
            found = [positions[url_key(u)] for u in urls if url_key(u) in positions]
            return np.array(found, dtype=np.int64)

        assert isinstance(raw, dict)
        return cls({key: Rule(where(rule.get("pin", [])), where(rule.get("hide", [])))
                    for key, rule in raw.items()})

    def rule(self, query: str) -> Rule | None:
        """Return the rule for this query, if an editor wrote one."""
        return self.rules.get(search_rule_key(query)) if self.rules else None
