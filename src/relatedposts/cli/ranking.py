"""Ranking quality (issue 15): the ablation table of `relatedposts evaluate --ablation`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from relatedposts.live.service import Service
from relatedposts.quality.ablation import ablate, ablation_rows, ablation_table


def print_ablation(service: Service, queries: dict[str, str],
                   qrels: dict[str, dict[str, int]], as_json: bool) -> None:
    """Evaluate the shipped settings and each signal switched off; print a table or JSON."""
    live = service.live.searcher

    def search_with(changes: dict[str, Any]) -> Callable[[str], list[str]]:
        # Sharing the query cache: each question is embedded once for all the rows.
        searcher = live.with_settings(service.settings.replace(**changes), share_cache=True)
        return lambda query: [h.url for h in searcher.search(query[:1000], 10).results]

    results = ablate(search_with, queries, qrels)
    click.echo(json.dumps(ablation_rows(results)) if as_json else ablation_table(results))
