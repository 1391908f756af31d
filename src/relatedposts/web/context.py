"""Where the blueprints find the Service: one per app, or one per site with a sites file.

Single site: create_app puts the Service on app.extensions[EXTENSION]. With a sites file it
puts a SiteRegistry on app.extensions[SITES] instead, and every request names its site with
?site=NAME; the Service of that site (and only that site) answers it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, request

from relatedposts.errors import BadRequest
from relatedposts.live.service import Service
from relatedposts.live.sites import SiteRegistry
from relatedposts.redisbus import DEFAULT_SITE

EXTENSION = "relatedposts"
SITES = "relatedposts.sites"


def get_service(app: Flask) -> Service:
    """Return the Service answering this request (the site= parameter's with a sites file)."""
    registry = get_registry(app)
    if registry is None:
        return app.extensions[EXTENSION]
    if not has_request_context():
        raise RuntimeError("with a sites file the Service depends on the request's site")
    name = request.args.get("site")
    if not name:
        raise BadRequest("'site' is required: this service hosts several sites")
    service = registry.get(name)
    g.site = registry.site(name).name
    return service


def get_registry(app: Flask) -> SiteRegistry | None:
    """Return the app's SiteRegistry, or None for a single-site app."""
    return app.extensions.get(SITES)


def loaded_services(app: Flask) -> list[Service]:
    """Return every Service the app holds now (all loaded sites, or the one Service)."""
    registry = get_registry(app)
    if registry is None:
        return [app.extensions[EXTENSION]]
    return registry.loaded()


def admin_token(app: Flask) -> str:
    """Return the token guarding this request's admin routes ('' = admin off).

    With a sites file it is the site's own token (else the global one); a missing or unknown
    site is admin off, a 404 like any unknown route, and nothing is loaded to find out.
    """
    registry = get_registry(app)
    if registry is None:
        return app.extensions[EXTENSION].settings.admin_token
    site = registry.sites.get(request.args.get("site") or "")
    return (site.admin_token or registry.settings.admin_token) if site else ""


def admin_index_dir(app: Flask) -> Path:
    """Return the index directory of this request's site, without loading its index."""
    registry = get_registry(app)
    if registry is None:
        return Path(app.extensions[EXTENSION].settings.index_dir)
    return Path(registry.site(request.args.get("site")).index)


def reload_targets(app: Flask, site: str) -> list[Service]:
    """Return the loaded Services an announced reload of site concerns ('*': all)."""
    registry = get_registry(app)
    if registry is None:
        service = app.extensions[EXTENSION]
        return [service] if site in ("*", DEFAULT_SITE) else []
    if site == "*":
        return registry.loaded()
    service = registry.peek(site)
    return [service] if service is not None else []  # an unloaded site loads fresh anyway


def describe(app: Flask) -> str:
    """Return a one-line state for the start-up log."""
    registry = get_registry(app)
    if registry is not None:
        return f"{len(registry.sites)} sites, loaded on first use"
    service: Service = app.extensions[EXTENSION]
    return "index loaded" if service.load_error is None else service.load_error
