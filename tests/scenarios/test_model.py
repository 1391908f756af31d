"""End to end with the real all-MiniLM-L6-v2 model on the bundled sample blog."""

from __future__ import annotations

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import make_embedder
from relatedposts.ingest.crawl import scrape
from relatedposts.web.app import create_app
from tests.support import ROOT

pytestmark = pytest.mark.model
BASE = "https://www.summitspinecare.example/blog/"


@pytest.fixture(scope="module")
def real_client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real")
    settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "indexes")
    report = scrape([str(ROOT / "corpus/site")], settings)
    assert len(report.articles) >= 40
    embedder = make_embedder(settings)
    build_index(report.articles, embedder, settings)
    return create_app(settings, embedder=embedder).test_client()


def test_lay_query_finds_the_sciatica_article_first(real_client) -> None:
    body = real_client.get("/api/search?q=pinched nerve shooting pain down my leg").get_json()
    urls = [r["url"] for r in body["results"]]
    assert urls[0] == BASE + "conditions-that-can-cause-sciatica/"
    # The neck article names only another region: it sits below the general nerve article.
    neck = next(u for u in urls if "neck" in u)
    assert urls.index(neck) > urls.index(BASE + "numbness-and-tingling/")


def test_back_spasms_related_posts_are_five_others(real_client) -> None:
    url = BASE + "what-your-back-spasms-are-trying-to-tell-you/"
    body = real_client.get(f"/api/related?url={url}").get_json()
    urls = [r["url"] for r in body["results"]]
    assert len(urls) == 5 and url not in urls and len(set(urls)) == 5
    # Real neighbours, not the recent-posts fallback, each with a reason.
    assert not any(r["fallback"] for r in body["results"])
    assert all(r["score"] > 0 and r["reason"] for r in body["results"])


def test_the_readme_example_ranks_the_sciatica_article_first(real_client) -> None:
    body = real_client.get("/api/search?q=pinched nerve down my leg").get_json()
    assert body["results"][0]["url"] == BASE + "conditions-that-can-cause-sciatica/"
    # By a clear lead, not a rounding error: it led the numbness article by 0.825 to 0.820
    # before the vocabulary knew "pinched nerve in the leg" for sciatica (another CPU's
    # int8 kernels could have flipped that).
    first, second = body["results"][0]["score"], body["results"][1]["score"]
    assert first >= 1.15 * second
    assert "urgent" not in body and "match" not in body


def test_pain_between_the_shoulder_blades_finds_the_neck_articles_not_the_low_back(
        real_client) -> None:
    # The sample blog has no upper-back article; its neck and posture articles are the
    # answer (the SI-joint article, about the low back, came first before the region data).
    for q in ("pain between shoulder blades", "upper back pain from sitting at a desk"):
        urls = [r["url"] for r in real_client.get(f"/api/search?q={q}").get_json()["results"]]
        assert "neck" in urls[0], (q, urls[:3])
        assert "sacroiliac" not in " ".join(urls[:3]), (q, urls[:3])


def test_a_lay_word_for_the_buttock_finds_the_sciatica_article(real_client) -> None:
    # "butt" is no word of the blog: the vocabulary (piriformis, buttock) and the lumbar
    # level's symptom regions carry it to the article about leg and buttock nerve pain.
    body = real_client.get("/api/search?q=pain in my butt when sitting").get_json()
    assert body["total"] > 0 and body["results"][0]["url"] == BASE + \
        "conditions-that-can-cause-sciatica/"


def test_a_patient_s_typos_still_find_the_neck_articles(real_client) -> None:
    # "nek" is three letters (read only as a body word) and "sholder" one letter off; before,
    # the model read them as noise and "Who Benefits From Spinal Fusion?" came first.
    for q in ("nek pain", "pain in my nek and sholder"):
        body = real_client.get(f"/api/search?q={q}").get_json()
        assert body["total"] > 0 and "neck" in body["results"][0]["url"], (q, body["results"][:2])
        assert body["corrected_query"], q


def test_an_urgent_query_carries_the_notice_and_the_red_flag_article_first(real_client) -> None:
    body = real_client.get(
        "/api/search?q=I cannot feel my legs and lost bladder control").get_json()
    assert body["urgent"]["pattern"] and "911" in body["urgent"]["message"]
    assert body["results"][0]["title"].startswith("Back Pain Red Flags")


def test_total_counts_the_answering_articles_not_the_blog(real_client) -> None:
    articles = real_client.get("/api/index").get_json()
    everything = articles.get("articles", 45)
    for q in ("sciatia", "back"):
        assert real_client.get(f"/api/search?q={q}").get_json()["total"] < everything - 5
    fullwidth = real_client.get("/api/search?q=ｓｃｉａｔｉｃａ").get_json()
    assert fullwidth["results"][0]["url"] == BASE + "conditions-that-can-cause-sciatica/"
    nonsense = real_client.get("/api/search?q=qwzxv flarp").get_json()
    assert nonsense["total"] == 0 and nonsense["match"] == "weak"
