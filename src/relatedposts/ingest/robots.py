"""robots.txt as RFC 9309 says, parsed by protego (wildcards `*` and `$` included)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from protego import Protego

from relatedposts.errors import FetchError

if TYPE_CHECKING:
    from relatedposts.ingest.fetch import Response

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


def robots_from_answer(answer: Response | FetchError) -> Robots:
    """Turn the fetch of /robots.txt (redirects already followed) into rules.

    2xx: parse (the first 500 KiB). 4xx, or redirects that lead nowhere we may go:
    "unavailable", so allow all. 5xx or an unreachable server: disallow all for now.
    """
    if isinstance(answer, FetchError):
        reason = answer.message if hasattr(answer, "message") else str(answer)
        if "too many redirects" in reason or reason.startswith("refused"):
            return Robots(allow_all=True, why=f"robots.txt unavailable ({reason})")
        return Robots(allow_all=False, why=f"robots.txt unreachable ({reason})")
    if answer.status >= 500:
        return Robots(allow_all=False, why=f"robots.txt answered HTTP {answer.status}")
    if answer.status != 200:
        return Robots(allow_all=True, why=f"no robots.txt (HTTP {answer.status})")
    text = answer.body.decode("utf-8", errors="replace")
    return Robots(rules=Protego.parse(text))
