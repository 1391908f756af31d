"""Which articles a search may return: tag or category, and a date range."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    """Optional restrictions on which articles a search may return."""

    tag: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    @property
    def active(self) -> bool:
        """Return whether any filter is set (none: every article passes, nothing to check)."""
        return bool(self.tag or self.date_from or self.date_to)

    def allows(self, tags: tuple[str, ...], category: str | None, date: str | None) -> bool:
        """Return True when an article with these fields passes every filter."""
        if self.tag:
            wanted = self.tag.lower()
            if wanted not in {t.lower() for t in tags} and wanted != (category or "").lower():
                return False
        if self.date_from and (not date or date < self.date_from):
            return False
        return not (self.date_to and (not date or date > self.date_to))
