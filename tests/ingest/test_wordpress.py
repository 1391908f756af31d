"""The WordPress REST API as a source, against a fake API on loopback that pages forever,
floods, lies about its pages, breaks its JSON and links to other sites."""

from __future__ import annotations

import dataclasses
import json

import pytest

from relatedposts.ingest.crawl import scrape
from relatedposts.ingest.fetch import Fetcher
from relatedposts.ingest.wordpress import parse_posts, plain_text, post_article, site_of
from tests.localsite import Page
from tests.support import Cli
from tests.wpapi import FakeAPI, post


@pytest.fixture
def api(site) -> FakeAPI:
    """A fake API of 7 posts installed on the local site."""
    fake = FakeAPI([post(site.base, n) for n in range(1, 8)])
    fake.install(site)
    return fake


def _run(settings, site, **caps):
    return scrape([f"wp+{site.base}/"], dataclasses.replace(settings, **caps))


def _records(settings) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(settings.corpus_dir.glob("*.json"))]


def test_every_post_is_read_across_pages_with_terms_image_and_date(settings, site, api) -> None:
    api.posts[2] = post(site.base, 3, categories=("Neck &amp; back", "Posture"),
                        tags=("desk", "neck pain"), image=None)
    report = _run(settings, site, wordpress_per_page=3)
    assert report.failures == [] and len(report.articles) == 7
    assert [q["page"] for q in api.requests] == [["1"], ["2"], ["3"]]
    assert all(q["_embed"] == ["1"] and q["per_page"] == ["3"] for q in api.requests)
    by_url = {a.url: a for a in report.articles}
    first = by_url[f"{site.base}/post-1/"]
    assert (first.title, first.category, first.tags) == ("Post number 1", "Back pain",
                                                         ("sciatica",))
    assert first.image == f"{site.base}/wp-content/uploads/p1.jpg"
    assert first.date == "2024-03-02" and "Post 1." in first.body
    third = by_url[f"{site.base}/post-3/"]
    assert (third.category, third.tags, third.image) == ("Neck & back", ("desk", "neck pain"),
                                                         None)
    assert len(_records(settings)) == 7
    again = _run(settings, site, wordpress_per_page=3)
    assert (again.articles, again.unchanged) == ([], 7)  # nothing rewritten


def test_plain_permalink_sites_are_read_through_rest_route(settings, site, api) -> None:
    api.pretty = False
    report = _run(settings, site, wordpress_per_page=5)
    assert len(report.articles) == 7 and report.failures == []
    assert [q["rest_route"] for q in api.requests] == [["/wp/v2/posts"]] * 2
    assert site.paths()[1].startswith("/wp-json/")  # tried once (after robots.txt), not again


def test_a_total_pages_header_in_the_millions_stops_at_max_pages(settings, site, api) -> None:
    api.endless, api.total_pages = True, "1000000"
    report = _run(settings, site, wordpress_per_page=2, wordpress_max_pages=4)
    assert len(api.requests) == 4 and len(report.articles) == 8
    assert [f.reason for f in report.failures] == [
        "WordPress API read incomplete: stopped at wordpress_max_pages=4: the API still had "
        "pages; posts beyond them were not read"]
    assert report.failures[0].url == f"wp+{site.base}/"


def test_an_api_with_always_a_next_page_and_no_header_is_capped(settings, site, api) -> None:
    api.endless = True
    report = _run(settings, site, wordpress_per_page=5, wordpress_max_pages=3)
    assert len(api.requests) == 3 and len(report.articles) == 15
    assert "wordpress_max_pages=3" in report.failures[0].reason


def test_a_page_repeating_the_same_posts_ends_the_read(settings, site, api) -> None:
    same = json.dumps(api.posts[:2]).encode()
    api.raw = {n: same for n in range(1, 50)}  # no header, the same two posts every time
    report = _run(settings, site, wordpress_per_page=2)
    assert len(api.requests) == 2 and len(report.articles) == 2 and report.failures == []


def test_ten_thousand_posts_on_one_page_stop_at_max_posts(settings, site, api) -> None:
    api.posts = [post(site.base, n, text="Short back pain note.") for n in range(10_000)]
    api.per_page_cap = 10_000  # a server ignoring WordPress's own limit of 100
    report = _run(settings, site, wordpress_per_page=100, wordpress_max_posts=40)
    assert len(api.requests) == 1 and len(report.articles) == 40
    assert report.failures[-1].reason == (
        "WordPress API read incomplete: stopped at wordpress_max_posts=40 (on API page 1); "
        "the rest were not read")


def test_html_and_script_in_titles_become_plain_text(settings, site, api) -> None:
    api.posts = [post(site.base, 1, title="<script>alert(1)</script><b>Back</b> pain &amp; "
                                          "sciatica &#8211; a guide"),
                 post(site.base, 2, title="&lt;img src=x onerror=alert(2)&gt;Neck pain"),
                 post(site.base, 3, text="<script>steal()</script>Desk posture matters a lot.")]
    titles = sorted(a.title for a in _run(settings, site).articles)
    assert titles == ["Back pain & sciatica – a guide", "Neck pain", "Post number 3"]
    third = next(r for r in _records(settings) if r["title"] == "Post number 3")
    assert "steal" not in json.dumps(third) and "<" not in json.dumps(third["sections"])


def test_malformed_json_on_the_first_page_is_a_clear_failure(settings, site, api) -> None:
    api.raw = {1: b'[{"id": 1, "link": '}
    report = _run(settings, site)
    assert report.articles == [] and len(report.failures) == 1
    assert report.failures[0].reason.startswith(
        "WordPress API read incomplete: API page 1: malformed JSON (JSONDecodeError")


def test_malformed_json_later_keeps_earlier_posts_and_prunes_nothing(settings, site,
                                                                     api) -> None:
    _run(settings, site, wordpress_per_page=3)
    api.raw = {2: b"<html>Fatal error</html>"}
    report = scrape([f"wp+{site.base}/"], dataclasses.replace(settings, wordpress_per_page=3),
                    prune=True)
    assert report.unchanged == 3 and "API page 2: malformed JSON" in report.failures[0].reason
    assert report.removed == 0 and len(_records(settings)) == 7
    assert report.prune_skipped.startswith("a source could not be read")


def test_an_error_object_instead_of_posts_is_reported(settings, site, api) -> None:
    api.raw = {1: b'{"code": "rest_disabled", "message": "REST API disabled"}'}
    report = _run(settings, site)
    assert "expected a JSON list of posts, got dict" in report.failures[0].reason


def test_a_post_linking_to_another_origin_is_refused(settings, site, api) -> None:
    api.posts[0] = post(site.base, 1, link="https://evil.example/post-1/")
    api.posts[1] = post(site.base, 2, image="https://cdn.evil.example/x.jpg")
    report = _run(settings, site)
    assert len(report.articles) == 6
    assert [(f.url, f.reason) for f in report.failures] == [
        ("https://evil.example/post-1/", "refused: evil.example is not the site's own origin")]
    assert not any("evil" in a.url for a in report.articles)
    assert next(a for a in report.articles if a.url.endswith("/post-2/")).image is None


def test_junk_posts_fail_alone(settings, site, api) -> None:
    api.posts[:2] = [{"id": 1, "title": "no link"}, "not even an object"]
    report = _run(settings, site)
    assert len(report.articles) == 5
    assert all("malformed post" in f.reason or "not a post" in f.reason
               for f in report.failures) and len(report.failures) == 2


def test_html_where_the_api_should_be_is_not_json(settings, site) -> None:
    site.answer = lambda path, headers, earlier: Page(b"<html><body>Welcome</body></html>")
    report = _run(settings, site)
    assert report.articles == [] and [f.reason for f in report.failures] == [
        "WordPress API read incomplete: API page 1: not application/json (text/html)"]
    assert sum("rest_route" in p for p in site.paths()) == 1  # both styles tried, once each


def test_a_site_without_the_api_is_a_404_failure(settings, site) -> None:
    report = _run(settings, site)
    assert report.articles == [] and "API page 1: HTTP 404" in report.failures[0].reason


def test_the_cli_prints_the_cap_line(settings, site, api) -> None:
    api.endless = True
    result = Cli(settings)("scrape", "--quiet", f"wp+{site.base}/",
                           RELATEDPOSTS_WORDPRESS_MAX_PAGES="2",
                           RELATEDPOSTS_WORDPRESS_PER_PAGE="3")
    assert f"skipped wp+{site.base}/: WordPress API read incomplete: stopped at " \
           "wordpress_max_pages=2" in result.output
    assert "wrote 6 articles" in result.output


def test_units(settings, site) -> None:
    assert site_of("wp+https://blog.example") == "https://blog.example/"
    assert plain_text("A &amp;amp; B") == "A &amp; B"  # decoded once, never twice
    assert plain_text("<style>p{}</style>Pain &lt; 3 days") == "Pain < 3 days"
    with pytest.raises(ValueError, match="malformed JSON"):
        parse_posts(b"\xff\xfe")
    with pytest.raises(ValueError, match="not a post"):
        post_article({"id": 1}, Fetcher(settings, [site.base]))
