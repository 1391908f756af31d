"""The editor's console: GET /admin and its forms (see console_auth.py for the sign-in)."""

from __future__ import annotations

from flask import Flask

from relatedposts.serving.events_api import bp as events_bp


def init_console(app: Flask) -> None:
    """Register POST /api/events, the /admin console and POST /admin/draft."""
    app.register_blueprint(events_bp)
