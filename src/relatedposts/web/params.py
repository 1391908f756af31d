"""Request parameters shared by the API and the pages: strict integers and dates, paging cap.

Python's int() accepts '１' (fullwidth), '٥' (Arabic-Indic), '1_0' and ' 7 ', and
date.fromisoformat() accepts '20200101'; an API's contract is the narrow form, so anything
else is refused rather than silently given a different meaning.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from relatedposts.errors import BadRequest

MAX_OFFSET = 10_000  # deeper paging is a scraper, not a patient
_INT = re.compile(r"[0-9]{1,9}", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
MAX_JSON_DEPTH = 32  # our bodies nest two levels; Python's parser recurses (RecursionError)
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def loads_json(raw: bytes) -> Any:
    """Parse a JSON body, refusing one nested deeper than MAX_JSON_DEPTH (BadRequest)."""
    depth = 0
    for token in _JSON_TOKENS.finditer(raw):  # one linear pass; strings are skipped whole
        char = token.group()[:1]
        depth += 1 if char in b"[{" else -1 if char in b"]}" else 0
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("the body must be JSON") from None


def parse_int(raw: str | None, default: int, low: int, high: int) -> int | None:
    """Return raw (ASCII digits only) within [low, high], default when absent, None if invalid."""
    if raw is None or raw == "":
        return default
    if not _INT.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def parse_date(raw: str | None, message: str) -> str | None:
    """Return raw as an ISO date YYYY-MM-DD (None when absent or empty), else BadRequest."""
    if not raw:
        return None
    if not _DATE.fullmatch(raw):
        raise BadRequest(message)
    try:
        return datetime.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise BadRequest(message) from None
