"""Guards for every request: size limits, security headers and the rate limits.

create_app registers these first, so an over-long query string (414) or body (413) is refused
before any other work. Every response, errors and 404s included, carries a
Content-Security-Policy (the HTML pages set their own, stricter one in web.py),
X-Content-Type-Options and Referrer-Policy (front.py adds the same to the errors the HTTP
server answers itself). The rate limits live in ratelimit.py.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge

from relatedposts.config import Settings

# Bytes, as sent (percent-encoded): 1,000 characters of any script (up to 4 UTF-8 bytes each,
# 3 characters per percent-encoded byte) plus room for the other parameters.
MAX_QUERY_STRING = 16 * 1024
MAX_BODY_BYTES = 64 * 1024
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'"
REFERRER_POLICY = "no-referrer"


def init_guard(app: Flask, settings: Settings) -> None:
    """Register the size checks, the default security headers and the rate limits on app."""
    from relatedposts.web.ratelimit import init_rate_limits

    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.before_request(refuse_oversized)
    app.after_request(security_headers)
    init_rate_limits(app, settings)


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
