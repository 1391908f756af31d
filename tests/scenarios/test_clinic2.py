"""The second sample site (corpus/clinic2, a layout the extractor never saw): every article
page becomes an article, short ones included; listing pages do not; titles are real titles."""

from __future__ import annotations

import json

from relatedposts.ingest.crawl import scrape
from tests.support import ROOT

SITE = ROOT / "corpus" / "clinic2"
MANIFEST = json.loads((SITE / "manifest.json").read_text("utf-8"))


def test_every_article_page_of_the_second_site_becomes_an_article(settings,
                                                                 site_server) -> None:
    base = site_server(SITE)
    report = scrape([f"{base}/sitemap.xml"], settings)
    got = {a.url.removeprefix(base): a for a in report.articles}
    expected = {a["path"]: a for a in MANIFEST["articles"]}
    assert sorted(got) == sorted(expected)
    assert {p: got[p].title for p in got} == {p: e["title"] for p, e in expected.items()}
    assert {p: got[p].date for p in got} == {p: e["date"] for p, e in expected.items()}
    skipped = {f.url.removeprefix(base) for f in report.failures}
    assert skipped == set(MANIFEST["not_articles"])
    # Short posts are kept and reported as thin, never dropped.
    short = {a["path"] for a in MANIFEST["articles"] if a["words"] < settings.thin_words}
    thin = {w.url.removeprefix(base) for w in report.warnings if w.reason.startswith("thin")}
    assert len(short) >= 15 and thin == short


def test_second_site_bodies_are_clean(settings) -> None:
    report = scrape([str(SITE)], settings)
    assert len(report.articles) == len(MANIFEST["articles"])
    by_title = {a.title: a for a in report.articles}
    knee = by_title["Kneecap Pain in Runners"]  # old table layout, bold-line headings
    assert [s.heading for s in knee.sections] == [
        "", "Why it happens", "What you can do", "Exercises we often start with"]
    assert "Wall sit | 3 x 30 s | Stop above the angle that hurts" in knee.body
    faq = by_title["What Happens at an X-Ray Visit"]  # definition list: questions head answers
    assert "How long does it take?" in [s.heading for s in faq.sections]
    for article in report.articles:
        assert "Related reading" not in article.body and "Posted " not in article.body
        assert "(555) 010-7788" not in article.body and "cookies" not in article.body
    tele = by_title["We Now Offer Telehealth Visits"]
    assert tele.body.startswith("We now offer telehealth visits")
    # Lists stay lists (issue 25): one item a line, the table beside them still joined rows.
    assert ("- Avoid steep downhill running until the pain settles.\n"
            "- Strengthen the hips and thighs three times a week.") in knee.body
    tips = by_title["How Heavy Should a School Backpack Be?"].sections[1]
    assert tips.heading == "Tips" and tips.text.startswith(
        "- Use both straps and tighten them so the pack sits high on the back.\n- Put the")


def test_titles_that_are_only_the_site_name_fall_back_with_a_warning(settings) -> None:
    report = scrape([str(SITE)], settings)
    titles = {a.title for a in report.articles}
    assert MANIFEST["site"] not in titles
    assert "The clinic is closed today because of the snowstorm" in titles  # first sentence
    assert "Start a Walking Program" in titles  # first heading
    reasons = [w.reason for w in report.warnings]
    assert any("took the first sentence" in r for r in reasons)
    assert any("took the first heading" in r for r in reasons)
    assert any("only the site's name" in r for r in reasons)


def test_thin_articles_are_warnings_in_scrape_and_report(settings) -> None:
    from tests.localsite import run_cli

    scraped = run_cli(settings, "scrape", str(SITE), "--quiet")
    assert scraped.exit_code == 0
    assert "warning " in scraped.output and "thin article" in scraped.output
    assert f"wrote {len(MANIFEST['articles'])} articles" in scraped.output
    assert run_cli(settings, "build").exit_code == 0
    report = run_cli(settings, "report", "--json")
    thin = json.loads(report.output)["thin"]
    short = [a for a in MANIFEST["articles"] if a["words"] < settings.thin_words]
    assert len(thin) == len(short)
    assert any("telehealth-visits" in t for t in thin)
    # The short posts the old scraper dropped are found by search and have related posts.
    found = json.loads(run_cli(settings, "search", "telehealth visits", "--json").output)
    tele = "https://www.lakeviewbackneck.example/articles/2025/01/telehealth-visits.html"
    assert found["results"][0]["url"] == tele
    related = run_cli(settings, "related", tele, "--json")
    assert related.exit_code == 0 and json.loads(related.output)["results"]
