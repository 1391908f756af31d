"""Who may use the console: the admin token as a bearer header, or a signed session cookie.

The sign-in form exchanges the token for a session cookie (HttpOnly, SameSite=Strict, Path
/admin, Secure over HTTPS) that holds an expiry and a random id, signed by itsdangerous with
the token as the key: nothing secret is stored on the client, every worker process can check
it, and changing the token signs everyone out. A POST made with the cookie must also carry
the session's CSRF token (a hidden form field or an X-CSRF-Token header); a bearer request
needs none, since a browser never adds that header by itself. With no admin token configured
every admin route is 404.
"""

from __future__ import annotations

import hmac
import secrets
import time

from flask import abort, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from relatedposts.web.context import admin_token
from relatedposts.web.http_errors import error_response

COOKIE = "rp_admin"
COOKIE_PATH = "/admin"


def require_token_configured() -> None:
    """Abort 404 while no admin token is configured (the console does not exist then)."""
    _token()


def _token() -> str:
    """Return the configured admin token, or abort 404 while admin is off."""
    token = admin_token(current_app)  # with a sites file: the ?site= site's token
    if not token:
        abort(404)
    return token


def _serializer(token: str, purpose: str) -> URLSafeSerializer:
    """Return the signer of one purpose; the salt keeps a session value from passing as CSRF."""
    return URLSafeSerializer(token, salt=f"relatedposts-console-{purpose}")


def session_value(token: str, expiry: int, sid: str) -> str:
    """Return the signed cookie value of a session that ends at expiry (Unix seconds)."""
    return str(_serializer(token, "session").dumps([expiry, sid]))


def token_matches(given: str) -> bool:
    """Return whether given is the admin token (constant time)."""
    return hmac.compare_digest(given.strip().encode(), _token().encode())


def _bearer_ok() -> bool:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token_matches(value)


def session_id() -> str | None:
    """Return the id of a valid, unexpired session cookie, else None."""
    raw = request.cookies.get(COOKIE, "")
    try:
        expiry, sid = _serializer(_token(), "session").loads(raw)
    except (BadSignature, TypeError, ValueError):  # forged, truncated or not [expiry, id]
        return None
    if not isinstance(expiry, int) or not isinstance(sid, str) or expiry < time.time():
        return None
    return sid


def csrf_token() -> str:
    """Return the CSRF token of the current session ('' for bearer requests)."""
    sid = session_id()
    return str(_serializer(_token(), "csrf").dumps(sid)) if sid else ""


def signed_in() -> bool:
    """Return whether the request carries the bearer token or a valid session."""
    return _bearer_ok() or session_id() is not None


def require_admin(json_errors: bool = True) -> None:
    """Abort unless the request may use admin routes (and, for cookie POSTs, passes CSRF)."""
    _token()
    if _bearer_ok():
        return
    if session_id() is None:
        if not json_errors and request.method == "GET":
            abort(Response(status=303, headers={"Location": "/admin/sign-in"}))
        resp = error_response(401, "sign in at /admin/sign-in, or send 'Authorization: "
                                   "Bearer TOKEN'")
        resp.headers["WWW-Authenticate"] = 'Bearer realm="relatedposts-admin"'
        abort(resp)
    if request.method not in ("GET", "HEAD"):
        given = request.headers.get("X-CSRF-Token") or request.form.get("csrf", "")
        if not hmac.compare_digest(given.encode(), csrf_token().encode()):
            abort(error_response(403, "the form is stale or did not come from the console: "
                                      "reload the page and try again"))


def start_session(resp: Response, hours: float) -> Response:
    """Set a fresh session cookie on resp."""
    value = session_value(_token(), int(time.time() + hours * 3600), secrets.token_urlsafe(18))
    resp.set_cookie(COOKIE, value, max_age=int(hours * 3600), path=COOKIE_PATH,
                    httponly=True, samesite="Strict", secure=request.is_secure)
    return resp


def end_session(resp: Response) -> Response:
    """Clear the session cookie on resp."""
    resp.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="Strict",
                       secure=request.is_secure)
    return resp
