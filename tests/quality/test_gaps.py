"""Issue 16, fast (fake embedder): content gaps, link suggestions, clicks in report --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from relatedposts.cli import main
from relatedposts.config import Settings
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.keywords import Vocabulary
from relatedposts.indexing.versions import current_version
from relatedposts.ingest.crawl import scrape
from relatedposts.ingest.extract import extract
from relatedposts.live.service import Service
from relatedposts.models import Article, Section
from relatedposts.quality.clicks import click_report
from relatedposts.quality.gaps import clinical, find_gaps, unanswered
from relatedposts.quality.links import suggest_for_text, suggest_links
from relatedposts.search import Searcher
from relatedposts.web.app import create_app
from tests.support import ROOT, TINY

SPASMS = "https://clinic.example/blog/spasms/"
NECK = "https://clinic.example/blog/neck/"
SCIATICA = "https://clinic.example/blog/sciatica/"


def _data(settings: Settings) -> idx.IndexData:
    return idx.load(current_version(settings.index_dir))


def _served(settings: Settings) -> Settings:
    """The settings with search's minimum relevance as served (the fixture turns it off)."""
    return settings.replace(search_min_relevance=Settings().search_min_relevance)


def _searcher(settings: Settings) -> Searcher:
    return Searcher(_data(settings), FakeEmbedder(), settings, Vocabulary.load())


@pytest.fixture(scope="module")
def sample_blog(tmp_path_factory) -> Settings:
    """The sample blog (corpus/site) built with the fake embedder, relevance as served."""
    root = tmp_path_factory.mktemp("sample-blog")
    settings = _served(Settings(corpus_dir=root / "corpus", index_dir=root / "index",
                                embedder="fake", overrides_file=root / "overrides.json",
                                query_log=""))
    build_index(scrape([str(ROOT / "corpus" / "site")], settings).articles, FakeEmbedder(),
                settings)
    return settings


def test_a_gap_is_what_search_answers_with_no_article(sample_blog: Settings) -> None:
    service = Service(sample_blog, FakeEmbedder())  # the searcher as the service serves it
    service.reload()
    searcher = service.live.searcher
    asked = ["sciatia", "back", "migraine aura", "dentist"]
    # Search corrects the one and answers the other: neither is a gap, whatever the log said.
    assert searcher.search("sciatia").corrected_query == "sciatica"
    assert unanswered(asked, searcher) == [2, 3]
    assert searcher.search("migraine aura").weak  # the closest few, labelled weak: no answer
    entries = [{"query": q, "results": 0} for q in asked] + [
        {"query": "Dentist", "results": 5}, {"query": "[email] [phone]", "results": 0}]
    gaps = find_gaps(entries, searcher, sample_blog.replace(gap_cluster_distance=0.3))
    assert sorted((g.count, g.queries) for g in gaps) == [(1, ["migraine aura"]),
                                                           (2, ["dentist"])]
    assert all("sciatia" not in g.queries and "back" not in g.queries for g in gaps)


def test_gaps_need_a_query_that_is_unanswered(built: Settings) -> None:
    settings = _served(built)
    entries = [{"query": "zzqx vvkj", "results": 0}] * 3 + [
        {"query": "Sciatica and leg pain", "results": 0},  # logged as empty, answered now
        {"query": "[email] [phone]", "results": 0},  # nothing but scrubbed data: no topic
        {"query": "   ", "results": 0}]
    gaps = find_gaps(entries, _searcher(settings), settings)
    assert [(g.count, g.queries) for g in gaps] == [(3, ["zzqx vvkj"])]
    assert "3 searches about" in gaps[0].line()
    assert find_gaps([], _searcher(settings), settings) == []


def test_gaps_group_similar_searches_and_count_them(built: Settings) -> None:
    queries = ["tailbone hurts sitting", "tailbone hurts sitting down", "tailbone hurts sitting",
               "migraine aura eyes", "migraine aura eyes light"]
    entries = [{"query": q, "results": 0} for q in queries]
    settings = _served(built).replace(gap_cluster_distance=0.6)
    searcher = _searcher(settings)
    assert unanswered(list(dict.fromkeys(queries)), searcher) == [0, 1, 2, 3]
    gaps = find_gaps(entries, searcher, settings)
    assert sorted((g.count, g.label.split()[0]) for g in gaps) == [(2, "migraine"),
                                                                     (3, "tailbone")]
    tail = next(g for g in gaps if g.count == 3)
    assert tail.queries[0] == "tailbone hurts sitting"  # the most frequent example first


def test_clinical_terms_join_lay_and_clinical_words() -> None:
    vocab = Vocabulary.load()
    assert "coccyx" in clinical("broken tailbone", vocab)
    assert "coccyx" in clinical("sore coccyx", vocab)
    assert "fibromyalgia" not in clinical("pain when sitting", vocab)  # "pain all over"
    assert clinical("zzqx", vocab) == "zzqx"


def test_report_gaps_cli(built: Settings, monkeypatch) -> None:
    log = built.index_dir / "queries.jsonl"
    log.write_text("".join(json.dumps({"time": "2099-01-01T00:00:00Z", "query": "zzqx vvkj",
                                       "results": 0}) + "\n" for _ in range(4)))
    monkeypatch.setenv("RELATEDPOSTS_INDEX_DIR", str(built.index_dir))
    monkeypatch.setenv("RELATEDPOSTS_EMBEDDER", "fake")
    monkeypatch.setenv("RELATEDPOSTS_PRIVACY_MIN_VISITORS", "1")  # legacy rows: no visitor
    runner = CliRunner()
    out = runner.invoke(main, ["--fake-embedder", "report", "--gaps", "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["searches"] == 4 and body["gaps"][0]["count"] == 4
    text = runner.invoke(main, ["--fake-embedder", "report", "--gaps"])
    assert "4 searches about zzqx vvkj" in text.output
    monkeypatch.setenv("RELATEDPOSTS_QUERY_LOG", "")
    off = runner.invoke(main, ["--fake-embedder", "report", "--gaps"])
    assert off.exit_code == 1 and "QUERY_LOG" in off.output


def test_click_posted_shows_up_in_report_json(built: Settings, monkeypatch) -> None:
    app = create_app(built, embedder=FakeEmbedder())
    client = app.test_client()
    client.get("/api/related", query_string={"url": SPASMS, "limit": 3})
    related = client.get("/api/related", query_string={"url": SPASMS, "limit": 3}).get_json()
    second = related["results"][1]["url"]
    assert client.post("/api/events", json={"type": "click", "list": "related", "from": SPASMS,
                                             "to": second, "position": 2}).status_code == 204
    app.extensions["relatedposts"].events.flush()
    monkeypatch.setenv("RELATEDPOSTS_INDEX_DIR", str(built.index_dir))
    out = CliRunner().invoke(main, ["report", "--json"])
    assert out.exit_code == 0, out.output
    clicks = json.loads(out.output)["clicks"]
    assert clicks["clicks"] == 1
    pos = {r["key"]: r for r in clicks["by_position"]["related"]}
    assert pos["2"]["clicks"] == 1 and pos["2"]["impressions"] == 2 and pos["2"]["ctr"] == 0.5
    assert pos["1"]["clicks"] == 0 and pos["1"]["ctr"] == 0.0
    art = clicks["by_article"]["related"][0]
    assert art["key"] == second and art["clicks"] == 1 and art["impressions"] == 2


def test_click_report_ignores_malformed_lines() -> None:
    rep = click_report([{"type": "click", "list": "nope"}, {"type": "impressions",
                        "list": "search", "shown": "x", "positions": {"1": -3, "2": True}},
                        {"type": "click", "list": "search", "to": NECK, "position": 1}])
    assert rep.clicks == 1
    assert [(r.key, r.clicks, r.impressions, r.ctr) for r in rep.by_position["search"]] == [
        ("1", 1, 0, None)]


LINKING = Article(
    url="https://clinic.example/blog/desk/", title="Desk work and your back",
    sections=(Section("", "Long hours at a desk strain the back. Poor posture at the desk "
                          "often brings neck pain from a desk job that improves with breaks. "
                          "Some people also get sciatica and leg pain from sitting all day "
                          "long at work. Back spasms can follow a long day of strain at the "
                          "desk. " * 2),),
    date="2024-03-01", tags=("posture",), links=(SCIATICA,))


@pytest.fixture
def linked(settings: Settings) -> Settings:
    build_index([*TINY, LINKING], FakeEmbedder(), settings)
    return settings


def test_links_stand_in_their_sentence_and_respect_existing_links(linked: Settings) -> None:
    data = _data(linked)
    rows = suggest_links(data, FakeEmbedder(), linked.replace(links_per_article=2))
    assert rows
    per_source: dict[str, list[str]] = {}
    for r in rows:
        assert r.anchor in r.sentence and r.sentence in next(
            a.body for a in data.articles if a.url == r.source_url)
        assert r.target_url != r.source_url
        per_source.setdefault(r.source_url, []).append(r.target_url)
    assert all(len(t) <= 2 and len(set(t)) == len(t) for t in per_source.values())
    desk = [r for r in rows if r.source_url == LINKING.url]
    assert desk and SCIATICA not in {r.target_url for r in desk}  # already linked
    only = suggest_links(data, FakeEmbedder(), linked, LINKING.url)
    assert {r.source_url for r in only} == {LINKING.url}


def test_links_cli_json_rows(linked: Settings, monkeypatch) -> None:
    monkeypatch.setenv("RELATEDPOSTS_INDEX_DIR", str(linked.index_dir))
    out = CliRunner().invoke(main, ["--fake-embedder", "links", LINKING.url, "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert rows and set(rows[0]) == {"source_url", "sentence", "anchor", "target_url",
                                     "target_title", "score"}
    bad = CliRunner().invoke(main, ["--fake-embedder", "links", "https://nope.example/x/"])
    assert bad.exit_code == 1 and "no article" in bad.output


def test_draft_text_gets_link_suggestions(built: Settings) -> None:
    draft = Article(url="draft:", title="Draft", sections=LINKING.sections)
    rows = suggest_for_text(draft, _data(built), FakeEmbedder(), built)
    assert rows and all(r.anchor in r.sentence and r.source_url == "draft:" for r in rows)


def test_scraper_keeps_in_body_links_on_the_site_only() -> None:
    filler = "Spine care words fill this article body so it counts as a real article. " * 8
    html = (f"<html><head><title>A</title><link rel=canonical href='https://c.example/blog/a/'>"
            f"</head><body><nav><a href='/blog/menu/'>menu</a></nav><article><h1>A</h1>"
            f"<p>{filler} See <a href='/blog/sciatica/#why'>sciatica</a>, "
            f"<a href='https://www.c.example/blog/neck/'>neck</a>, "
            f"<a href='https://c.example/blog/neck/?utm=x#a'>neck2</a>, "
            f"<a href='https://evil.example/x'>out</a>, <a href='javascript:alert(1)'>js</a>, "
            f"<a href='mailto:a@b.example'>mail</a>, <a href='#top'>top</a>, "
            f"<a href='/blog/a/'>self</a>, <a href='/blog/sciatica/'>again</a>.</p>"
            f"</article></body></html>")
    article = extract(html, "https://c.example/blog/a/")
    # Only the page's own origin, as every stored URL (urls.safe_link): not www.c.example.
    assert article.links == ("https://c.example/blog/sciatica/",
                             "https://c.example/blog/neck/?utm=x")  # compared by url_key
    assert Article.from_dict(article.to_dict()).links == article.links
    assert "links" not in Article(url="u", title="t", sections=()).to_dict()


def test_paths_resolve_in_the_index_dir(tmp_path: Path) -> None:
    s = Settings(index_dir=tmp_path)
    assert s.data_file("queries.jsonl") == tmp_path / "queries.jsonl"
    assert s.data_file("/var/log/q.jsonl") == Path("/var/log/q.jsonl")
    assert s.data_file("") is None
