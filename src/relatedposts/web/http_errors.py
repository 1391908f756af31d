"""The one JSON error shape on the wire, and the handlers that turn every error into it."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from relatedposts.errors import RelatedPostsError

log = logging.getLogger(__name__)
# An absolute filesystem path (not part of a URL): 5xx messages show only its last two parts.
_PART = r"[^\s/'\"():]"
_FS_PATH = re.compile(rf"(?<![\w:/.])/(?:{_PART}+/)*?((?:{_PART}+/)?{_PART}*)(?=[\s'\"():]|$)")


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


def register_error_handlers(app: Flask) -> None:
    """Answer our errors, HTTP errors and anything unexpected in the JSON shape."""
    @app.errorhandler(RelatedPostsError)
    def _ours(exc: RelatedPostsError) -> Response:
        return error_response(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        resp = error_response(exc.code or 500, exc.description or exc.name)
        allowed = getattr(exc, "valid_methods", None)  # set on 405 MethodNotAllowed
        if exc.code == 405 and allowed:
            resp.headers["Allow"] = ", ".join(allowed)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # Log the details for the operator; never send a trace or a path to the client.
        log.exception("unhandled error")
        return error_response(500, "internal error")
