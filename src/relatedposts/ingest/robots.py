"""robots.txt as RFC 9309 says, parsed by protego (wildcards `*` and `$` included)."""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

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


def robots_unfetched(reason: str) -> Robots:
    """Rules when /robots.txt could not be fetched: why decides allow or disallow all.

    Redirects past the limit or off our origin make it "unavailable" (allow all); an
    unreachable server or a timeout means "crawl nothing for now".
    """
    if "too many redirects" in reason or reason.startswith("refused"):
        return Robots(allow_all=True, why=f"robots.txt unavailable ({reason})")
    return Robots(allow_all=False, why=f"robots.txt unreachable ({reason})")
