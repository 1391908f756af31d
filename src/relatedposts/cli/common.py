"""What every command shares: the settings it runs with, the service it asks, its log line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from relatedposts.config import Settings

if TYPE_CHECKING:
    from relatedposts.live.service import Service


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
    """Return the group's settings with the options the command was given applied."""
    base: Settings = ctx.obj
    return base.replace(**{k: v for k, v in overrides.items() if v is not None})


def load_service(settings: Settings, need_model: bool = True) -> Service:
    """Return a Service with the live index loaded (the model checked first if needed).

    The model itself loads only when a search needs a query vector: a lookup never loads it.
    """
    from relatedposts.indexing.embedders import require_model
    from relatedposts.live.service import Service

    if need_model:  # a missing model is named as such, not as an index mismatch
        require_model(settings)
    service = Service(settings)
    service.reload()
    return service


def describe(ctx: click.Context) -> str:
    """Return the command and the options it was given, for the rebuild log."""
    given = []
    for key, value in ctx.params.items():
        values = value if isinstance(value, tuple) else (value,)
        given += [key if v is True else f"{key}={v}" for v in values if v]
    return " ".join([ctx.info_name or "", *given])


def echo_json(payload: object, ensure_ascii: bool = True) -> None:
    """Print payload as indented JSON."""
    import json

    click.echo(json.dumps(payload, indent=2, ensure_ascii=ensure_ascii))
