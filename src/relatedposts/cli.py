"""The relatedposts command line: scrape, build, serve, search, related."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import click

from relatedposts.config import Settings
from relatedposts.errors import RelatedPostsError


class _Group(click.Group):
    """A click group that turns our errors into a one-line message and exit status 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except RelatedPostsError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(getattr(exc, "exit_code", 1))  # 3: verification gate refused


def _settings(ctx: click.Context, **overrides) -> Settings:
    base: Settings = ctx.obj
    return base.replace(**{k: v for k, v in overrides.items() if v is not None})


@click.group(cls=_Group)
@click.option("--fake-embedder", is_flag=True, hidden=True,
              help="Use the deterministic fake embedder (tests only).")
@click.pass_context
def main(ctx: click.Context, fake_embedder: bool) -> None:
    """Semantic search and 'You Might Also Enjoy' lists for a clinic blog."""
    settings = Settings.from_env()
    ctx.obj = settings.replace(embedder="fake") if fake_embedder else settings


@main.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path),
              help="Where to write article records (default corpus/articles).")
@click.option("--prune", is_flag=True, help="Delete records of pages no longer listed.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def scrape(ctx: click.Context, sources: tuple[str, ...], corpus_dir: Path | None, prune: bool,
           as_json: bool, quiet: bool) -> None:
    """Scrape SOURCES (sitemap URL, page URL, HTML directory or URL list) into article records."""
    from tqdm import tqdm

    from relatedposts.ingest.crawl import scrape as run_scrape

    settings = _settings(ctx, corpus_dir=corpus_dir)
    t0 = time.perf_counter()
    with tqdm(desc="scraping", unit="page", leave=False, disable=True if quiet else None) as bar:
        report = run_scrape(sources, settings, prune=prune, progress=bar)
    seconds = time.perf_counter() - t0
    if as_json:
        click.echo(json.dumps({"articles": len(report.articles), "unchanged": report.unchanged,
                               "removed": report.removed, "seconds": round(seconds, 2),
                               "skipped": [asdict(f) for f in report.failures]}, indent=2))
    else:
        for f in report.failures:
            click.echo(f"skipped {f.url}: {f.reason}")
        if report.prune_skipped:
            click.echo(f"not pruning: {report.prune_skipped}")
        click.echo(f"wrote {len(report.articles)} articles to {settings.corpus_dir} "
                   f"({report.unchanged} unchanged, {len(report.failures)} skipped, "
                   f"{report.removed} removed) in {seconds:.1f}s")
    if not report.articles and not report.unchanged:
        sys.exit(2)


@main.command()
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path))
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Go live despite a large drop in articles.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def build(ctx: click.Context, corpus_dir: Path | None, index_dir: Path | None, force: bool,
          quiet: bool) -> None:
    """Build a new index version from the corpus, verify it and make it live (3: refused)."""
    from relatedposts.indexing.build import build_index
    from relatedposts.indexing.embedders import make_embedder
    from relatedposts.ingest.crawl import read_corpus

    settings = _settings(ctx, corpus_dir=corpus_dir, index_dir=index_dir)
    t0 = time.perf_counter()
    articles = read_corpus(settings.corpus_dir)
    result = build_index(articles, make_embedder(settings), settings, force=force,
                         progress=not quiet)
    m = result.manifest
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    click.echo(f"built {m.version}: {m.articles} articles, {m.chunks} chunks, model {m.model} "
               f"(dim {m.dim}) in {time.perf_counter() - t0:.1f}s ({stages})")
    click.echo(f"{result.embedded} chunks embedded, {result.reused} reused from the cache")
    click.echo(f"live index: {result.version_dir}")


@main.command()
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes; each loads the model and the index once.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256),
              help="Threads per worker (gthread).")
@click.option("--debug", is_flag=True,
              help="Flask's development server with reloading instead of gunicorn.")
@click.pass_context
def serve(ctx: click.Context, index_dir: Path | None, host: str, port: int, workers: int,
          threads: int, debug: bool) -> None:
    """Serve the JSON API, widget and search page (gunicorn; --debug for Flask's server)."""
    from relatedposts.indexing.embedders import require_model

    settings = _settings(ctx, index_dir=index_dir)
    require_model(settings)  # fail here, in one line, rather than in every worker
    click.echo(f"serving on http://{host}:{port}/  (index: {settings.index_dir})")
    if debug:
        from relatedposts.serving.app import create_app

        create_app(settings).run(host=host, port=port, debug=True, threaded=True)
        return
    from relatedposts.serving.server import run

    run(settings, host, port, workers, threads)


@main.command()
@click.argument("text")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def search(ctx: click.Context, text: str, limit: int, index_dir: Path | None,
           as_json: bool) -> None:
    """Search the index as a patient would."""
    service = _service(_settings(ctx, index_dir=index_dir))
    page = service.search(text, limit)
    if as_json:
        click.echo(json.dumps({"query": page.query, "total": page.total,
                               "results": [asdict(h) for h in page.results]}, indent=2))
        return
    if page.corrected_query:
        click.echo(f"(searching for: {page.corrected_query})")
    for rank, hit in enumerate(page.results, 1):
        click.echo(f"{rank}. {hit.title}  [{hit.score:.3f}]\n   {hit.url}")
    if not page.results:
        click.echo("no results")


@main.command()
@click.argument("url")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def related(ctx: click.Context, url: str, limit: int, index_dir: Path | None,
            as_json: bool) -> None:
    """Show the 'You Might Also Enjoy' list for an article URL."""
    service = _service(_settings(ctx, index_dir=index_dir))
    article, posts = service.related(url, limit)
    if as_json:
        click.echo(json.dumps({"article": {"url": article.url, "title": article.title},
                               "results": [asdict(p) for p in posts]}, indent=2))
        return
    click.echo(f"You Might Also Enjoy... (for: {article.title})")
    for rank, p in enumerate(posts, 1):
        mark = " (fallback)" if p.fallback else ""
        click.echo(f"{rank}. {p.title}  [{p.score:.3f}]{mark}\n   {p.url}")


def _service(settings: Settings):
    from relatedposts.indexing.embedders import require_model
    from relatedposts.serving.service import Service

    require_model(settings)  # a missing model is named as such, not as an index mismatch
    service = Service(settings)
    service.reload()
    return service


from relatedposts.indexing.rebuild import rebuild_command, rollback_command  # noqa: E402

main.add_command(rebuild_command)  # scrape, build, verify, switch, reload (exit 0-4)
main.add_command(rollback_command)


@main.command("import-dataset")
@click.argument("articles_jsonl", type=click.Path(exists=True, path_type=Path))
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), required=True)
def import_dataset(articles_jsonl: Path, corpus_dir: Path) -> None:
    """Turn a dataset's articles.jsonl into corpus records (for `build` and `evaluate`)."""
    from relatedposts.ingest.crawl import write_record
    from relatedposts.quality.evaluate import import_jsonl

    corpus_dir.mkdir(parents=True, exist_ok=True)
    articles = import_jsonl(articles_jsonl)
    for a in articles:
        write_record(corpus_dir, a, a.url)
    click.echo(f"wrote {len(articles)} articles to {corpus_dir}")


@main.command()
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

    service = _service(_settings(ctx, index_dir=index_dir, fusion=fusion))
    qs, judged = load_queries(queries), load_qrels(qrels)
    if ablation:  # one row per signal switched off (issue 15)
        from relatedposts.cli_ranking import print_ablation

        return print_ablation(service, qs, judged, as_json)
    metrics = run_eval(lambda q: [h.url for h in service.search(q[:1000], 10).results],
                       qs, judged)
    row = metrics.as_row()
    if as_json:
        click.echo(json.dumps(row))
        return
    click.echo(f"queries {row['queries']}  nDCG@10 {row['ndcg@10']:.4f}  "
               f"Recall@10 {row['recall@10']:.4f}  MRR@10 {row['mrr@10']:.4f}  "
               f"p50 {row['p50_ms']:.1f} ms")


@main.command()
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True)
@click.option("--queries", is_flag=True, help="Report the query log (RELATEDPOSTS_QUERY_LOG).")
@click.pass_context
def report(ctx: click.Context, index_dir: Path | None, limit: int, as_json: bool,
           queries: bool) -> None:
    """List orphans, over-recommended posts, duplicates, overrides, changed lists (or --queries)."""
    from relatedposts.quality.related_report import build_report

    settings = _settings(ctx, index_dir=index_dir)
    if queries:  # the most frequent searches and those that found nothing
        from relatedposts.serving.querylog import print_report

        return print_report(settings.query_log, as_json)
    rep = build_report(settings.index_dir, limit)
    if as_json:
        click.echo(json.dumps(asdict(rep), indent=2))
        return
    click.echo(f"index {rep.version} (previous: {rep.previous or 'none'})")
    sections = [
        ("orphans (recommended nowhere)", rep.orphans),
        ("recommended from too many places", [f"{u} ({c} lists)" for u, c in
                                              rep.over_recommended]),
        ("near-duplicates (never shown together)", [" = ".join(g) for g in rep.duplicates]),
        ("override warnings", list(rep.overrides.get("warnings", []))),
        (f"lists changed since {rep.previous}", rep.changed if rep.previous else []),
    ]
    counts = {k: v for k, v in rep.overrides.items() if k != "warnings"}
    click.echo(f"overrides applied: {counts or 'none'}")
    for title, items in sections:
        click.echo(f"{title}: {len(items)}")
        for item in items:
            click.echo(f"  {item}")


@main.command("evaluate-related")
@click.option("--labels", type=click.Path(exists=True, path_type=Path),
              default=Path("corpus/related-labels.json"), show_default=True)
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def evaluate_related(ctx: click.Context, labels: Path, index_dir: Path | None, k: int,
                     as_json: bool) -> None:
    """Score related lists against hand labels (precision@k, recall@k, coverage) vs TF-IDF."""
    from relatedposts.indexing import index as idx
    from relatedposts.quality.related_report import load_labels, score_lists, tfidf_lists, top_lists

    settings = _settings(ctx, index_dir=index_dir)
    data = idx.load(idx.current_version(settings.index_dir))
    wanted = load_labels(labels)
    rows = {"relatedposts": score_lists(data.articles, top_lists(data, k), wanted, k),
            "tfidf-baseline": score_lists(data.articles, tfidf_lists(data.articles, k),
                                          wanted, k)}
    if as_json:
        click.echo(json.dumps({name: asdict(q) for name, q in rows.items()}, indent=2))
        return
    for name, q in rows.items():
        click.echo(f"{name:15s} precision@{k} {q.precision:.3f}  recall@{k} {q.recall:.3f}  "
                   f"coverage {q.coverage:.3f}  ({q.articles} labelled articles)")
