"""The relatedposts command line: all click code lives in this package.

index_cmds: scrape, build, rebuild, rollback, import-dataset; serve_cmds: serve, search,
related; report_cmds: evaluate, evaluate-related, report; settings_cmd: settings;
editor_cmds: links (and report --gaps, the clicks in report --json).
sites_cmds: --site NAME (many sites), sites; privacy_cmd: privacy.
Commands parse options and print; the work is done by the library layers below.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from relatedposts.cli import (
    editor_cmds,
    index_cmds,
    privacy_cmd,
    report_cmds,
    serve_cmds,
    settings_cmd,
    sites_cmds,
)
from relatedposts.config import Settings
from relatedposts.errors import ConfigError, RelatedPostsError


class _Group(click.Group):
    """A click group that turns our errors into a one-line message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RelatedPostsError as exc:
            click.echo(f"error: {exc.message}", err=True)
            if isinstance(exc, ConfigError) and ctx.invoked_subcommand == "serve":
                sys.exit(2)  # a bad setting stops `serve` before it forks any worker
            sys.exit(getattr(exc, "exit_code", 1))  # 3: verification gate refused


@click.group(cls=_Group)
@click.option("--fake-embedder", is_flag=True, hidden=True,
              help="Use the deterministic fake embedder (tests only).")
@click.pass_context
def main(ctx: click.Context, fake_embedder: bool) -> None:
    """Semantic search and 'You Might Also Enjoy' lists for a clinic blog."""
    settings = Settings.from_env()
    ctx.obj = settings.replace(embedder="fake") if fake_embedder else settings


for _module in (index_cmds, serve_cmds, report_cmds, settings_cmd, editor_cmds, sites_cmds,
                privacy_cmd):
    for _command in _module.COMMANDS:
        main.add_command(_command)
