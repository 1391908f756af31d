"""Admin routes (POST /admin/reload and /admin/ingest) and the per-request CURRENT watch.

Admin routes are off (404, like any unknown route) unless Settings.admin_token is set; then
they need `Authorization: Bearer TOKEN` (401 otherwise). Under `serve` a POST reaches one
worker; every worker checks CURRENT before answering (Service.watch_pointer), so once the POST
answers 200 every later request, to any worker, answers from the new version.
"""

from __future__ import annotations

import hmac
import logging
import os

from flask import Blueprint, Flask, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import MethodNotAllowed, NotFound

from relatedposts.errors import BadRequest
from relatedposts.indexing.ingest_one import publish_url
from relatedposts.live.service import Service
from relatedposts.web.context import admin_token, get_service, loaded_services
from relatedposts.web.http_errors import error_response
from relatedposts.web.ratelimit import note_failed_admin_auth

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__)


def init_admin(app: Flask) -> None:
    """Register the admin routes and make every request check the CURRENT pointer."""
    app.register_blueprint(bp)
    # First of all hooks, before routing's 405 and the CORS/OPTIONS answers are reached.
    app.before_request_funcs.setdefault(None, []).insert(0, _hidden_when_off)
    app.before_request(_watch)


def _hidden_when_off() -> None:
    """Answer 404 for every /admin path and method while admin is off (nothing revealed)."""
    if (request.path == "/admin" or request.path.startswith("/admin/")) \
            and not admin_token(current_app):
        raise NotFound()


def bearer_matches() -> bool:
    """Return whether the request's bearer token is the admin token (constant time)."""
    token = admin_token(current_app)
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(
        value.strip().encode(), token.encode())


def _service() -> Service:

    return get_service(current_app)


def _watch() -> None:
    """Let every loaded site notice a new CURRENT (it reloads in the background)."""
    for service in loaded_services(current_app):
        service.watch_pointer()


def _admin_token() -> str:
    """Return the token guarding this request's admin route ('' = admin off)."""
    return admin_token(current_app)


def _authorize(token: str) -> None:
    """Abort with 404 when admin is off, 401 unless the bearer token matches (constant time)."""

    if not token:
        raise NotFound()
    if not bearer_matches():
        note_failed_admin_auth()
        resp = error_response(401, "a valid 'Authorization: Bearer TOKEN' header is required")
        resp.headers["WWW-Authenticate"] = 'Bearer realm="relatedposts-admin"'
        abort(resp)


def require_admin() -> None:
    """Abort with 404 when admin is off, 401 unless the request carries the admin token."""
    _authorize(_admin_token())


@bp.get("/admin/status")
def status() -> ResponseReturnValue:
    """Return the serving details /healthz keeps private: versions, counts and the load error."""
    _authorize(_admin_token())  # with a sites file: the site's token, before loading it
    service = _service()
    body: dict[str, object] = {"pid": os.getpid(), "version": None, "load_error":
                               service.load_error}
    if service.has_live:
        m = service.live.data.manifest
        body.update(version=m.version, articles=m.articles, chunks=m.chunks, model=m.model,
                    dim=m.dim, built_at=m.built_at)
    return jsonify(body)


def _authorized_post() -> None:
    """Refuse unless admin is on (404), the method is POST (405) and the token is right (401)."""
    token = _admin_token()
    # Every method is 404 while admin is off, so the route's existence is not revealed.
    if not token:
        raise NotFound()
    if request.method != "POST":
        raise MethodNotAllowed(valid_methods=["POST"])
    _authorize(token)


@bp.route("/admin/reload", methods=["GET", "POST"])
def reload() -> ResponseReturnValue:
    """Load the version CURRENT names now; on failure keep serving the old one (503)."""

    _authorized_post()
    service = _service()  # only now: an unauthorized call never loads a site's index
    previous = service.live.data.manifest.version if service.has_live else None
    try:
        manifest = service.reload()
    except Exception as exc:  # noqa: BLE001 - report any failure; the old index stays live
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        service.load_error = reason
        service.reload_failures += 1
        log.warning("admin reload failed: %s", reason)
        return error_response(503, f"reload failed, still serving {previous or 'nothing'}: "
                                   f"{reason}")
    body = {"status": "ok", "version": manifest.version, "previous": previous,
            "articles": manifest.articles, "chunks": manifest.chunks}
    if service.settings.redis_url:  # replicas: every other worker reloads on the announcement
        body["announced"] = _announce(service, manifest.version)
    return jsonify(body)


@bp.route("/admin/ingest", methods=["GET", "POST"])
def ingest() -> ResponseReturnValue:
    """Publish one article ({"url": URL}) or unpublish it ({"url": URL, "remove": true}).

    Answers 200 {"status": "ok", "version", "changed", "published"} once the version holding
    the change is live (this worker has reloaded; the others see CURRENT before their next
    request). A call during a build waits for it (409 after ingest_wait_seconds).
    """
    _authorized_post()
    url, remove = _ingest_body()
    service = _service()
    base = service.live.data if service.has_live else None
    result = publish_url(url, service.settings, service.embedder, remove, base)
    if result.published or not service.has_live:
        service.reload()
    if result.published and service.settings.redis_url:
        _announce(service, result.version)
    return jsonify(result.to_dict())


def _ingest_body() -> tuple[str, bool]:
    """Read {"url": str, "remove": bool} or raise BadRequest saying what is wrong."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise BadRequest('the body must be a JSON object: {"url": URL} or '
                         '{"url": URL, "remove": true}')
    unknown = sorted(set(body) - {"url", "remove"})
    if unknown:
        raise BadRequest(f"unknown field {unknown[0][:40]!r}: only 'url' and 'remove'")
    url, remove = body.get("url"), body.get("remove", False)
    if not isinstance(url, str) or not url.strip() or len(url) > 2048:
        raise BadRequest("'url' must be the article's URL (a string of at most 2048 characters)")
    if not isinstance(remove, bool):
        raise BadRequest("'remove' must be true or false")
    return url.strip(), remove


def _announce(service: Service, version: str) -> int | None:
    """Publish the new version to the replicas; None when Redis cannot be reached."""
    from relatedposts.redisbus import publish_reload

    try:
        return publish_reload(service.settings, version)
    except Exception as exc:  # noqa: BLE001 - this worker reloaded; the watcher covers the rest
        log.warning("cannot announce the reload through redis: %s", exc)
        return None
