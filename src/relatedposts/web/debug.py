"""Test-only admin routes, off unless RELATEDPOSTS_DEBUG_ROUTES is set (then the admin token).

POST /admin/debug/stuck never returns: it is how the tests make a worker stuck, to prove the
supervisor replaces it within worker_timeout_seconds while the other workers keep serving.
"""

from __future__ import annotations

import logging
import os
import time

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from relatedposts.web.admin import require_admin
from relatedposts.web.context import get_service

log = logging.getLogger(__name__)
bp = Blueprint("debug", __name__)


@bp.post("/admin/debug/stuck")
def stuck() -> ResponseReturnValue:
    """Loop forever in this request's thread (404 unless debug routes are on)."""
    if not get_service(current_app).settings.debug_routes:
        raise NotFound()
    require_admin()
    log.warning("worker %d: a debug request now loops forever", os.getpid())
    while True:  # sleeps rather than spins: the stuck request must not starve the machine
        time.sleep(0.05)
