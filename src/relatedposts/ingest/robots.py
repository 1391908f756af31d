"""robots.txt as RFC 9309 says: fetched once per origin, parsed by protego (`*` and `$` too)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from protego import Protego

from relatedposts.errors import FetchError, FetchRefused, TooManyRedirects

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309: parse at least 500 KiB; we read no more than that


@dataclass(frozen=True)
class Robots:
    """The rules of one origin: allow all, disallow all, or parsed rules."""

    rules: Protego | None = None
    allow_all: bool = True
    why: str = ""

    def allows(self, url: str, user_agent: str) -> bool:
        """Return whether user_agent may fetch url."""
        if self.rules is not None:
            return bool(self.rules.can_fetch(url, user_agent))
        return self.allow_all


def robots_from_answer(status: int, body: bytes) -> Robots:
    """Turn the answer to /robots.txt (redirects already followed) into rules.

    2xx: parse (the first 500 KiB). 4xx: "unavailable", so allow all. 5xx: the site is in
    trouble, so disallow all for now (RFC 9309).
    """
    if status >= 500:
        return Robots(allow_all=False, why=f"robots.txt answered HTTP {status}")
    if status != 200:
        return Robots(allow_all=True, why=f"no robots.txt (HTTP {status})")
    return Robots(rules=Protego.parse(body.decode("utf-8", errors="replace")))


def robots_unfetched(error: FetchError) -> Robots:
    """Rules when /robots.txt could not be fetched: the kind of error decides allow or deny.

    Redirects past the limit or off our origin make it "unavailable" (allow all); an
    unreachable server or a timeout means "crawl nothing for now".
    """
    if isinstance(error, (TooManyRedirects, FetchRefused)):
        return Robots(allow_all=True, why=f"robots.txt unavailable ({error.message})")
    return Robots(allow_all=False, why=f"robots.txt unreachable ({error.message})")


class RobotsCache:
    """Each origin's robots.txt, fetched once by whichever thread asks first."""

    def __init__(self, fetch: Callable[[str], tuple[int, bytes]]) -> None:
        self._fetch = fetch  # robots.txt URL -> (status, body), redirects followed
        self._rules: dict[str, Robots] = {}
        self._lock = threading.Lock()

    def rules_for(self, origin: str) -> Robots:
        """Return the rules of origin (scheme://host[:port]/), fetching them the first time."""
        # One lock for all origins: the threads of a crawl share one origin anyway, and the
        # others must wait for its rules rather than fetch robots.txt again.
        with self._lock:
            if origin not in self._rules:
                try:
                    self._rules[origin] = robots_from_answer(*self._fetch(origin + "robots.txt"))
                except FetchError as exc:
                    self._rules[origin] = robots_unfetched(exc)
            return self._rules[origin]
