"""The command line for many sites: the --site NAME option and the `sites` command."""

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
    from relatedposts.indexing.build import live_manifest

    settings = ctx.obj
    if not settings.sites_file:
        raise click.UsageError("no sites file: set RELATEDPOSTS_SITES_FILE")
    rows = []
    for name, site in load_sites(settings).items():
        manifest = live_manifest(site.index)
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


def query_report(settings: Settings, as_json: bool) -> None:
    """Print the query log report: every replica's searches from Redis, else the file."""
    from relatedposts.serving.querylog import print_report
    from relatedposts.serving.replicas import print_shared_report

    if settings.redis_url and settings.query_log:
        print_shared_report(settings, as_json)
    else:
        print_report(settings.query_log, as_json)


def announce_if_shared(settings: Settings) -> None:
    """With replicas sharing a Redis, announce the version just made live."""
    if settings.redis_url:
        from relatedposts.indexing.rebuild import announce

        announce(settings, {})
