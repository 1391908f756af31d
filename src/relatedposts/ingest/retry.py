"""Retries: 429, 5xx and connection errors are tried again, after Retry-After or a backoff."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import requests

from relatedposts.errors import FetchError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 30.0  # a server asking for longer is waited on this long at most
MAX_BACKOFF = 8.0


def backoff(attempt: int) -> float:
    """Return the seconds to wait after failed attempt number `attempt` (0 first)."""
    return min(0.5 * 2**attempt, MAX_BACKOFF)


def retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Parse a Retry-After header given as seconds or as an HTTP date (None: unusable)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now())
    except (TypeError, ValueError):
        return None


def with_retries(send: Callable[[], requests.Response], retries: int,
                 failure: Callable[[requests.RequestException], FetchError],
                 sleep: Callable[[float], None] = time.sleep) -> requests.Response:
    """Call send until it answers other than 429/5xx or `retries` retries are spent.

    The last answer is returned whatever its status; a connection error on the last try
    raises failure(exc). Errors send raises that are not requests errors pass straight up.
    """
    attempt = 0
    while True:
        try:
            resp = send()
        except requests.RequestException as exc:
            if attempt >= retries:
                raise failure(exc) from exc
            delay = backoff(attempt)
        else:
            if resp.status_code not in RETRY_STATUSES or attempt >= retries:
                return resp
            asked = retry_after(resp.headers.get("Retry-After"))
            resp.close()  # give the connection back to the pool before waiting
            delay = backoff(attempt) if asked is None else min(asked, MAX_RETRY_AFTER)
        sleep(delay)
        attempt += 1
