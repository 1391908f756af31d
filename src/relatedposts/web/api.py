"""The JSON API blueprint: search, related posts, health and the manifest."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from relatedposts.errors import BadRequest
from relatedposts.live.service import RELATED_MEMO, Live, Service
from relatedposts.models import Article, RelatedPost, related_to_dict
from relatedposts.search import Filters
from relatedposts.web.context import get_registry, get_service
from relatedposts.web.params import MAX_OFFSET, parse_date, parse_int

bp = Blueprint("api", __name__)
RELATED_MAX_AGE = 300  # seconds; a rebuild changes the ETag anyway
SUGGEST_MAX_AGE = 60  # seconds: a typist going back and forth asks the same prefixes


def _service() -> Service:
    return get_service(current_app)


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """Read an integer query parameter within [low, high], or raise BadRequest."""
    value = parse_int(request.args.get(name), default, low, high)
    if value is None:
        raise BadRequest(f"'{name}' must be an integer from {low} to {high} (ASCII digits)")
    return value


def query_arg() -> str:
    """Read the q parameter: present, not blank, at most max_query_chars characters."""
    settings = _service().settings
    q = request.args.get("q")
    if q is None or not q.strip():
        raise BadRequest("'q' is required: give the text to search for")
    if len(q) > settings.max_query_chars:
        raise BadRequest(f"'q' is too long: at most {settings.max_query_chars} characters")
    return q.strip()


def date_arg(name: str) -> str | None:
    """Read an optional YYYY-MM-DD parameter."""
    return parse_date(request.args.get(name), f"'{name}' must be a date as YYYY-MM-DD")


@bp.get("/api/search")
def search() -> ResponseReturnValue:
    """Search articles: ?q=TEXT&limit=N&offset=M&tag=T&from=DATE&to=DATE."""
    service = _service()
    q = query_arg()
    limit = int_arg("limit", 10, 1, service.settings.max_limit)
    offset = int_arg("offset", 0, 0, MAX_OFFSET)
    filters = Filters(tag=request.args.get("tag") or None, date_from=date_arg("from"),
                      date_to=date_arg("to"))
    page = service.search(q, limit, offset, filters, log_query=True,
                          visitor=request.remote_addr)
    g.search_total = page.total  # read by metrics.py: a search no article answered
    return jsonify(page.to_dict(limit, query=q))


@bp.get("/api/suggest")
def suggest() -> ResponseReturnValue:
    """Complete a typed prefix: ?q=PREFIX&limit=N; an empty prefix has no completions."""
    service = _service()
    most = service.settings.suggest_max_chars
    q = request.args.get("q", "")
    if len(q) > most:  # refused, not truncated: a cut prefix would complete another text
        raise BadRequest(f"'q' is too long for a completion: at most {most} characters")
    limit = int_arg("limit", service.settings.suggest_limit, 1, service.settings.max_limit)
    found = service.suggest(q, limit)
    resp = jsonify({"query": q, "suggestions": [s.to_dict() for s in found]})
    resp.cache_control.public = True  # the same for everyone until the next version
    resp.cache_control.max_age = SUGGEST_MAX_AGE
    return resp


@bp.get("/api/related")
def related() -> ResponseReturnValue:
    """Return the 'You Might Also Enjoy' list for ?url=ARTICLE_URL&limit=N."""
    service = _service()
    url = request.args.get("url")
    if url is None or not url.strip():
        raise BadRequest("'url' is required: give the article's URL")
    if len(url) > 2048:
        raise BadRequest("'url' is too long")
    limit = int_arg("limit", service.settings.related_limit, 1, service.settings.max_limit)
    live = service.live  # the list, its body and its ETag all come from this one version
    article, posts = service.related(url.strip(), limit, live)
    service.events.impressions("related", [p.url for p in posts])  # browser caching: a floor
    body, tag = _related_body(live, article, posts, limit)
    resp = current_app.response_class(body, mimetype="application/json")
    # The list only changes with a new index version: let browsers and CDNs cache it.
    resp.set_etag(tag)
    resp.cache_control.public = True
    resp.cache_control.max_age = RELATED_MAX_AGE
    return resp.make_conditional(request)


def _related_body(live: Live, article: Article, posts: list[RelatedPost],
                  limit: int) -> tuple[bytes, str]:
    """Return the list's JSON body and ETag, serialized once per version (the hot path)."""
    key = (article.url, limit)
    cached = live.related_bodies.get(key)
    if cached is None:
        # What jsonify sends: the app's JSON provider (no NaN) and a final newline.
        body = f"{current_app.json.dumps(related_to_dict(article, posts))}\n".encode()
        version = live.data.manifest.version
        cached = body, hashlib.sha1(f"{version}|{article.url}|{limit}".encode()).hexdigest()[:20]
        if len(live.related_bodies) >= RELATED_MEMO:
            live.related_bodies.clear()  # rare (huge sites): a body is cheap to redo
        live.related_bodies[key] = cached
    return cached


@bp.get("/api/index")
def index_info() -> ResponseReturnValue:
    """Return the live index's manifest."""
    live = _service().live
    return jsonify(live.data.manifest.to_dict())


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Return 200 once an index is loaded (else 503): status, version, articles, reload_failed.

    Public, so it says only whether a newer version failed to load; why is on the
    authenticated GET /admin/status.
    """
    registry = get_registry(current_app)
    if registry is not None and not request.args.get("site"):
        # The process is up; each site's own state is /healthz?site=NAME.
        return jsonify({"status": "ok", "sites": len(registry.sites),
                        "loaded": len(registry.loaded_names())})
    service = _service()
    manifest = service.live.data.manifest
    return jsonify({"status": "ok", "version": manifest.version, "articles": manifest.articles,
                    "reload_failed": service.load_error is not None})
