"""The editor's loop through the commands: listing pages are skipped, not failed, by `rebuild`;
a pin naming no article stops `build` and `rebuild` (exit 3) unless --force."""

from __future__ import annotations

import json

from relatedposts.ingest.store import write_record
from tests.localsite import Page, live, publish_tiny, run_cli, sitemap
from tests.support import TINY, URL

LISTING = (b'<!doctype html><html><head><title>Home</title><meta property="og:type" '
           b'content="website"></head><body><main><p>Welcome</p></main></body></html>')
TYPO = "https://clinic.example/blog/sciatia/"


def _pin_typo(settings) -> None:
    settings.overrides_file.write_text(json.dumps({"pin": {URL.format("neck"): [TYPO]}}))


def test_rebuild_counts_listing_pages_as_skipped_and_errors_as_failed(settings, site) -> None:
    paths = [u.removeprefix(site.base) for u in publish_tiny(site)]
    site.pages["/"] = Page(LISTING)
    site.pages["/sitemap.xml"] = Page(sitemap(site.base, [*paths, "/", "/blog/missing.html"]),
                                      content_type="application/xml")
    result = run_cli(settings, "rebuild", "--site", f"{site.base}/sitemap.xml")
    assert result.exit_code == 0, result.output
    assert ("7 pages fetched (new or changed), 0 unchanged, 1 failed, 0 removed, "
            "1 skipped (not articles)") in result.output
    assert f"  skipped {site.base}/: not an article (og:type=website)" in result.output
    assert f"  failed {site.base}/blog/missing.html: " in result.output


def test_a_pin_naming_no_article_stops_build_unless_forced(settings) -> None:
    settings = settings.replace(overrides_file=settings.corpus_dir.parent / "overrides.json")
    settings.corpus_dir.mkdir(parents=True)
    for article in TINY:
        write_record(settings.corpus_dir, article, article.url)
    _pin_typo(settings)
    env = {"RELATEDPOSTS_OVERRIDES_FILE": str(settings.overrides_file)}
    result = run_cli(settings, "build", **env)
    assert result.exit_code == 3
    assert f"pin for {URL.format('neck')}: {TYPO} is not in the index" in result.stderr
    assert "--force" in result.stderr and not (settings.index_dir / "CURRENT").exists()
    result = run_cli(settings, "build", "--force", **env)
    assert result.exit_code == 0, result.output
    assert live(settings).is_dir()


def test_a_pin_naming_no_article_stops_rebuild_unless_forced(settings, site) -> None:
    settings = settings.replace(overrides_file=settings.corpus_dir.parent / "overrides.json")
    settings.corpus_dir.parent.mkdir(parents=True, exist_ok=True)
    publish_tiny(site)
    _pin_typo(settings)
    env = {"RELATEDPOSTS_OVERRIDES_FILE": str(settings.overrides_file)}
    source = f"{site.base}/sitemap.xml"
    result = run_cli(settings, "rebuild", "--site", source, **env)
    assert result.exit_code == 3
    assert f"refused: overrides file: pin for {URL.format('neck')}: {TYPO} is not in the " \
           "index; correct the URL, or pass --force" in result.output
    assert run_cli(settings, "rebuild", "--site", source, "--force", **env).exit_code == 0
