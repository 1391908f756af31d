"""Who may use the console: the admin token as a bearer header, or a signed session cookie.

The sign-in form exchanges the token for a session cookie (HttpOnly, SameSite=Strict, Path
/admin, Secure over HTTPS) that holds an expiry, a random id and an HMAC keyed by the token:
nothing secret is stored on the client, every gunicorn worker can check it, and changing the
token signs everyone out. A POST made with the cookie must also carry the session's CSRF token
(a hidden form field or an X-CSRF-Token header); a bearer request needs none, since a browser
never adds that header by itself. With no admin token configured every admin route is 404.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from flask import abort, current_app, request
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


def _sign(token: str, message: str) -> str:
    key = hashlib.sha256(f"relatedposts-console|{token}".encode()).digest()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def token_matches(given: str) -> bool:
    """Return whether given is the admin token (constant time)."""
    return hmac.compare_digest(given.strip().encode(), _token().encode())


def _bearer_ok() -> bool:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token_matches(value)


def session_id() -> str | None:
    """Return the id of a valid, unexpired session cookie, else None."""
    raw = request.cookies.get(COOKIE, "")
    parts = raw.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    expiry, sid, mac = parts
    if int(expiry) < time.time():
        return None
    if not hmac.compare_digest(mac, _sign(_token(), f"session|{expiry}|{sid}")):
        return None
    return sid


def csrf_token() -> str:
    """Return the CSRF token of the current session ('' for bearer requests)."""
    sid = session_id()
    return _sign(_token(), f"csrf|{sid}") if sid else ""


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
    expiry = str(int(time.time() + hours * 3600))
    sid = secrets.token_urlsafe(18)
    value = f"{expiry}.{sid}.{_sign(_token(), f'session|{expiry}|{sid}')}"
    resp.set_cookie(COOKIE, value, max_age=int(hours * 3600), path=COOKIE_PATH,
                    httponly=True, samesite="Strict", secure=request.is_secure)
    return resp


def end_session(resp: Response) -> Response:
    """Clear the session cookie on resp."""
    resp.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="Strict",
                       secure=request.is_secure)
    return resp
