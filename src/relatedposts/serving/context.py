"""Where the blueprints find the app's Service: one key on app.extensions, set by create_app."""

from __future__ import annotations

from flask import Flask

from relatedposts.serving.service import Service

EXTENSION = "relatedposts"


def get_service(app: Flask) -> Service:
    """Return the Service of an app made by create_app."""
    return app.extensions[EXTENSION]
