"""Commands that read the live index: serve, search, related."""

from __future__ import annotations

from pathlib import Path

import click

from relatedposts.cli.common import echo_json, load_service, settings_from
from relatedposts.cli.sites_cmds import site_option
from relatedposts.models import related_to_dict


@click.command()
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes; each loads the index once, the model at its first "
                   "search.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256),
              help="Application threads per worker (waiting for clients takes none).")
@click.option("--debug", is_flag=True,
              help="Flask's development server with reloading instead of waitress.")
@click.pass_context
def serve(ctx: click.Context, index_dir: Path | None, host: str, port: int, workers: int,
          threads: int, debug: bool) -> None:
    """Serve the JSON API, widget and search page (waitress; --debug for Flask's server)."""
    from relatedposts.indexing.embedders import require_model
    from relatedposts.web.server import bind, check_settings

    settings = settings_from(ctx, index_dir=index_dir)
    require_model(settings)  # fail here, in one line, rather than in every worker
    check_settings(settings)  # ConfigError: one line, exit 2, before any fork
    where = f"index: {settings.index_dir}"
    if settings.sites_file:  # a bad sites file stops here, in one line, not in every worker
        from relatedposts.sites import load_sites

        where = f"{len(load_sites(settings))} sites from {settings.sites_file}"
    # A taken port is refused (ConfigError: one line, exit 2) before "serving on" is printed;
    # the probe is closed at once and the supervisor binds again (SO_REUSEADDR).
    bind(host, port).close()
    click.echo(f"serving on http://{host}:{port}/  ({where})")
    from relatedposts.console.app import create_app  # the service plus the /admin console

    if debug:
        create_app(settings).run(host=host, port=port, debug=True, threaded=True)
        return
    from relatedposts.web.server import run

    run(settings, host, port, workers, threads, factory=create_app)


@click.command()
@site_option
@click.argument("text")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print the page as GET /api/search returns it.")
@click.pass_context
def search(ctx: click.Context, text: str, limit: int, index_dir: Path | None,
           as_json: bool) -> None:
    """Search the index as a patient would."""
    service = load_service(settings_from(ctx, index_dir=index_dir))
    page = service.search(text, limit)
    if as_json:
        echo_json(page.to_dict(limit))
        return
    if page.corrected_query:
        click.echo(f"(searching for: {page.corrected_query})")
    for rank, hit in enumerate(page.results, 1):
        click.echo(f"{rank}. {hit.title}  [{hit.score:.3f}]\n   {hit.url}")
    if not page.results:
        click.echo("no results")


@click.command()
@site_option
@click.argument("url")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Print the list as GET /api/related returns it.")
@click.pass_context
def related(ctx: click.Context, url: str, limit: int, index_dir: Path | None,
            as_json: bool) -> None:
    """Show the 'You Might Also Enjoy' list for an article URL (a lookup: no model needed)."""
    service = load_service(settings_from(ctx, index_dir=index_dir), need_model=False)
    article, posts = service.related(url, limit)
    if as_json:
        echo_json(related_to_dict(article, posts))
        return
    click.echo(f"You Might Also Enjoy... (for: {article.title})")
    for rank, p in enumerate(posts, 1):
        mark = " (fallback)" if p.fallback else ""
        click.echo(f"{rank}. {p.title}  [{p.score:.3f}]{mark}\n   {p.url}")


COMMANDS = [serve, search, related]
