"""GET /fragment/related: the "You Might Also Enjoy..." block as server-rendered HTML.

For crawlers, AMP pages, page caches, <noscript> and server-side includes (nginx SSI, ESI):
the markup is widget.js's (blockhtml.py renders both this and the static export). `amp=1`, or
/fragment/related.amp, gives the AMP variant (amp-img, no script).

Errors answer an *empty* text/html body with the status (400 bad parameter, 404 unknown
article, 503 no index) and the reason in the X-Relatedposts-Error header: an include must never
paste a JSON error into a patient's page. An article with no showable post is a 200 with an
empty body, as the widget then leaves its div empty.
"""

from __future__ import annotations

import hashlib
import re

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from relatedposts.blockhtml import render_block
from relatedposts.errors import BadRequest, RelatedPostsError
from relatedposts.live.service import RELATED_MEMO, Live
from relatedposts.models import RelatedPost
from relatedposts.web.context import get_service
from relatedposts.web.params import parse_int

bp = Blueprint("fragments", __name__)
FRAGMENT_MAX_AGE = 300  # seconds, as /api/related: a new version changes the ETag anyway
ERROR_MAX_AGE = 60  # a 404 for a post published a moment ago should not stick for long
MAX_HEADING = 200
ERROR_HEADER = "X-Relatedposts-Error"
_UNSAFE = re.compile(r"[^\x20-\x7e]")  # header values: printable ASCII, never a line break


@bp.get("/fragment/related")
@bp.get("/fragment/related.amp")
def related_fragment() -> ResponseReturnValue:
    """Return the related block of ?url=ARTICLE_URL&limit=N[&amp=1][&heading=TEXT] as HTML."""
    service = get_service(current_app)
    url = (request.args.get("url") or "").strip()
    if not url:
        raise BadRequest("'url' is required: give the article's URL")
    if len(url) > 2048:
        raise BadRequest("'url' is too long")
    limit = parse_int(request.args.get("limit"), service.settings.related_limit, 1,
                      service.settings.max_limit)
    if limit is None:
        raise BadRequest(f"'limit' must be an integer from 1 to {service.settings.max_limit}")
    heading = request.args.get("heading", service.settings.related_heading)
    if len(heading) > MAX_HEADING:
        raise BadRequest(f"'heading' is too long: at most {MAX_HEADING} characters")
    amp = request.path.endswith(".amp") or request.args.get("amp") in ("1", "true")
    live = service.live  # one version for the list, its body and its ETag
    article, posts = service.related(url, limit, live)
    service.events.impressions("related", [p.url for p in posts])
    body, tag = _fragment_body(live, article.url, posts, limit, heading, amp)
    resp = Response(body, mimetype="text/html")
    resp.set_etag(tag)
    resp.cache_control.public = True
    resp.cache_control.max_age = FRAGMENT_MAX_AGE
    resp.vary.add("Accept-Encoding")
    return resp.make_conditional(request)


def _fragment_body(live: Live, url: str, posts: list[RelatedPost], limit: int, heading: str,
                   amp: bool) -> tuple[bytes, str]:
    """Return the block's bytes and ETag, rendered once per version and parameters."""
    key = f"html|{int(amp)}|{heading}|{url}"
    cached = live.related_bodies.get((key, limit))
    if cached is None:
        body = render_block(posts, heading, amp).encode()
        version = live.data.manifest.version
        digest = hashlib.sha1(f"{version}|{key}|{limit}".encode()).hexdigest()[:20]
        cached = body, f"f-{digest}"
        if len(live.related_bodies) >= RELATED_MEMO:
            live.related_bodies.clear()
        live.related_bodies[key, limit] = cached
    return cached


@bp.errorhandler(RelatedPostsError)
def _fragment_error(exc: RelatedPostsError) -> ResponseReturnValue:
    """Answer an empty HTML body with the status; the reason goes in a header only."""
    resp = Response(b"", status=exc.status, mimetype="text/html")
    # Header values are latin-1 on the wire; the message may quote a URL with anything in it.
    resp.headers[ERROR_HEADER] = _UNSAFE.sub("?", exc.message)[:300]
    if exc.status == 404:
        resp.cache_control.public = True
        resp.cache_control.max_age = ERROR_MAX_AGE
    else:
        resp.cache_control.no_store = True
    return resp
