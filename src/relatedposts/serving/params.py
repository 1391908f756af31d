"""Request parameters shared by the API and the pages: integers and the paging cap."""

from __future__ import annotations

MAX_OFFSET = 10_000  # deeper paging is a scraper, not a patient


def parse_int(raw: str | None, default: int, low: int, high: int) -> int | None:
    """Return raw as an integer within [low, high], default when absent, None when invalid."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        return None
    return value if low <= value <= high else None
