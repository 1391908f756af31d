"""`relatedposts settings`: every setting with its variable, default, current value and help."""

from __future__ import annotations

from pathlib import Path

import click

from relatedposts.cli.common import echo_json


@click.command("settings")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option("--markdown", is_flag=True, help="Print the Markdown table README.md carries.")
@click.option("--write-readme", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Regenerate the settings table inside this README file.")
@click.pass_context
def settings(ctx: click.Context, as_json: bool, markdown: bool,
             write_readme: Path | None) -> None:
    """List every setting: environment variable, default, current value and what it does."""
    from relatedposts.settings_doc import (
        as_env_text,
        describe_settings,
        markdown_table,
        render_into,
    )

    if write_readme is not None:
        write_readme.write_text(render_into(write_readme.read_text("utf-8")), "utf-8")
        click.echo(f"updated the settings table in {write_readme}")
        return
    if markdown:
        click.echo(markdown_table())
        return
    rows = describe_settings()
    current = {r.name: as_env_text(getattr(ctx.obj, r.name)) for r in rows}
    if as_json:
        echo_json([{"name": r.name, "env": r.env, "default": r.default,
                    "value": current[r.name], "allowed": r.allowed, "help": r.help}
                   for r in rows])
        return
    for r in rows:
        changed = "" if current[r.name] == r.default else f"  (now {current[r.name]!r})"
        limits = f" ({r.allowed})" if r.allowed else ""
        click.echo(f"{r.env} = {r.default!r}{changed}\n    {r.help}{limits}")


COMMANDS = [settings]
