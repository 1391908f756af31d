"""Who may use the console: the admin token as a bearer header, or a signed session cookie.

The sign-in form exchanges the token for a session cookie (HttpOnly, SameSite=Strict, Path
/admin, Secure over HTTPS) that holds an expiry and a random id, signed by itsdangerous with
the token as the key: nothing secret is stored on the client, every worker process can check
it, and changing the token signs everyone out. Signing out revokes the session's id in a small
SQLite table in INDEX_DIR (revoked_sessions.sqlite3), which every worker process reads, so a
copy of the cookie is refused too until it would have expired anyway. A POST made with the
cookie must also carry the session's CSRF token (a hidden form field or an X-CSRF-Token
header); a bearer request needs none, since a browser never adds that header by itself. With
no admin token configured every admin route is 404. A refused bearer token, forged or revoked
cookie or wrong sign-in token counts against the visitor's admin rate limit
(web/ratelimit.py); a valid session is never refused by it, so an editor already signed in is
not locked out by guesses made from the same address.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import sqlite3
import time
from pathlib import Path

from flask import Flask, abort, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from relatedposts.web.context import admin_index_dir, admin_token
from relatedposts.web.http_errors import error_response
from relatedposts.web.ratelimit import add_admin_credential_check, note_failed_admin_auth

COOKIE = "rp_admin"
COOKIE_PATH = "/admin"
REVOKED = "revoked_sessions.sqlite3"


def init_auth(app: Flask) -> None:
    """Let a valid session pass the admin rate limit (a signed-in editor is never locked out).

    A right token is not let through: if it were, a guesser's one right guess would still
    answer 200 among the 429s, and the limit would not slow guessing at all. A session
    cookie cannot be guessed (it is signed with the token), so exempting it gives nothing away.
    """
    add_admin_credential_check(app, lambda: session_id() is not None)


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
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    ok = scheme.lower() == "bearer" and token_matches(value)
    if given and not ok:
        note_failed_admin_auth()
    return ok


def session_id() -> str | None:
    """Return the id of a valid, unexpired, unrevoked session cookie, else None."""
    found = _session()
    return found[1] if found else None


def _session() -> tuple[int, str] | None:
    """Return (expiry, id) of this request's session; a refused cookie counts as a guess."""
    if "admin_session" not in g:
        raw = request.cookies.get(COOKIE, "")
        g.admin_session = _check_cookie(raw) if raw else None
        if raw and g.admin_session is None:
            note_failed_admin_auth()
    return g.admin_session


def _check_cookie(raw: str) -> tuple[int, str] | None:
    try:
        expiry, sid = _serializer(_token(), "session").loads(raw)
    except (BadSignature, TypeError, ValueError):  # forged, truncated or not [expiry, id]
        return None
    if not isinstance(expiry, int) or not isinstance(sid, str) or expiry < time.time():
        return None
    return None if _revoked(sid) else (expiry, sid)


def _revocations() -> sqlite3.Connection:
    """Open the revocation table shared by every worker on this site's index directory."""
    db = sqlite3.connect(Path(admin_index_dir(current_app)) / REVOKED, timeout=5)
    db.execute("CREATE TABLE IF NOT EXISTS revoked (sid TEXT PRIMARY KEY, expiry INTEGER)")
    return db


def _revoked(sid: str) -> bool:
    if not (Path(admin_index_dir(current_app)) / REVOKED).is_file():
        return False
    with contextlib.closing(_revocations()) as db:
        return db.execute("SELECT 1 FROM revoked WHERE sid = ?", (sid,)).fetchone() is not None


def revoke_session() -> None:
    """Revoke this request's session for every worker (rows go once it would have expired)."""
    found = _session()
    if found is None:
        return
    with contextlib.closing(_revocations()) as db, db:
        db.execute("DELETE FROM revoked WHERE expiry < ?", (int(time.time()),))
        db.execute("INSERT OR REPLACE INTO revoked VALUES (?, ?)", (found[1], found[0]))


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
    """Revoke the session on the server and clear its cookie on resp."""
    revoke_session()
    resp.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="Strict",
                       secure=request.is_secure)
    return resp
