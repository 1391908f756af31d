"""Every API route and error case, against a tiny index built with the fake embedder."""

from __future__ import annotations

import json

import numpy as np
import pytest

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.verify import related_problems
from relatedposts.models import related_to_dict
from relatedposts.web.app import create_app, get_service
from tests.support import SCIATICA, TINY, URL, json_error


def test_search_returns_articles_once_best_first(client) -> None:
    resp = client.get("/api/search?q=sciatic nerve leg pain&limit=5")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["query"] == "sciatic nerve leg pain"
    results = body["results"]
    assert results[0]["url"] == SCIATICA
    assert len({r["url"] for r in results}) == len(results) <= 5
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert set(results[0]) >= {"url", "title", "summary", "snippet", "score"}
    assert "<mark>" in results[0]["snippet"]


def test_search_accepts_a_long_patient_message(client) -> None:
    q = ("I have had a pinched nerve feeling and leg pain for weeks " * 20)[:1000]
    assert client.get("/api/search", query_string={"q": q}).status_code == 200


@pytest.mark.parametrize("query, message", [
    ("", "required"), ("q=", "required"), ("q=%20%20", "required"),
    ("q=" + "a" * 1001, "too long"),
    ("q=back&limit=0", "limit"), ("q=back&limit=51", "limit"), ("q=back&limit=x", "limit"),
    ("q=back&limit=-3", "limit"), ("q=back&offset=-1", "offset"), ("q=back&from=yesterday", "from"),
])
def test_search_bad_parameters_are_400(client, query: str, message: str) -> None:
    assert message in json_error(client.get(f"/api/search?{query}"), 400)


def test_search_paging_and_total(client) -> None:
    first = client.get("/api/search?q=pain&limit=2").get_json()
    second = client.get("/api/search?q=pain&limit=2&offset=2").get_json()
    assert first["total"] == second["total"] >= 4
    assert not {r["url"] for r in first["results"]} & {r["url"] for r in second["results"]}


def test_search_filters_by_tag_and_date(client) -> None:
    body = client.get("/api/search?q=pain&tag=leg pain").get_json()
    assert {r["url"] for r in body["results"]} <= {SCIATICA,
                                                   "https://clinic.example/blog/stenosis/"}
    body = client.get("/api/search?q=pain&from=2024-01-01&to=2024-12-31").get_json()
    assert body["results"] and all("2024" in r["date"] for r in body["results"])


def test_related_excludes_self_and_never_repeats(client) -> None:
    body = client.get(f"/api/related?url={SCIATICA}").get_json()
    assert body["article"] == {"url": SCIATICA, "title": "Sciatica and leg pain"}
    urls = [r["url"] for r in body["results"]]
    assert len(urls) == 5 and SCIATICA not in urls and len(set(urls)) == 5
    assert set(body["results"][0]) >= {"url", "title", "summary", "image", "date", "score"}


def test_related_limit_and_tolerant_url(client) -> None:
    body = client.get("/api/related?url=http://www.clinic.example/blog/sciatica?utm=x"
                      "&limit=2").get_json()
    assert body["article"]["url"] == SCIATICA and len(body["results"]) == 2


@pytest.mark.parametrize("query, status, message", [
    ("", 400, "url"), ("url=https://clinic.example/nope/", 404, "no article"),
    (f"url={SCIATICA}&limit=0", 400, "limit"), (f"url={SCIATICA}&limit=abc", 400, "limit"),
])
def test_related_errors(client, query: str, status: int, message: str) -> None:
    assert message in json_error(client.get(f"/api/related?{query}"), status)


def test_healthz_and_manifest(client) -> None:
    assert client.get("/healthz").get_json()["status"] == "ok"
    manifest = client.get("/api/index").get_json()
    assert manifest["articles"] == 7 and manifest["model"] == "fake-hash-64"
    assert {"dim", "chunks", "built_at", "corpus_hash", "package_version"} <= set(manifest)


def test_without_an_index_every_route_is_503_naming_the_build_command(settings) -> None:
    client = create_app(settings, embedder=FakeEmbedder()).test_client()
    for path in ["/healthz", "/api/index", "/api/search?q=back", f"/api/related?url={SCIATICA}"]:
        assert "relatedposts build" in json_error(client.get(path), 503)


def test_unknown_route_and_method_use_the_same_error_shape(client) -> None:
    json_error(client.get("/nope"), 404)
    resp = client.post("/api/search?q=x")
    json_error(resp, 405)
    assert "GET" in resp.headers["Allow"]


def test_a_related_response_is_serialized_once_per_version_and_stays_exact(built) -> None:
    app = create_app(built, embedder=FakeEmbedder())
    client = app.test_client()
    url = f"/api/related?url={TINY[0].url}&limit=3"
    first, again = client.get(url), client.get(url)
    service = get_service(app)
    article, posts = service.related(TINY[0].url, 3)
    assert first.data == again.data == (json.dumps(related_to_dict(article, posts)) + "\n").encode()
    assert first.headers["ETag"] == again.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    build_index(TINY[1:], FakeEmbedder(), built)  # a new version: a new body and ETag
    service.reload()
    fresh = client.get(f"/api/related?url={TINY[1].url}&limit=3")
    stale = client.get(url)
    assert stale.status_code == 404  # the first post is gone from the new version
    assert fresh.headers["ETag"] != first.headers["ETag"]
    assert TINY[0].url not in fresh.get_data(as_text=True)


def test_related_has_etag_and_cache_headers_and_answers_304(client) -> None:
    url = f"/api/related?url={URL.format('sciatica')}"
    first = client.get(url)
    assert first.headers["ETag"] and "max-age=300" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other = client.get(url + "&limit=3")
    assert other.headers["ETag"] != first.headers["ETag"]


SCIATICA = TINY[0].url


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} in a response")


def test_a_nan_that_slips_into_memory_is_never_sent(built) -> None:
    app = create_app(built, embedder=FakeEmbedder())
    client = app.test_client()
    service = get_service(app)
    pos, _ = service.find_article(SCIATICA)
    service.live.data.related.scores[pos, 1] = np.nan  # as if corrupted after loading
    body = client.get(f"/api/related?url={SCIATICA}").get_data(as_text=True)
    data = json.loads(body, parse_constant=_no_constants)
    assert len(data["results"]) == 1  # the list stops before the bad entry
    assert related_problems(service.live.data)


def test_json_responses_refuse_nan_and_infinity(built, monkeypatch) -> None:
    app = create_app(built, embedder=FakeEmbedder())
    monkeypatch.setattr(get_service(app), "related",
                        lambda url, limit=None: (TINY[0], [float("inf")]))  # type: ignore
    resp = app.test_client().get(f"/api/related?url={SCIATICA}")
    assert resp.status_code == 500
    assert resp.get_json() == {"error": {"status": 500, "message": "internal error"}}


def test_the_api_reports_the_corrected_query(client) -> None:
    body = client.get("/api/search?q=sciatca%20leg%20pain").get_json()
    assert body["corrected_query"] == "sciatica leg pain"
    assert body["results"][0]["url"] == TINY[0].url
    assert "corrected_query" not in client.get("/api/search?q=sciatica").get_json()


def test_suggest_completes_a_prefix(client) -> None:
    resp = client.get("/api/suggest?q=Sci")
    assert resp.status_code == 200 and resp.cache_control.public
    body = resp.get_json()
    assert body["query"] == "Sci"
    assert body["suggestions"][0] == {"text": "Sciatica and leg pain", "kind": "title",
                                      "url": SCIATICA}
    assert len(client.get("/api/suggest?q=pain&limit=2").get_json()["suggestions"]) == 2
    assert client.get("/api/suggest?q=").get_json()["suggestions"] == []
    assert client.get("/api/suggest").get_json()["suggestions"] == []
    assert "limit" in json_error(client.get("/api/suggest?q=a&limit=0"), 400)


def test_suggest_offers_only_queries_enough_visitors_asked(built) -> None:
    app = create_app(built.replace(privacy_min_visitors=3), embedder=FakeEmbedder())
    client = app.test_client()
    for i, q in enumerate(["sciatica stretches"] * 3 + ["sciatica surgery"] * 2):
        client.get("/api/search", query_string={"q": q},
                   environ_base={"REMOTE_ADDR": f"10.0.{i}.1"})
    texts = [s["text"] for s in client.get("/api/suggest?q=sciatica s").get_json()["suggestions"]]
    assert "sciatica stretches" in texts  # three visitors asked it
    assert "sciatica surgery" not in texts  # two did: never shown


def test_search_facets_count_every_answering_article_not_the_page(client) -> None:
    body = client.get("/api/search?q=pain&limit=2").get_json()
    tags = {f["value"]: f["count"] for f in body["facets"]["tag"]}
    assert sum(f["count"] for f in body["facets"]["year"]) == body["total"] > 2
    assert tags["leg pain"] == 2  # sciatica and stenosis, whatever the page shows
    narrowed = client.get("/api/search?q=pain&tag=leg pain").get_json()
    assert narrowed["total"] == 2 and narrowed["facets"]["tag"][0] == {"value": "leg pain",
                                                                       "count": 2}
