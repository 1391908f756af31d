"""CORS for the JSON API: only the configured blog origins may read /api/* cross-origin."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from relatedposts.web.context import admin_token
from relatedposts.web.http_errors import error_response

API_PREFIX = "/api/"
ALLOW_METHODS = "GET, HEAD, OPTIONS"
ALLOW_HEADERS = "Content-Type"
MAX_AGE = "600"


def normalize_origin(origin: str) -> str:
    """Return an origin as browsers send it: no trailing slash, lowercase."""
    return origin.strip().rstrip("/").lower()


def allowed_origins(configured: Iterable[str]) -> frozenset[str]:
    """Return the set of exact origins allowed from the configured list."""
    return frozenset(normalize_origin(o) for o in configured if o.strip())


def init_cors(app: Flask, configured: Iterable[str] | Callable[[], frozenset[str]]) -> None:
    """Answer cross-origin API requests (and preflights) from the allowed origins only.

    configured is a list of origins, or a function returning the set allowed for the
    current request (with a sites file: the origins of the request's site).
    """
    fixed = None if callable(configured) else allowed_origins(configured)

    def allowed() -> frozenset[str]:
        return fixed if fixed is not None else configured()  # type: ignore[operator]

    @app.before_request
    def _preflight() -> ResponseReturnValue | None:
        if request.method == "OPTIONS" and not _is_preflight():
            return _options()
        if not _is_preflight():
            return None
        if request.headers["Origin"] not in allowed():

            return error_response(403, "this origin may not call the API")
        return Response(status=204)

    @app.after_request
    def _headers(resp: Response) -> Response:
        if not request.path.startswith(API_PREFIX):
            return resp
        resp.vary.add("Origin")
        origin = request.headers.get("Origin")
        if origin and origin in allowed():
            resp.headers["Access-Control-Allow-Origin"] = origin
            if request.method == "OPTIONS":
                resp.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
                resp.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
                resp.headers["Access-Control-Max-Age"] = MAX_AGE
        return resp


def _options() -> ResponseReturnValue | None:
    """Answer a plain OPTIONS (no CORS preflight) with the route's methods, as JSON."""
    rule = request.url_rule
    if rule is None:
        return None  # an unknown path: the routing 404, in the JSON shape
    if rule.endpoint.startswith("admin.") and not admin_token(current_app):
        raise NotFound()  # admin is off: its routes do not exist, for any method
    methods = sorted((rule.methods or set()) | {"OPTIONS"})
    resp = jsonify({"allow": methods})
    resp.headers["Allow"] = ", ".join(methods)
    return resp


def _is_preflight() -> bool:
    """Return True for a CORS preflight of an API route."""
    return (request.method == "OPTIONS" and request.path.startswith(API_PREFIX)
            and "Origin" in request.headers
            and "Access-Control-Request-Method" in request.headers)
