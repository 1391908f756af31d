"""Redirects: at most MAX_REDIRECTS, each Location checked like any other URL before it is sent."""

from __future__ import annotations

from collections.abc import Callable

import requests

from relatedposts.errors import FetchError, FetchRefused, TooManyRedirects
from relatedposts.urls import UnsafeURL, parse_web_url

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def follow_redirects(url: str, check: Callable[[str], str],
                     send: Callable[[str], requests.Response]) -> tuple[str, requests.Response]:
    """Return the final URL and its (non-redirect) answer, following redirects ourselves.

    check(url) returns the URL normalized or raises (off our origin, robots, unsafe): every
    hop is checked, so a redirect can never lead the crawl anywhere a link could not.
    """
    for _ in range(MAX_REDIRECTS + 1):
        url = check(url)
        resp = send(url)
        if resp.status_code not in REDIRECTS:
            return url, resp
        location = resp.headers.get("Location")
        resp.close()
        url = next_url(url, location)
    raise TooManyRedirects(f"too many redirects (more than {MAX_REDIRECTS})")


def next_url(url: str, location: str | None) -> str:
    """Return where a redirect from url to location leads, or raise FetchError."""
    if not location:
        raise FetchError(f"redirect without Location from {url}")
    try:
        return str(parse_web_url(location, base=url))
    except UnsafeURL as exc:
        raise FetchRefused(f"refused: redirect from {url}: {exc}") from exc
