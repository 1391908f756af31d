"""Many sites, replicas and Ray builds on the command line: the --site NAME option, the
`sites` command, the shared query report and the reload announcement after a build."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from relatedposts.config import Settings
from relatedposts.sites import load_sites, settings_for

F = TypeVar("F", bound=Callable[..., Any])


def _apply_site(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Swap the command's Settings for the named site's (required with a sites file)."""
    ctx.obj = settings_for(ctx.obj, value)


def site_option(f: F) -> F:
    """Add --site NAME: work on one site of RELATEDPOSTS_SITES_FILE (its corpus and index)."""
    return click.option("--site", "site_name", metavar="NAME", expose_value=False,
                        callback=_apply_site,
                        help="The site of RELATEDPOSTS_SITES_FILE to work on.")(f)


@click.command("sites")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def sites_command(ctx: click.Context, as_json: bool) -> None:
    """List the sites of RELATEDPOSTS_SITES_FILE with their index and live version."""
    from relatedposts.indexing.versions import VersionStore

    settings = ctx.obj
    if not settings.sites_file:
        raise click.UsageError("no sites file: set RELATEDPOSTS_SITES_FILE")
    rows = []
    for name, site in load_sites(settings).items():
        manifest = VersionStore(site.index).live_manifest()
        rows.append({"site": name, "index": str(site.index), "corpus": str(site.corpus),
                     "version": manifest.version if manifest else None,
                     "articles": manifest.articles if manifest else 0,
                     "origins": list(site.origins)})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        live = f"{row['version']} ({row['articles']} articles)" if row["version"] else "not built"
        click.echo(f"{row['site']:20s} {live}  index {row['index']}")


def shared_query_report(settings: Settings) -> object | None:
    """Return the report of every replica's searches from Redis (None: no shared log)."""
    if not (settings.redis_url and settings.query_log):
        return None
    from relatedposts.live.replicas import read_events
    from relatedposts.logs.querylog import summarize

    return summarize(read_events(settings, "queries"), min_visitors=settings.privacy_min_visitors)


def announce_if_shared(settings: Settings) -> None:
    """With replicas sharing a Redis, announce the version just made live."""
    if settings.redis_url:
        from relatedposts.indexing.rebuild import announce

        announce(settings, {})


def site_or_sources(settings: Settings, sites: tuple[str, ...]) -> tuple[Settings,
                                                                        tuple[str, ...]]:
    """rebuild --site: with a sites file it names the site (its sources come from the file);
    without one it stays what it always was, a source to scrape. Return (settings, sources)."""
    if not settings.sites_file:
        return settings, sites
    if len(sites) > 1:
        raise click.UsageError("with a sites file, give one --site NAME")
    return settings_for(settings, sites[0] if sites else None), ()


COMMANDS = [sites_command]
