"""The Flask application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from relatedposts.config import Settings
from relatedposts.indexing.embedders import Embedder
from relatedposts.live.replicas import shared_settings, start_subscriber
from relatedposts.live.service import Service
from relatedposts.live.sites import SiteRegistry
from relatedposts.web.admin import init_admin
from relatedposts.web.api import bp
from relatedposts.web.context import EXTENSION, SITES, get_service, reload_targets
from relatedposts.web.debug import bp as debug_bp
from relatedposts.web.events_api import bp as events_bp
from relatedposts.web.fragments import bp as fragments_bp
from relatedposts.web.guard import init_guard
from relatedposts.web.http_errors import register_error_handlers
from relatedposts.web.metrics import init_metrics
from relatedposts.web.pages import init_web

log = logging.getLogger(__name__)
SUBSCRIBER = "relatedposts.reload_subscriber"


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing NaN and Infinity (not JSON: a 500 in our shape instead)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize obj; raise ValueError on a non-finite float."""
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


def create_app(settings: Settings | None = None, embedder: Embedder | None = None,
               load: bool = True) -> Flask:
    """Create the app; the Service (holding the live index) sits on app.extensions."""
    settings = shared_settings(settings or Settings.from_env())  # replicas: counts in Redis
    app = Flask(__name__)
    provider = StrictJSONProvider(app)
    provider.sort_keys = False
    app.json = provider
    # No redirects: werkzeug would answer '//api/search' or '/search/' with a Location built
    # from the client's Host header; now they are served as their plain path.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    init_guard(app, settings)  # 414/413, security headers, rate limit: before anything else
    if settings.sites_file:  # many sites: each request names one (?site=NAME)
        app.extensions[SITES] = SiteRegistry(settings, embedder)
    else:
        service = Service(settings, embedder)
        app.extensions[EXTENSION] = service
        if load and not service.try_reload():
            log.warning("serving without an index: %s", service.load_error)
    app.register_blueprint(bp)
    app.register_blueprint(fragments_bp)  # GET /fragment/related: the block as HTML (issue 23)
    # /widget.js, /search, /demo and the API's CORS
    init_web(app)
    # POST /admin/reload and the CURRENT watcher
    init_admin(app)
    app.register_blueprint(events_bp)  # POST /api/events: click feedback (issue 16)
    app.register_blueprint(debug_bp)  # POST /admin/debug/stuck, only with DEBUG_ROUTES
    init_metrics(app)  # GET /metrics and the request counts (issue 26)
    register_error_handlers(app)
    # Replicas: reload when any of them (or a build) announces a new version through Redis.
    app.extensions[SUBSCRIBER] = start_subscriber(settings, lambda s: reload_targets(app, s))
    return app



__all__ = ["create_app", "get_service"]
