"""CLI helpers for ranking quality (issue 15): the ablation table of `relatedposts evaluate`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from relatedposts.quality.ablation import ablate, ablation_rows, ablation_table
from relatedposts.serving.service import Service


def print_ablation(service: Service, queries: dict[str, str],
                   qrels: dict[str, dict[str, int]], as_json: bool) -> None:
    """Evaluate the shipped settings and each signal switched off; print a table or JSON."""
    searcher = service.live.searcher
    shipped = service.settings

    def search_with(changes: dict[str, Any]) -> Callable[[str], list[str]]:
        settings = shipped.replace(**changes)

        def run(query: str) -> list[str]:
            searcher.settings = settings  # one searcher: each query is embedded only once
            return [h.url for h in searcher.search(query[:1000], 10).results]
        return run

    try:
        results = ablate(search_with, queries, qrels)
    finally:
        searcher.settings = shipped
    click.echo(json.dumps(ablation_rows(results)) if as_json else ablation_table(results))
