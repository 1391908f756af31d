"""Commands that fill the corpus and the index: scrape, build, rebuild, rollback, import-dataset."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from pathlib import Path

import click

from relatedposts.cli.common import describe, echo_json, settings_from
from relatedposts.cli.sites_cmds import announce_if_shared, site_option, site_or_sources
from relatedposts.errors import RelatedPostsError


@click.command()
@click.argument("sources", nargs=-1)
@site_option
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path),
              help="Where to write article records (default corpus/articles).")
@click.option("--prune", is_flag=True, help="Delete records of pages no longer listed.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def scrape(ctx: click.Context, sources: tuple[str, ...], corpus_dir: Path | None, prune: bool,
           as_json: bool, quiet: bool) -> None:
    """Scrape SOURCES (sitemap, page URL, HTML dir, URL list or wp+SITE_URL) into records."""
    from tqdm import tqdm

    from relatedposts.ingest.crawl import scrape as run_scrape

    settings = settings_from(ctx, corpus_dir=corpus_dir)
    sources = sources or (settings.site if settings.site_name else ())  # --site: its source
    if not sources:
        raise click.UsageError("Missing argument 'SOURCES...' (or --site NAME).")
    t0 = time.perf_counter()
    with tqdm(desc="scraping", unit="page", leave=False, disable=True if quiet else None) as bar:
        report = run_scrape(sources, settings, prune=prune, progress=bar)
    seconds = time.perf_counter() - t0
    if as_json:
        echo_json({"articles": len(report.articles), "unchanged": report.unchanged,
                   "removed": report.removed, "seconds": round(seconds, 2),
                   "skipped": [asdict(f) for f in report.failures],
                   "warnings": [asdict(f) for f in report.warnings],
                   "duplicates": [asdict(f) for f in report.duplicates]})
    else:
        for label, rows in (("skipped", report.failures), ("warning", report.warnings),
                            ("folded", report.duplicates)):
            for f in rows:
                click.echo(f"{label} {f.url}: {f.reason}")
        if report.prune_skipped:
            click.echo(f"not pruning: {report.prune_skipped}")
        click.echo(f"wrote {len(report.articles)} articles to {settings.corpus_dir} "
                   f"({report.unchanged} unchanged, {len(report.failures)} skipped, "
                   f"{len(report.warnings)} warnings, {report.removed} removed) in "
                   f"{seconds:.1f}s")
    if not report.articles and not report.unchanged:
        sys.exit(2)


@click.command()
@site_option
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path))
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Go live despite a large drop in articles or "
              "pins in the overrides file that name no article.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the outcome as JSON (for scripts; implies --quiet).")
@click.option("--ray", "ray_address", metavar="local|ADDRESS",
              help="Embed on a Ray cluster (pip install 'relatedposts[ray]').")
@click.pass_context
def build(ctx: click.Context, corpus_dir: Path | None, index_dir: Path | None, force: bool,
          quiet: bool, as_json: bool, ray_address: str | None) -> None:
    """Build a new index version from the corpus, verify it and make it live (3: refused)."""
    from relatedposts.indexing.build import build_index, refuse_unknown_pins
    from relatedposts.indexing.embedders import make_embedder
    from relatedposts.indexing.raybuild import ray_embedder
    from relatedposts.ingest.store import read_corpus

    settings = settings_from(ctx, corpus_dir=corpus_dir, index_dir=index_dir)
    t0 = time.perf_counter()
    articles = read_corpus(settings.corpus_dir)
    if not force:
        refuse_unknown_pins(articles, settings)
    embedder = (make_embedder(settings, build=True) if ray_address is None
                else ray_embedder(settings, ray_address))
    result = build_index(articles, embedder, settings, force=force,
                         progress=not (quiet or as_json))
    announce_if_shared(settings)  # replicas swap now, not at their next CURRENT check
    total = time.perf_counter() - t0
    m = result.manifest
    if as_json:
        echo_json({"version": m.version, "version_dir": str(result.version_dir),
                   "articles": m.articles, "chunks": m.chunks, "model": m.model, "dim": m.dim,
                   "seconds": {k: round(v, 3) for k, v in result.seconds.items()},
                   "total_seconds": round(total, 3), "embedded": result.embedded,
                   "reused": result.reused})
        return
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    click.echo(f"built {m.version}: {m.articles} articles, {m.chunks} chunks, model {m.model} "
               f"(dim {m.dim}) in {total:.1f}s ({stages})")
    click.echo(f"{result.embedded} chunks embedded, {result.reused} reused from the cache")
    click.echo(f"live index: {result.version_dir}")


@click.command("rebuild")
@click.option("--site", "sites", multiple=True,
              help="Source to scrape (repeatable; default: the RELATEDPOSTS_SITE setting), or "
                   "with RELATEDPOSTS_SITES_FILE the NAME of the site to rebuild.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True,
              help="Go live even if more than max_article_drop of the articles disappeared, "
                   "or a pin in the overrides file names no article.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.option("--status-file", type=click.Path(path_type=Path),
              help="Also write the stage, progress and result as JSON to this file (the "
                   "console's rebuild page reads INDEX_DIR/rebuild-status.json).")
@click.option("--lock-fd", type=int, hidden=True,
              help="The build lock, already taken by the console that started this rebuild.")
@click.pass_context
def rebuild(ctx: click.Context, sites: tuple[str, ...], index_dir: Path | None,
            corpus_dir: Path | None, force: bool, quiet: bool, status_file: Path | None,
            lock_fd: int | None) -> None:
    """Scrape the site, build and verify a new index, make it live, reload the service."""
    from contextlib import nullcontext

    from relatedposts.indexing.buildlock import adopt_lock
    from relatedposts.indexing.rebuild import log_to_file, run_rebuild

    ctx.obj, sites = site_or_sources(ctx.obj, sites)
    settings = settings_from(ctx, index_dir=index_dir, corpus_dir=corpus_dir,
                             site=sites or None)
    held = adopt_lock(settings.index_dir, lock_fd) if lock_fd is not None else nullcontext()
    with log_to_file(settings.log_file, describe(ctx)), held:
        code = run_rebuild(settings, force, quiet, status_file)
    ctx.exit(code)


@click.command("rollback")
@site_option
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.pass_context
def rollback(ctx: click.Context, index_dir: Path | None) -> None:
    """Make the previously live index version live again (refuses if there is none)."""
    from relatedposts.indexing import rebuild as rb

    settings = settings_from(ctx, index_dir=index_dir)
    with rb.log_to_file(settings.log_file, describe(ctx)):
        try:
            old, new = rb.rollback(settings)
        except RelatedPostsError as exc:
            rb.say(f"error: {exc.message}", err=True)
            ctx.exit(rb.EXIT_ERROR)
        rb.say(f"rolled back: {new} is live again (was {old})")
        code = rb.reload_services(settings, {})
    ctx.exit(code)


@click.command("import-dataset")
@click.argument("articles_jsonl", type=click.Path(exists=True, path_type=Path))
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), required=True)
def import_dataset(articles_jsonl: Path, corpus_dir: Path) -> None:
    """Turn a dataset's articles.jsonl into corpus records (for `build` and `evaluate`)."""
    from relatedposts.ingest.store import write_record
    from relatedposts.quality.evaluate import import_jsonl

    corpus_dir.mkdir(parents=True, exist_ok=True)
    articles = import_jsonl(articles_jsonl)
    for a in articles:
        write_record(corpus_dir, a, a.url)
    click.echo(f"wrote {len(articles)} articles to {corpus_dir}")


@click.command("ingest")
@click.argument("url")
@site_option
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path))
@click.option("--remove", is_flag=True, help="Unpublish: take the article out of every list.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def ingest(ctx: click.Context, url: str, index_dir: Path | None, corpus_dir: Path | None,
           remove: bool, as_json: bool) -> None:
    """Publish one URL of the site now (fetch, embed, update the lists it touches, go live)."""
    from relatedposts.indexing.embedders import make_embedder
    from relatedposts.indexing.ingest_one import publish_url
    from relatedposts.indexing.rebuild import reload_services

    settings = settings_from(ctx, index_dir=index_dir, corpus_dir=corpus_dir)
    t0 = time.perf_counter()
    result = publish_url(url, settings, make_embedder(settings, build=True), remove)
    total = round(time.perf_counter() - t0, 3)
    if as_json:
        echo_json(result.to_dict() | {"total_seconds": total})
    elif result.published:
        click.echo(f"{'removed' if remove else 'published'} {url}: version {result.version} is "
                   f"live, {len(result.changed)} lists changed, in {total:.2f}s")
    else:
        click.echo(f"nothing to change for {url}: version {result.version} stays live")
    # Services watch CURRENT anyway; a reload URL or Redis makes them switch at once.
    if result.published and (settings.reload_url or settings.redis_url):
        ctx.exit(reload_services(settings, {}))


@click.command("export")
@click.option("--static", "dest", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Folder to write <article path>/related.html and .json into.")
@site_option
@click.option("--index", "index_dir", type=click.Path(path_type=Path))
@click.option("--limit", type=click.IntRange(1, 50), default=None,
              help="Posts per block (default: the related_limit setting).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def export(ctx: click.Context, dest: Path, index_dir: Path | None, limit: int | None,
           as_json: bool) -> None:
    """Write every article's related block (HTML and JSON) for a static site; incremental."""
    from relatedposts.indexing import index as idx
    from relatedposts.indexing.export import export_static
    from relatedposts.indexing.versions import VersionStore

    settings = settings_from(ctx, index_dir=index_dir)
    data = idx.load(VersionStore(settings.index_dir).current())
    report = export_static(data, dest, limit or settings.related_limit)
    if as_json:
        echo_json(asdict(report))
        return
    for line in report.skipped:
        click.echo(f"skipped {line}")
    click.echo(f"exported {len(data.articles)} articles from {data.manifest.version} to {dest}: "
               f"{len(report.written)} files written, {report.unchanged} unchanged, "
               f"{len(report.removed)} removed")


COMMANDS = [scrape, build, rebuild, rollback, import_dataset, ingest, export]
