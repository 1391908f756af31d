"""The full application: the service's routes (serving.app) plus the editor's console."""

from __future__ import annotations

from flask import Flask

from relatedposts.config import Settings
from relatedposts.console.routes import init_console
from relatedposts.indexing.embedders import Embedder
from relatedposts.web.app import create_app as create_service_app


def create_app(settings: Settings | None = None, embedder: Embedder | None = None,
               load: bool = True) -> Flask:
    """Create the service's app with the /admin console registered on it."""
    app = create_service_app(settings, embedder, load)
    init_console(app)
    return app
