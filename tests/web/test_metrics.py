"""GET /metrics: guarded like the admin routes, counted by route and status, summed over workers."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from relatedposts.indexing.embedders.fake import FakeEmbedder
from relatedposts.web.app import create_app
from tests.servers import ask_workers, serve
from tests.web.test_supervisor import AUTH, ENV, status

REQUESTS = "relatedposts_requests_total"


def total(text: str, name: str, **labels: str) -> float:
    """Return the sum of the samples of name carrying the given labels (0 when none)."""
    return sum(labelled(text, name, **labels))


def labelled(text: str, name: str, **labels: str) -> list[float]:
    """Return every sample of name whose labels include the given ones."""
    values = []
    for line in text.splitlines():
        named = line.startswith(name + "{") or line.startswith(name + " ")
        if named and all(f'{k}="{v}"' in line for k, v in labels.items()):
            values.append(float(line.rsplit(" ", 1)[1]))
    return values


@pytest.fixture
def admin_client(built):
    app = create_app(built.replace(admin_token="t", rate_limit=""), embedder=FakeEmbedder())
    app.config["TESTING"] = True
    return app.test_client()


def test_metrics_is_404_while_admin_is_off_and_401_without_the_token(client,
                                                                      admin_client) -> None:
    assert client.get("/metrics").status_code == 404
    refused = admin_client.get("/metrics")
    assert refused.status_code == 401 and refused.json["error"]["status"] == 401
    assert admin_client.get("/metrics", headers={"Authorization": "Bearer nope"}
                            ).status_code == 401


def test_requests_latency_no_answer_version_and_cache_are_reported(admin_client) -> None:
    before = admin_client.get("/metrics", headers=AUTH).get_data(as_text=True)
    for _ in range(3):
        assert admin_client.get("/api/search?q=sciatica").status_code == 200
    assert admin_client.get("/api/search").status_code == 400
    admin_client.get("/no/such/path")
    resp = admin_client.get("/metrics", headers=AUTH)
    assert resp.status_code == 200 and resp.content_type.startswith("text/plain")
    text = resp.get_data(as_text=True)
    search = {"route": "/api/search", "method": "GET"}
    assert total(text, REQUESTS, **search, status="200") - total(
        before, REQUESTS, **search, status="200") == 3
    assert total(text, REQUESTS, **search, status="400") >= 1
    assert labelled(text, "relatedposts_requests_total", route="unmatched", status="404")
    assert labelled(text, "relatedposts_request_duration_seconds_count", route="/api/search")
    assert labelled(text, "relatedposts_index_info", site="default") == [1.0]
    assert labelled(text, "relatedposts_index_age_seconds", site="default")[0] >= 0
    hits = labelled(text, "relatedposts_query_cache_hits_total", site="default")
    misses = labelled(text, "relatedposts_query_cache_misses_total", site="default")
    # the same query thrice: one vector computed, then found (this process's counts, summed)
    assert hits and misses and hits[0] - labelled(
        before, "relatedposts_query_cache_hits_total", site="default")[0] >= 2


def test_a_search_no_article_answers_is_counted(admin_client) -> None:
    name = "relatedposts_searches_no_answer_total"
    before = total(admin_client.get("/metrics", headers=AUTH).get_data(as_text=True), name)
    body = admin_client.get("/api/search?q=zzzqqq+xxyyzz").json
    after = total(admin_client.get("/metrics", headers=AUTH).get_data(as_text=True), name)
    assert after - before == (1 if body["total"] == 0 else 0)
    assert body["total"] == 0  # the nonsense query must be one no article answers


def test_a_scrape_of_two_workers_sums_both_workers_counts(built, tmp_path) -> None:
    with serve(built.index_dir, tmp_path / "serve.log", ENV, workers=2, threads=2) as base:
        seen = ask_workers(lambda: status(base), most=200)  # until both workers answered
        asked = len(seen)
        assert len({s["pid"] for s in seen}) == 2
        n = 30
        for i in range(n):
            with urllib.request.urlopen(f"{base}/api/search?q=sciatica+{i}", timeout=30) as r:
                assert r.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/metrics", timeout=30)
        assert refused.value.code == 401
        scrapes = []
        for _ in range(2):  # whichever worker answers, it counts both
            req = urllib.request.Request(f"{base}/metrics", headers=AUTH)
            with urllib.request.urlopen(req, timeout=30) as resp:
                scrapes.append(resp.read().decode())
    for text in scrapes:
        assert total(text, REQUESTS, route="/api/search", status="200") == n
        assert total(text, REQUESTS, route="/admin/status", status="200") == asked
        # the status requests reached both pids and every one is counted; one index_info
        # sample per live worker, each naming its pid
        assert len(set(re.findall(r'relatedposts_index_info\{pid="(\d+)"', text))) == 2
