"""Guards for every request: size limits, security headers and a per-client rate limit.

create_app registers these first, so an over-long query string (414) or body (413) is refused
before any other work. Every response, errors and 404s included, carries a
Content-Security-Policy (the HTML pages set their own, stricter one in web.py),
X-Content-Type-Options and Referrer-Policy. The rate limit (flask-limiter) counts each client
address's requests across all routes except /healthz and /widget.js; a client over it gets a
429 in the usual error shape with a Retry-After header.
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge

from relatedposts.config import Settings
from relatedposts.errors import ConfigError

MAX_QUERY_STRING = 8 * 1024  # bytes, as sent (percent-encoded)
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'"
REFERRER_POLICY = "no-referrer"
RATE_LIMIT_EXEMPT = frozenset({"/healthz", "/widget.js"})


def init_guard(app: Flask, settings: Settings) -> None:
    """Register the size checks, the default security headers and the rate limit on app."""
    app.before_request(refuse_oversized)
    app.after_request(security_headers)
    if settings.rate_limit.strip():
        _init_rate_limit(app, settings)


def refuse_oversized() -> None:
    """Refuse a query string over MAX_QUERY_STRING (414) or a body over MAX_CONTENT_LENGTH (413)."""
    if len(request.query_string) > MAX_QUERY_STRING:
        raise RequestURITooLarge(f"the address is too long: at most {MAX_QUERY_STRING} bytes "
                                 "of query string")
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    length = request.content_length
    if limit and length is not None and length > limit:
        raise RequestEntityTooLarge(f"the request body is too large: at most {limit} bytes")


def security_headers(resp: Response) -> Response:
    """Add the default CSP, nosniff and Referrer-Policy unless a route set its own."""
    resp.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    return resp


def _init_rate_limit(app: Flask, settings: Settings) -> None:
    """Limit each client address to settings.rate_limit requests, shared across routes."""
    from flask_limiter import ApplicationLimit, Limiter
    from flask_limiter.util import get_remote_address
    from limits import parse_many
    from limits.errors import ConfigurationError

    try:
        parse_many(settings.rate_limit)
    except ValueError as exc:
        raise ConfigError(f"RELATEDPOSTS_RATE_LIMIT={settings.rate_limit!r} is not a rate "
                          "limit like '120/minute' (empty disables it)") from exc
    limit = ApplicationLimit(settings.rate_limit, error_message=(
        f"too many requests: at most {settings.rate_limit} per client, please slow down"))
    try:
        # A dead Redis must not fail requests: errors are logged and counting falls back
        # to this process's memory.
        limiter = Limiter(get_remote_address, app=app, application_limits=[limit],
                          storage_uri=settings.rate_limit_storage, headers_enabled=False,
                          swallow_errors=True, in_memory_fallback_enabled=True)
    except ConfigurationError as exc:
        raise ConfigError(f"RELATEDPOSTS_RATE_LIMIT_STORAGE={settings.rate_limit_storage!r} "
                          f"cannot be used: {exc}") from exc
    limiter.request_filter(lambda: request.path in RATE_LIMIT_EXEMPT)

    @app.after_request
    def _retry_after(resp: Response) -> Response:
        if resp.status_code == 429 and "Retry-After" not in resp.headers:
            current = limiter.current_limit
            wait = current.reset_at - time.time() if current else 60.0
            resp.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return resp
