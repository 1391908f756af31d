"""The editor's commands (issue 16): links; and for report, --gaps and the clicks of --json."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from relatedposts.cli.common import load_service
from relatedposts.config import Settings
from relatedposts.errors import NotFound
from relatedposts.text import counted


def click_summary(settings: Settings) -> dict[str, Any]:
    """Return the click-through report from the event store, JSON-ready."""
    from relatedposts.logs.events import EventStore
    from relatedposts.quality.clicks import report_of

    return asdict(report_of(EventStore.from_settings(settings).counts()))


def print_gaps(settings: Settings, as_json: bool, min_count: int = 1) -> None:
    """Print the content gaps found in the query log (report --gaps)."""
    from relatedposts.logs.querylog import logged_entries
    from relatedposts.quality.gaps import find_gaps

    entries = logged_entries(settings)
    service = load_service(settings)
    gaps = find_gaps(entries, service.live.searcher, settings, min_count)
    if as_json:
        click.echo(json.dumps({"searches": len(entries), "gaps": [asdict(g) for g in gaps]},
                              indent=2, ensure_ascii=False))
        return
    click.echo(f"{counted(len(entries), 'search', 'searches')} logged; "
               f"{counted(len(gaps), 'topic', 'topics')} no article answers"
               + (":" if gaps else "."))
    for gap in gaps:
        click.echo(f"- {gap.line()}")
        for q in gap.queries:
            click.echo(f"    “{q}”")


@click.command("links")
@click.argument("url", required=False)
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per suggestion row.")
@click.pass_context
def links_command(ctx: click.Context, url: str | None, index_dir: Path | None,
                  as_json: bool) -> None:
    """Suggest internal links: sentences that discuss another article's topic (or URL's only)."""
    from relatedposts.quality.links import suggest_links

    settings: Settings = ctx.obj.replace(**({"index_dir": index_dir} if index_dir else {}))
    service = load_service(settings)
    if url is not None:
        service.find_article(url)  # an unknown URL is an error, not an empty list
    rows = suggest_links(service.live.data, service.embedder, settings, url)
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        raise NotFound("no link suggestions" + (f" for {url}" if url else ""))
    current = None
    for r in rows:
        if r.source_url != current:
            current = r.source_url
            click.echo(f"\n{current}")
        click.echo(f"  [{r.score:.2f}] link “{r.anchor}” to {r.target_title} ({r.target_url})"
                   f"\n         in: {r.sentence}")


COMMANDS = [links_command]
