"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from relatedposts.config import Settings
from relatedposts.indexing.embedders import Embedder
from relatedposts.serving.admin import init_admin
from relatedposts.serving.api import bp
from relatedposts.serving.context import EXTENSION, get_service
from relatedposts.serving.guard import init_guard
from relatedposts.serving.http_errors import register_error_handlers
from relatedposts.serving.service import Service
from relatedposts.serving.web import init_web

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, embedder: Embedder | None = None,
               load: bool = True) -> Flask:
    """Create the app; the Service (holding the live index) sits on app.extensions."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False
    init_guard(app, settings)  # 414/413, security headers, rate limit: before anything else
    service = Service(settings, embedder)
    app.extensions[EXTENSION] = service
    if load and not service.try_reload():
        log.warning("serving without an index: %s", service.load_error)
    app.register_blueprint(bp)
    # /widget.js, /search, /demo and the API's CORS
    init_web(app)
    # POST /admin/reload and the CURRENT watcher
    init_admin(app)
    register_error_handlers(app)
    return app



__all__ = ["create_app", "get_service"]
