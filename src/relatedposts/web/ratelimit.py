"""Rate limits that fit a blog: searches per visitor, admin calls on their own budget.

Cheap cached lookups (/api/related, /widget.js, /healthz, /api/index, the pages) are never
limited: a blog rendering related posts on its server, a static-site build or a whole office
behind one proxy must not blank the widget. Searches (/api/search and the /search page) share
one budget per visitor (Settings.rate_limit); completions (/api/suggest) have their own,
Settings.suggest_rate_limit, since typing asks for many; click reports (POST /api/events) have
a budget of the same size of their own, so a flood of fake clicks is cut off. The admin routes
have their own (Settings.admin_rate_limit), spent only by refused tokens: a deploy script may
reload in a burst, a token guesser is stopped. The visitor is the TCP peer, or, with
RELATEDPOSTS_TRUSTED_PROXIES=N, the address N trusted proxies wrote into X-Forwarded-For
(werkzeug's ProxyFix); without it the header is ignored, so it cannot be spoofed. Counts live
in Settings.rate_limit_storage: memory:// (one process; `serve` with several workers turns it
into one SQLite file they share, sharedlimits.py), sqlite:///PATH (every worker of one
machine) or redis://HOST:PORT (every worker and replica).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from relatedposts.config import Settings
from relatedposts.errors import ConfigError
from relatedposts.visitors import visitor_key
from relatedposts.web import sharedlimits  # noqa: F401 - registers the sqlite:// storage

SEARCH_ENDPOINTS = frozenset({"api.search", "web.search_page"})
SUGGEST_ENDPOINT = "api.suggest"
ADMIN_PREFIX = "/admin/"
EVENTS_ENDPOINT = "events.post_event"
# app.extensions key: checks that a request carries a credential that cannot be guessed (the
# console's signed session cookie); such a request is never refused by the admin limit. A
# right bearer or sign-in token is refused once its address is locked out, else the limit
# would not slow a guesser (the right guess would answer 200). Guesses count per visitor:
# behind proxies, the client TRUSTED_PROXIES wrote into X-Forwarded-For, so a guesser locks
# out only its own address, never the operator's.
ADMIN_CREDENTIALS = "relatedposts.admin_credentials"


def is_admin_path(path: str) -> bool:
    """Return True for /admin and everything under it."""
    return path == ADMIN_PREFIX.rstrip("/") or path.startswith(ADMIN_PREFIX)


def note_failed_admin_auth() -> None:
    """Count this request against the visitor's admin budget (a refused credential)."""
    g.admin_auth_failed = True


def add_admin_credential_check(app: Flask, check: Callable[[], bool]) -> None:
    """Register check: True when the request carries a right admin credential."""
    app.extensions.setdefault(ADMIN_CREDENTIALS, []).append(check)


def _admin_exempt() -> bool:
    """Return True off the admin paths, and for a request with a right credential."""
    if not is_admin_path(request.path):
        return True
    return any(check() for check in current_app.extensions.get(ADMIN_CREDENTIALS, []))


def visitor() -> str:
    """Return the key a visitor's requests are counted under (an IPv6 /64 is one visitor)."""
    return visitor_key(request.remote_addr or "")


def check_limit_settings(settings: Settings) -> None:
    """Raise ConfigError (one line) unless the limits, storage and proxy count are usable."""
    from limits import parse_many
    from limits.errors import ConfigurationError
    from limits.storage import storage_from_string

    for name in ("rate_limit", "admin_rate_limit", "suggest_rate_limit"):
        value = getattr(settings, name).strip()
        try:
            if value:
                parse_many(value)
        except ValueError:
            raise ConfigError(f"RELATEDPOSTS_{name.upper()}={value!r} is not a rate limit "
                              "like '60/minute' (empty disables it)") from None
    if settings.trusted_proxies < 0:
        raise ConfigError(f"RELATEDPOSTS_TRUSTED_PROXIES={settings.trusted_proxies} must be "
                          "0 (no proxy) or the number of proxies in front of the service")
    try:
        storage_from_string(settings.rate_limit_storage)
    except (ConfigurationError, ValueError) as exc:
        raise ConfigError(f"RELATEDPOSTS_RATE_LIMIT_STORAGE={settings.rate_limit_storage!r} "
                          f"cannot be used: {exc}") from None


def _not_a_search() -> bool:
    """Return True unless this request runs a search (the empty search page does not)."""
    return request.endpoint not in SEARCH_ENDPOINTS or not request.args.get("q", "").strip()


def never_limited(search: bool, suggest: bool, admin: bool) -> Callable[[], bool]:
    """Return a check: True for requests no budget that is on applies to.

    Searches and clicks count only with a search limit, completions with their own limit,
    admin calls with theirs: `RELATEDPOSTS_RATE_LIMIT=` must leave a search no bookkeeping
    (0.2 ms of flask-limiter's filtering a search, issue 26) while the admin budget still runs.
    """
    limited = (SEARCH_ENDPOINTS | {EVENTS_ENDPOINT} if search else frozenset()) | (
        {SUGGEST_ENDPOINT} if suggest else frozenset())

    def check() -> bool:
        return request.endpoint not in limited and not (admin and is_admin_path(request.path))

    return check


def init_rate_limits(app: Flask, settings: Settings) -> None:
    """Take the visitor's address from trusted proxies, then register the two budgets."""
    check_limit_settings(settings)
    if settings.trusted_proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    search, admin = settings.rate_limit.strip(), settings.admin_rate_limit.strip()
    suggest = settings.suggest_rate_limit.strip()
    if not search and not admin and not suggest:
        return
    from flask_limiter import ApplicationLimit, Limiter
    limits: list[str | Callable[[], str] | ApplicationLimit] = []
    if search:
        limits.append(ApplicationLimit(
            search, scope="search", exempt_when=_not_a_search,
            error_message=f"too many searches: at most {search} per visitor, please wait"))
    if search:  # issue 16: click reports, counted apart from searches
        limits.append(ApplicationLimit(
            search, scope="events", exempt_when=lambda: request.endpoint != EVENTS_ENDPOINT,
            error_message=f"too many click reports: at most {search} per visitor, please wait"))
    if suggest:  # issue 25: completions while typing, a budget of their own
        limits.append(ApplicationLimit(
            suggest, scope="suggest", exempt_when=lambda: request.endpoint != SUGGEST_ENDPOINT,
            error_message=f"too many completions: at most {suggest} per visitor, please wait"))
    if admin:
        limits.append(ApplicationLimit(
            admin, scope="admin", exempt_when=_admin_exempt,
            deduct_when=lambda resp: bool(g.get("admin_auth_failed")),
            error_message=f"too many refused admin requests: at most {admin}, please wait"))
    # A dead Redis must not fail requests: errors are logged and counting falls back to this
    # process's memory until it is back.
    limiter = Limiter(visitor, app=app, application_limits=limits,
                      storage_uri=settings.rate_limit_storage, headers_enabled=False,
                      swallow_errors=True, in_memory_fallback_enabled=True)
    # A lookup, which no budget covers, skips the limit bookkeeping (a sixth of the time of
    # a related lookup, issue 14): the public request filter exempts it before any is done.
    limiter.request_filter(never_limited(bool(search), bool(suggest), bool(admin)))

    @app.after_request
    def _retry_after(resp: Response) -> Response:
        if resp.status_code == 429 and "Retry-After" not in resp.headers:
            current = limiter.current_limit
            wait = current.reset_at - time.time() if current else 60.0
            resp.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return resp
