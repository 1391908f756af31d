"""`relatedposts privacy`: what is stored about visitors, where, for how long, and what never."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from relatedposts.cli.common import echo_json, settings_from
from relatedposts.cli.sites_cmds import site_option
from relatedposts.config import Settings


def statement(settings: Settings) -> dict[str, Any]:
    """Return what this configuration stores, where and for how long (paths resolved)."""
    from relatedposts.logs import legacy

    days = settings.log_retention_days
    query_path = settings.data_file(settings.query_log) if settings.log_queries else None
    event_path = settings.data_file(settings.event_log)
    stored = []
    if settings.redis_url and query_path is not None:
        stored.append({"what": "searches: scrubbed query text, time, result count, visitor "
                       "token", "where": f"Redis stream of {settings.redis_url.split('@')[-1]}",
                       "kept": "the stream's last entries (trimmed by length)"})
    elif query_path is not None:
        stored.append({"what": "searches: scrubbed query text, time, result count, visitor "
                       "token", "where": str(legacy.database_for(query_path)),
                       "kept": f"{days:g} days"})
    if query_path is not None:
        stored.append({"what": "the day key of the visitor tokens (32 random bytes)",
                       "where": ("Redis" if settings.redis_url else
                                 str(Path(legacy.database_for(query_path)).parent / "privacy")),
                       "kept": "until the next UTC day, then deleted"})
    if event_path is not None:
        stored.append({"what": "clicks and impressions on related posts and results (article "
                       "URLs and positions only)", "where": str(legacy.database_for(event_path)),
                       "kept": f"{days:g} days"})
    return {
        "site": settings.site_name or "default",
        "query_logging": query_path is not None,
        "stored": stored,
        "never_stored": ["IP addresses", "user agents", "cookies", "names", "street addresses",
                         "e-mail addresses", "phone numbers", "payment card numbers",
                         "record/NHS/SSN numbers", "dates of birth",
                         "the query text in the service's own log lines"],
        "scrubbed_to": ["[name]", "[address]", "[email]", "[phone]", "[card]", "[id]", "[date]"],
        "shown_after_visitors": settings.privacy_min_visitors,
        "retention_days": days,
    }


@click.command()
@site_option
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def privacy(ctx: click.Context, as_json: bool) -> None:
    """Say exactly what is stored about visitors, where, for how long, and what never is."""
    info = statement(settings_from(ctx))
    if as_json:
        echo_json(info)
        return
    click.echo(f"site {info['site']}: query logging {'on' if info['query_logging'] else 'off'}")
    click.echo("stored:" if info["stored"] else "stored: nothing about searches")
    for item in info["stored"]:
        click.echo(f"  {item['what']}\n    where: {item['where']}\n    kept: {item['kept']}")
    click.echo(f"personal data in a search becomes {', '.join(info['scrubbed_to'])} first")
    click.echo(f"a query is shown (console, gaps, report --queries) only once "
               f"{info['shown_after_visitors']} distinct visitors asked it")
    click.echo("never stored: " + ", ".join(info["never_stored"]))


COMMANDS = [privacy]
