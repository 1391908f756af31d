"""The Flask application factory."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from relatedposts.config import Settings
from relatedposts.embed import Embedder
from relatedposts.errors import RelatedPostsError
from relatedposts.guard import init_guard
from relatedposts.service import Service

EXTENSION = "relatedposts"
log = logging.getLogger(__name__)
# An absolute filesystem path (not part of a URL): 5xx messages show only its last two parts.
_PART = r"[^\s/'\"():]"
_FS_PATH = re.compile(rf"(?<![\w:/.])/(?:{_PART}+/)*?((?:{_PART}+/)?{_PART}*)(?=[\s'\"():]|$)")


def create_app(settings: Settings | None = None, embedder: Embedder | None = None,
               load: bool = True) -> Flask:
    """Create the app; the Service (holding the live index) sits on app.extensions."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.json.sort_keys = False
    init_guard(app, settings)  # 414/413, security headers, rate limit: before anything else
    service = Service(settings, embedder)
    app.extensions[EXTENSION] = service
    if load and not service.try_reload():
        log.warning("serving without an index: %s", service.load_error)
    from relatedposts.api import bp

    app.register_blueprint(bp)
    from relatedposts.web import init_web  # /widget.js, /search, /demo and the API's CORS

    init_web(app)
    from relatedposts.admin import init_admin  # POST /admin/reload and the CURRENT watcher

    init_admin(app)
    _register_errors(app)
    return app


def get_service(app: Flask) -> Service:
    """Return the Service of an app made by create_app."""
    return app.extensions[EXTENSION]


def error_response(status: int, message: str) -> Response:
    """Return the one JSON error shape (no filesystem paths in 5xx messages)."""
    message = public_message(status, message)
    resp = jsonify({"error": {"status": status, "message": message}})
    resp.status_code = status
    return resp


def public_message(status: int, message: str) -> str:
    """Return message fit for a client: a 5xx one keeps only the tail of absolute paths."""
    if status < 500:
        return message
    return _FS_PATH.sub(lambda m: ".../" + m.group(1), message)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(RelatedPostsError)
    def _ours(exc: RelatedPostsError) -> Response:
        return error_response(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        resp = error_response(exc.code or 500, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # Log the details for the operator; never send a trace or a path to the client.
        log.exception("unhandled error")
        return error_response(500, "internal error")
