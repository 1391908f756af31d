"""The editor's console: GET /admin, its forms and POST /admin/draft (a blueprint).

Server-rendered (Jinja, no script at all), behind the admin token (auth.py). Every
POST that changes something answers 303 to /admin with a fixed message code, so reloading the
page never repeats a rollback. Overrides are validated against the live index and written to
the overrides file; the next build applies them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

from relatedposts.console import auth, rebuild
from relatedposts.console.data import build_view, change_overrides, change_search_rule
from relatedposts.console.draft import check_draft, parse_draft
from relatedposts.errors import BadRequest, RelatedPostsError
from relatedposts.live.service import Service
from relatedposts.web.context import get_service
from relatedposts.web.params import loads_json
from relatedposts.web.ratelimit import note_failed_admin_auth

bp = Blueprint("console", __name__, template_folder="templates")
CSP = ("default-src 'none'; style-src 'nonce-{nonce}'; {script}img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
DONE = {"rollback": "Rolled back: the previous version is live now.",
        "override": "Override saved. It is applied at the next build.",
        "search-rule": "Search rule saved. It is applied at the next build.",
        "signed-in": "Signed in."}


def init_console(app: Flask) -> None:
    """Register the /admin console and POST /admin/draft on an app made by create_app."""
    app.register_blueprint(bp)
    app.register_blueprint(rebuild.bp)
    auth.init_auth(app)


def _service() -> Service:
    return get_service(current_app)


@bp.app_template_filter("mark_anchor")
def mark_anchor(sentence: str, anchor: str) -> Markup:
    """Return the sentence, escaped, with the first occurrence of anchor in <mark>."""
    at = sentence.find(anchor)
    if at < 0 or not anchor:
        return Markup(escape(sentence))
    return Markup(f"{escape(sentence[:at])}<mark>{escape(anchor)}</mark>"
                  f"{escape(sentence[at + len(anchor):])}")


@bp.before_request
def _nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


@bp.after_request
def _headers(resp: Response) -> Response:
    if resp.mimetype == "text/html":
        nonce = g.get("csp_nonce", "")
        # Script-free, except the one page that watches a running rebuild (console/rebuild.py).
        script = f"script-src 'nonce-{nonce}'; connect-src 'self'; " if g.get("csp_script") \
            else ""
        resp.headers["Content-Security-Policy"] = CSP.format(nonce=nonce, script=script)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


# The rebuild pages are the console's too: the same nonce, CSP and no-store.
rebuild.bp.before_request(_nonce)
rebuild.bp.after_request(_headers)


@bp.route("/admin/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """Show the sign-in form; exchange a correct token for a session cookie."""
    auth.require_token_configured()
    if request.method == "GET":
        return render_template("console_signin.html", error=None)
    if not auth.token_matches(request.form.get("token", "")):
        note_failed_admin_auth()
        return render_template("console_signin.html", error="That token is not right."), 401
    resp = redirect("/admin", code=303)
    return auth.start_session(resp, _service().settings.admin_session_hours)


@bp.post("/admin/sign-out")
def sign_out() -> ResponseReturnValue:
    """End the session."""
    auth.require_admin()
    return auth.end_session(redirect("/admin/sign-in", code=303))


def _page(message: str | None = None, error: str | None = None, draft: dict | None = None,
          status: int = 200) -> ResponseReturnValue:
    service = _service()
    view = build_view(service)
    return render_template("console.html", view=view, message=message, error=error,
                           draft=draft, csrf=auth.csrf_token(),
                           rebuild=rebuild.job_view(service.settings.index_dir),
                           admin_hours=service.settings.admin_session_hours), status


@bp.get("/admin")
def console() -> ResponseReturnValue:
    """Render the console."""
    auth.require_admin(json_errors=False)
    return _page(message=DONE.get(request.args.get("done", "")))


@bp.post("/admin/rollback")
def rollback() -> ResponseReturnValue:
    """Make the previously live version live again, here at once, elsewhere via CURRENT."""
    from relatedposts.indexing.rebuild import rollback as roll_back

    auth.require_admin()
    service = _service()
    try:
        roll_back(service.settings)
        service.reload()
    except RelatedPostsError as exc:
        return _page(error=exc.message, status=409)
    return redirect("/admin?done=rollback#versions", code=303)


@bp.post("/admin/overrides")
def overrides() -> ResponseReturnValue:
    """Add or remove a pin, block or exclusion (validated against the live index)."""
    return _change(lambda form: change_overrides(
        _service(), form.get("action", ""), form.get("source", ""), form.get("target", ""),
        form.get("remove") == "1"), "/admin?done=override#overrides")


@bp.post("/admin/search-rules")
def search_rules() -> ResponseReturnValue:
    """Pin or hide an article for one search, or undo it (validated against the live index)."""
    return _change(lambda form: change_search_rule(
        _service(), form.get("query", ""), form.get("action", ""), form.get("target", ""),
        form.get("remove") == "1"), "/admin?done=search-rule#search-rules")


def _change(apply: Callable[[Any], object], done: str) -> ResponseReturnValue:
    """Check the editor, apply one change to the overrides file, then show where it went."""
    auth.require_admin()  # before the form is read: an unauthorized body is never parsed
    try:
        apply(request.form)
    except RelatedPostsError as exc:
        return _page(error=exc.message, status=exc.status if exc.status < 500 else 400)
    return redirect(done, code=303)


@bp.post("/admin/draft")
def draft() -> ResponseReturnValue:
    """Check a draft: JSON {"title", "text"} in and out, or the console's form."""
    auth.require_admin()
    service = _service()
    as_json = request.mimetype == "application/json"
    try:
        if as_json:
            body = loads_json(request.get_data())
            if not isinstance(body, dict):
                raise BadRequest("the body must be a JSON object with title and text")
        else:
            body = {"title": request.form.get("title", ""), "text": request.form.get("text", "")}
        article = parse_draft(body, service.settings.draft_max_words)
        result = check_draft(article, service.live.data, service.embedder, service.settings)
    except RelatedPostsError as exc:
        if as_json:
            raise
        return _page(error=exc.message, status=exc.status)
    if as_json:
        return jsonify(result)
    return _page(draft=result)
