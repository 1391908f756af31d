"""POST /api/events: strictly validated click reports from the widget and the search page.

Body `{"type": "click", "list": "related"|"search", "from", "to", "position"}` (JSON, sent as
application/json or as text/plain, which is what navigator.sendBeacon sends for a string).
"to" (and, for the related list, "from") must be published articles; the store keeps their
canonical URLs, never the text sent. A search click comes "from" "/search" (never the query).
A browser request from an origin other than this service or RELATEDPOSTS_CORS_ORIGINS is 403.
The app-wide per-client rate limit (guard.py) covers the route; it sets no cookie.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from relatedposts.config import Settings
from relatedposts.errors import BadRequest, NotFound, RelatedPostsError
from relatedposts.live.service import Service
from relatedposts.logs.events import LISTS
from relatedposts.web.context import get_service
from relatedposts.web.cors import allowed_origins, normalize_origin
from relatedposts.web.params import loads_json

bp = Blueprint("events", __name__)
FIELDS = frozenset({"type", "list", "from", "to", "position"})
SEARCH_FROM = "/search"  # the search page reports its clicks as coming from here
MAX_BODY = 2048
MAX_POSITION = 50


def parse_click(raw: bytes) -> dict[str, Any]:
    """Parse and validate a click body strictly, or raise BadRequest saying what is wrong."""
    try:
        body = loads_json(raw)
    except BadRequest as exc:
        if "nested" in exc.message:
            raise
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    if set(body) != FIELDS:
        raise BadRequest("the body must have exactly the fields type, list, from, to, position")
    if body["type"] != "click":
        raise BadRequest("'type' must be \"click\"")
    if body["list"] not in LISTS:
        raise BadRequest("'list' must be \"related\" or \"search\"")
    position = body["position"]
    if type(position) is not int or not 1 <= position <= MAX_POSITION:
        raise BadRequest(f"'position' must be a whole number from 1 to {MAX_POSITION}")
    for key in ("from", "to"):
        if not isinstance(body[key], str) or not body[key].strip() or len(body[key]) > 2048:
            raise BadRequest(f"'{key}' must be a URL of at most 2048 characters")
    return body


def _check_origin(settings: Settings) -> None:
    """Refuse a browser request from a page that is neither this service nor an allowed blog."""
    origin = request.headers.get("Origin")
    if origin is None:
        return
    own = normalize_origin(f"{request.scheme}://{request.host}")
    if normalize_origin(origin) not in allowed_origins(settings.cors_origins) | {own}:
        raise RelatedPostsError("this origin may not report clicks", status=403)


@bp.route("/api/events", methods=["POST"])
def post_event() -> ResponseReturnValue:
    """Record one click on a related-posts or search list: 204, or the JSON error."""
    service = get_service(current_app)
    _check_origin(service.settings)
    kind = (request.mimetype or "").lower()
    if kind not in ("application/json", "text/plain"):
        raise RelatedPostsError("send the click as application/json or text/plain", status=415)
    if (request.content_length or 0) > MAX_BODY:
        raise RelatedPostsError(f"a click is at most {MAX_BODY} bytes", status=413)
    body = parse_click(request.get_data(cache=False)[:MAX_BODY + 1])
    target = _article_url(service, body["to"], "to")
    if body["list"] == "search":
        if urlsplit(body["from"]).path != SEARCH_FROM or urlsplit(body["from"]).query:
            raise BadRequest(f"a search click's 'from' must be \"{SEARCH_FROM}\"")
        source = SEARCH_FROM
    else:
        source = _article_url(service, body["from"], "from")
        if source == target:
            raise BadRequest("'from' and 'to' are the same article")
    service.events.click(body["list"], source, target, body["position"])
    return Response(status=204)


def _article_url(service: Service, url: str, key: str) -> str:
    """Return the canonical URL of a published article, or raise BadRequest."""
    try:
        return service.find_article(url.strip())[1].url
    except NotFound:
        raise BadRequest(f"'{key}' is not an article of this blog") from None
