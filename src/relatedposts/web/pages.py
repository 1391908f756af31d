"""The human-facing routes: the embeddable /widget.js, `/` (to /search), the /search page and
the /demo page (only when DEMO_PAGE is on), in the clinic's name and colour."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import secrets
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from relatedposts.blockhtml import DEFAULT_HEADING
from relatedposts.config import Settings
from relatedposts.errors import BadRequest, NotFound, RelatedPostsError
from relatedposts.lists import list_items, render_list
from relatedposts.live.service import Service
from relatedposts.models import Article
from relatedposts.search import Filters, find_red_flags
from relatedposts.web.context import get_registry, get_service
from relatedposts.web.cors import init_cors
from relatedposts.web.params import MAX_OFFSET, parse_date, parse_int
from relatedposts.web.searchpage import (
    build_model,
    popular_topics,
    recent_articles,
    safe_snippet,
)

log = logging.getLogger(__name__)
bp = Blueprint("web", __name__, template_folder="templates")

DEFAULT_LIMIT = 10
WIDGET_MAX_AGE = 3600
DEMO_SLUG = "back-spasms"
CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; "
       "img-src 'self' data: https: http:; style-src 'nonce-{nonce}'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
ERROR_TITLES = {400: "That search didn't work", 404: "Page not found",
                503: "Search is not available yet"}


def init_web(app: Flask) -> None:
    """Register the widget, search and demo routes and the API's CORS rules on app."""
    app.register_blueprint(bp)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    registry = get_registry(app)
    if registry is None:
        init_cors(app, get_service(app).settings.cors_origins)
    else:  # each site's widget may be called only from that site's own origins
        init_cors(app, lambda: registry.origins(request.args.get("site")))


def _service() -> Service:
    return get_service(current_app)


@lru_cache(maxsize=1)
def widget_source(name: str = "widget.js") -> bytes:
    """Return a packaged script (widget.js, search-clicks.js)."""
    return resources.files("relatedposts.web").joinpath(f"static/{name}").read_bytes()


@lru_cache(maxsize=16)
def widget_script(heading: str) -> bytes:
    """Return widget.js with the configured default heading (a JSON string: no markup)."""
    # ensure_ascii and an escaped '<': the string can end neither the literal nor a <script>.
    literal = json.dumps(heading).replace("<", "\\u003c").encode()
    return widget_source().replace(json.dumps(DEFAULT_HEADING).encode(), literal)


@bp.get("/widget.js")
def widget() -> ResponseReturnValue:
    """Serve the embeddable widget script, cacheable for an hour."""
    body = widget_script(clinic_settings().related_heading)
    resp = Response(body, mimetype="text/javascript")
    resp.set_etag(hashlib.sha256(body).hexdigest()[:20])
    resp.cache_control.public = True
    resp.cache_control.max_age = WIDGET_MAX_AGE
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return resp.make_conditional(request)


@bp.get("/search-clicks.js")
def search_clicks() -> Response:
    """Serve the search page's click reporter (issue 16), cacheable for an hour."""
    return _script("search-clicks.js")


@bp.get("/search-suggest.js")
def search_suggest() -> Response:
    """Serve the search box's combobox of completions (issue 25), cacheable for an hour."""
    return _script("search-suggest.js")


def _script(name: str) -> Response:
    """Return one of the search page's static scripts, public and cached for an hour."""
    resp = Response(widget_source(name), mimetype="text/javascript")
    resp.cache_control.public = True
    resp.cache_control.max_age = WIDGET_MAX_AGE
    return resp


def page_int(name: str, default: int, low: int, high: int) -> int:
    """Read an integer query parameter within [low, high], or raise a friendly BadRequest."""
    value = parse_int(request.args.get(name), default, low, high)
    if value is None:
        raise BadRequest(f"The page address has an invalid '{name}' value: it must be a whole "
                         f"number from {low} to {high}.")
    return value


@bp.get("/")
def home() -> ResponseReturnValue:
    """Send a person who opens the service's address to the search page."""
    site = request.args.get("site")
    target = url_for("web.search_page", site=site) if site else url_for("web.search_page")
    return redirect(target, 302)


@bp.get("/search")
def search_page() -> ResponseReturnValue:
    """Render the search page: the form, results with snippets, paging or the empty state."""
    service = _service()
    raw = request.args.get("q") or ""
    if len(raw) > service.settings.max_query_chars:
        raise BadRequest(f"Your search is too long. Please use at most "
                         f"{service.settings.max_query_chars:,} characters.")
    limit = page_int("limit", DEFAULT_LIMIT, 1, service.settings.max_limit)
    offset = page_int("offset", 0, 0, MAX_OFFSET)
    query = " ".join(raw.split())
    articles = service.live.data.articles
    if not query:
        return render_template("search.html", query="", model=None,
                               recent=recent_articles(articles), topics=popular_topics(articles))
    active = page_filters()
    filters = Filters(active.get("tag"), active.get("from"), active.get("to"))
    page = service.search(query, limit, offset, filters if active else None, log_query=True,
                          visitor=request.remote_addr)
    service.events.impressions("search", [h.url for h in page.results], offset + 1)
    model = build_model(query, page, limit, find_red_flags(query), articles, service.dictionary)
    return render_template("search.html", query=query, model=model, filters=active,
                           topics=popular_topics(articles) if model.weak else (),
                           limit=limit if limit != DEFAULT_LIMIT else None)


def page_filters() -> dict[str, str]:
    """Read the facet links' parameters: ?tag=, ?from= and ?to= (YYYY-MM-DD)."""
    active = {"tag": " ".join((request.args.get("tag") or "").split())}
    for name in ("from", "to"):
        active[name] = parse_date(request.args.get(name), f"The “{name}” date must be "
                                  "written as YYYY-MM-DD.") or ""
    return {k: v for k, v in active.items() if v}


@bp.get("/demo")
def demo() -> ResponseReturnValue:
    """Render a sample blog article (?url= or the back-spasms one) that embeds the widget."""
    service = _service()
    if not service.settings.demo_page:  # a try-out page: a clinic's own site does not show it
        raise NotFound("Page not found.")
    url = (request.args.get("url") or "").strip()
    articles = service.live.data.articles
    article = service.find_article(url)[1] if url else demo_article(articles)
    others = [a for a in recent_articles(articles, 6) if a.url != article.url][:5]
    return render_template("demo.html", article=article, others=others)


def demo_article(articles: list[Article]) -> Article:
    """Pick the demo's default article: the back-spasms post, else the newest one."""
    if not articles:
        raise NotFound("The index has no articles yet.")
    for article in articles:
        if DEMO_SLUG in article.url:
            return article
    return recent_articles(articles, 1)[0]


@bp.app_template_filter("web_href")
def web_href(url: str | None) -> str:
    """Return url when it is an http(s) link, else '#' (never a javascript: link)."""
    if url and urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return url.strip()
    return "#"


@bp.app_template_filter("nice_date")
def nice_date(value: str | None) -> str:
    """Format a YYYY-MM-DD date as 'October 6, 2025' (anything else is shown as is)."""
    try:
        day = datetime.date.fromisoformat((value or "")[:10])
    except ValueError:
        return value or ""
    return f"{day:%B} {day.day}, {day.year}"


@bp.app_template_filter("list_html")
def list_html(para: str) -> Markup:
    """Render a list paragraph of an article as <ul>/<ol>, escaped ('' for other text)."""
    items = list_items(para, single=True)
    return Markup(render_list(items)) if items else Markup("")  # escaped by render_list


bp.add_app_template_filter(safe_snippet, "safe_snippet")


@bp.before_request
def _make_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


@bp.url_defaults
def _keep_site(endpoint: str, values: dict) -> None:
    """Keep ?site=NAME on every link a page makes (set once the site was resolved)."""
    if g.get("site") and "site" not in values:
        values["site"] = g.site


@bp.app_context_processor
def _site_name() -> dict[str, str | None]:
    """Give templates the request's (validated) site name for forms and the widget."""
    return {"site": g.get("site")}


def clinic_settings() -> Settings:
    """Return the settings naming the clinic: the request's site's, else the shared ones."""
    registry = get_registry(current_app)
    if registry is None:
        return _service().settings
    try:
        return _service().settings
    except RelatedPostsError:  # no or an unknown ?site= (the error page): the shared name
        return registry.settings


@bp.app_context_processor
def _clinic() -> dict[str, Settings]:
    """Give templates the clinic's name, logo, colour and footer (escaped by Jinja)."""
    return {"clinic": clinic_settings()}


@bp.after_request
def _security_headers(resp: Response) -> Response:
    if resp.mimetype == "text/html":
        resp.headers["Content-Security-Policy"] = CSP.format(nonce=g.get("csp_nonce", ""))
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return resp


def error_page(status: int, message: str) -> ResponseReturnValue:
    """Render the friendly HTML error page."""
    if status >= 500:
        message = "Please try again in a few minutes."
    title = ERROR_TITLES.get(status, "Something went wrong")
    if "csp_nonce" not in g:
        _make_nonce()
    return render_template("error.html", title=title, message=message), status


@bp.errorhandler(RelatedPostsError)
def _our_error(exc: RelatedPostsError) -> ResponseReturnValue:
    if exc.status >= 500:
        log.warning("search page unavailable: %s", exc.message)
    return error_page(exc.status, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    return error_page(exc.code or 500, exc.description or exc.name)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> ResponseReturnValue:
    log.exception("unhandled error in %s", request.path)
    return error_page(500, "internal error")
