"""Error classes: each carries the HTTP status it maps to and a message safe to show."""

from __future__ import annotations


class RelatedPostsError(Exception):
    """Base error: `status` is the HTTP status, `message` is shown to the caller."""

    status = 500

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, dict[str, object]]:
        """Return the one JSON error shape used for every error."""
        return {"error": {"status": self.status, "message": self.message}}


class ConfigError(RelatedPostsError):
    """A setting is missing or malformed."""


class BadRequest(RelatedPostsError):
    """The request's parameters are invalid."""

    status = 400


class NotFound(RelatedPostsError):
    """The requested article or route does not exist."""

    status = 404


class IndexNotReady(RelatedPostsError):
    """No index has been built yet, or it cannot be served."""

    status = 503


class IndexFormatError(RelatedPostsError):
    """An index on disk is corrupt, truncated, or built for another model."""

    status = 503


class ModelError(RelatedPostsError):
    """The embedding model cannot be loaded."""

    status = 503


class ExtractError(RelatedPostsError):
    """A page could not be turned into an article (the message is the reason)."""

    status = 422


class NotAnArticle(ExtractError):
    """The page is a listing, home or profile page: skipped on purpose, not a failure."""


class FetchError(RelatedPostsError):
    """A page could not be fetched (the message is the reason)."""

    status = 502


# Kinds of FetchError, so callers decide by type; the message stays the reason shown.
class FetchRefused(FetchError):
    """The URL or the address it reaches is not ours to fetch (origin, robots, unsafe)."""


class FetchTooLarge(FetchError):
    """A body is larger than its cap (declared, read or inflated)."""


class FetchTimeout(FetchError):
    """A read timed out, or the page's total deadline passed."""


class TooManyRedirects(FetchError):
    """More redirects than the fetcher follows."""


class FetchHTTPStatus(FetchError):
    """The server answered a status other than 200 (or 304); `status_code` is that status."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class NotAPage(FetchError):
    """The answer's Content-Type is not one the crawler reads."""

    def __init__(self, message: str, content_type: str) -> None:
        super().__init__(message)
        self.content_type = content_type


class QueryTimeout(RelatedPostsError):
    """A search took longer than the configured time budget (the service keeps serving)."""

    status = 503
