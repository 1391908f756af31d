"""Commands that measure and report: evaluate, evaluate-related, report (and report --queries)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from relatedposts.cli.common import echo_json, load_service, settings_from
from relatedposts.cli.sites_cmds import shared_query_report, site_option
from relatedposts.config import Settings
from relatedposts.text import counted

if TYPE_CHECKING:
    from relatedposts.indexing.index import IndexData


@click.command()
@site_option
@click.option("--queries", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--qrels", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--fusion", type=click.Choice(["weighted", "rrf", "dense", "bm25"]),
              help="Override the fusion setting for this run.")
@click.option("--ablation", is_flag=True, help="Also switch each ranking signal off in turn.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def evaluate(ctx: click.Context, queries: Path, qrels: Path, index_dir: Path | None,
             fusion: str | None, ablation: bool, as_json: bool) -> None:
    """Measure search quality on labeled queries: nDCG@10, Recall@10, MRR@10."""
    from relatedposts.quality.evaluate import evaluate as run_eval
    from relatedposts.quality.evaluate import load_qrels, load_queries

    service = load_service(settings_from(ctx, index_dir=index_dir, fusion=fusion))
    qs, judged = load_queries(queries), load_qrels(qrels)
    if ablation:  # one row per signal switched off (issue 15)
        from relatedposts.cli.ranking import print_ablation

        print_ablation(service, qs, judged, as_json)
        return
    metrics = run_eval(lambda q: [h.url for h in service.search(q[:1000], 10).results],
                       qs, judged)
    row = metrics.as_row()
    if as_json:
        click.echo(json.dumps(row))
        return
    click.echo(f"queries {row['queries']}  nDCG@10 {row['ndcg@10']:.4f}  "
               f"Recall@10 {row['recall@10']:.4f}  MRR@10 {row['mrr@10']:.4f}  "
               f"p50 {row['p50_ms']:.1f} ms")


@click.command()
@site_option
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True)
@click.option("--queries", is_flag=True, help="Report the query log (RELATEDPOSTS_QUERY_LOG).")
@click.option("--gaps", is_flag=True, help="Topics patients search for that no article answers.")
@click.pass_context
def report(ctx: click.Context, index_dir: Path | None, limit: int, as_json: bool,
           queries: bool, gaps: bool) -> None:
    """List orphans, over-recommended posts, duplicates, overrides, changed lists (or --queries)."""
    from relatedposts.cli.editor_cmds import click_summary, print_gaps

    settings = settings_from(ctx, index_dir=index_dir)
    if queries:  # the most frequent searches and those that found nothing
        _query_report(settings, as_json)
        return
    if gaps:  # issue 16: unanswered searches grouped into topics
        print_gaps(settings, as_json)
        return
    from relatedposts.quality.related_report import build_report

    rep = build_report(settings.index_dir, limit, settings.thin_words)
    if as_json:
        echo_json(asdict(rep) | {"clicks": click_summary(settings)})
        return
    click.echo(f"index {rep.version} (previous: {rep.previous or 'none'})")
    sections = [
        ("orphans (recommended nowhere)", rep.orphans),
        ("recommended from too many places", [f"{u} ({counted(c, 'list', 'lists')})"
                                              for u, c in rep.over_recommended]),
        ("near-duplicates (never shown together)", [" = ".join(g) for g in rep.duplicates]),
        ("override warnings", list(cast(list[str], rep.overrides.get("warnings") or []))),
        ("search rules (pinned first, hidden never listed)", [
            f"{q!r}: pin {', '.join(r['pin']) or '-'}; hide {', '.join(r['hide']) or '-'}"
            for q, r in rep.search_rules.items()]),
        (f"thin articles (under {settings.thin_words} words: kept, worth a look)", rep.thin),
    ]
    click.echo(f"overrides applied: {overrides_in_words(rep.overrides)}")
    for title, items in sections:
        click.echo(f"{title}: {len(items)}")
        for item in items:
            click.echo(f"  {item}")
    if rep.previous:  # the first version has nothing to be compared with
        click.echo(f"lists changed since version {rep.previous}: {len(rep.changed)}")
        for url in rep.changed:
            click.echo(f"  {url}")
    else:
        click.echo("lists changed: no earlier version to compare with")


def overrides_in_words(overrides: dict[str, object]) -> str:
    """Say what the editor's overrides did: '2 pins, 1 block, 0 exclusions' or 'none'."""
    nouns = {"pinned": ("pin", "pins"), "blocked": ("block", "blocks"),
             "excluded": ("exclusion", "exclusions")}
    parts = [counted(int(cast(int, overrides.get(key) or 0)), *names)
             for key, names in nouns.items()]
    return "none" if not any(overrides.get(k) for k in nouns) else ", ".join(parts)


def _query_report(settings: Settings, as_json: bool) -> None:
    """Print the query log's most frequent and no-result queries (all replicas' with Redis)."""
    from relatedposts.logs.querylog import QueryReport, load_report, report_lines

    shared = shared_query_report(settings)
    rep = shared if isinstance(shared, QueryReport) else load_report(settings)
    if as_json:
        echo_json(asdict(rep), ensure_ascii=False)
    else:
        click.echo("\n".join(report_lines(rep)))


@click.command("evaluate-related")
@site_option
@click.option("--labels", type=click.Path(exists=True, path_type=Path),
              default=Path("corpus/related-labels.json"), show_default=True,
              help="{slug: [related, ...]} or graded {slug: {related: grade}} (e.g. "
                   "scripts/derive_related_labels.py's output).")
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--baselines", is_flag=True,
              help="Score every baseline too (mean vector, TF-IDF, BM25 title, random) with "
                   "nDCG@k, in-degree and intra-list similarity.")
@click.option("--seed", default=22, show_default=True, help="Seed of the random baseline.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def evaluate_related(ctx: click.Context, labels: Path, index_dir: Path | None, k: int,
                     baselines: bool, seed: int, as_json: bool) -> None:
    """Score related lists against labels (precision@k, recall@k, coverage) vs TF-IDF."""
    from relatedposts.indexing import index as idx
    from relatedposts.indexing.versions import current_version
    from relatedposts.quality.related_labels import load_graded

    settings = settings_from(ctx, index_dir=index_dir)
    data = idx.load(current_version(settings.index_dir))
    graded = load_graded(labels)
    if baselines:
        _print_methods(data, graded, k, seed, as_json)
        return
    from relatedposts.quality.related_report import score_lists, tfidf_lists, top_lists

    wanted = {a: [b for b, g in row.items() if g > 0] for a, row in graded.items()}
    rows = {"relatedposts": score_lists(data.articles, top_lists(data, k), wanted, k),
            "tfidf-baseline": score_lists(data.articles, tfidf_lists(data.articles, k),
                                          wanted, k)}
    if as_json:
        echo_json({name: asdict(q) for name, q in rows.items()})
        return
    for name, q in rows.items():
        click.echo(f"{name:15s} precision@{k} {q.precision:.3f}  recall@{k} {q.recall:.3f}  "
                   f"coverage {q.coverage:.3f}  ({q.articles} labelled articles)")


def _print_methods(data: IndexData, graded: dict[str, dict[str, int]], k: int, seed: int,
                   as_json: bool) -> None:
    """Print the index's lists and every baseline scored on the same labels."""
    from relatedposts.quality.related_eval import evaluate_methods

    rows = {name: q.as_row() for name, q in evaluate_methods(data, graded, k, seed).items()}
    if as_json:
        echo_json({"k": k, "articles": len(data.articles), "methods": rows})
        return
    click.echo(f"{'method':13s} nDCG@{k}  P@{k}   R@{k}   coverage reach  in-degree intra-sim")
    for name, r in rows.items():
        click.echo(f"{name:13s} {r['ndcg']:.3f}   {r['precision']:.3f}  {r['recall']:.3f}  "
                   f"{r['coverage']:.3f}    {r['reach']:.3f}  {r['max_in_degree']:9d} "
                   f"{r['intra_similarity']:.3f}")
    click.echo(f"({rows['relatedposts']['labelled']} labelled articles of {len(data.articles)})")


COMMANDS = [evaluate, report, evaluate_related]
