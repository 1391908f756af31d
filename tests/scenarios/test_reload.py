"""Hot reload (POST /admin/reload and the CURRENT watcher) and `rebuild` end to end over HTTP."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.versions import VersionStore
from relatedposts.web.app import create_app, get_service
from tests.localsite import Page, live, publish_tiny, run_cli, sitemap
from tests.support import AUTH, TINY, TOKEN, serve_wsgi


def make_client(settings, **changes):
    app = create_app(settings.replace(**changes), embedder=FakeEmbedder())
    app.config["TESTING"] = True
    return app.test_client()


def version(client) -> str:
    return client.get("/api/index").get_json()["version"]


def broken_copy(settings) -> Path:
    """Copy the live version under a newer name with a truncated FAISS file."""
    bad = settings.index_dir / "versions" / "29990101T000000.000000Z"
    shutil.copytree(live(settings), bad)
    (bad / "chunks.faiss").write_bytes(b"truncated")
    return bad


def wait_for(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_admin_reload_needs_the_token(built) -> None:
    client = make_client(built, admin_token=TOKEN, reload_check_seconds=-1)
    old = version(client)
    new = build_index(TINY[:6], FakeEmbedder(), built).version_dir.name
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        resp = client.post("/admin/reload", headers=headers)
        assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert resp.get_json()["error"]["status"] == 401
    assert version(client) == old
    resp = client.post("/admin/reload", headers=AUTH)
    assert resp.status_code == 200
    assert resp.get_json() | {"chunks": 0} == {"status": "ok", "version": new, "previous": old,
                                               "articles": 6, "chunks": 0}
    assert version(client) == new
    assert client.get("/admin/reload").status_code == 405


def test_admin_routes_are_off_without_a_token(built) -> None:
    client = make_client(built, admin_token="")
    assert client.get("/admin/reload").status_code == 404  # not even a 405 gives it away
    resp = client.post("/admin/reload", headers=AUTH)
    assert resp.status_code == 404 and resp.get_json()["error"]["status"] == 404


def test_failed_reload_keeps_serving_the_old_version(built) -> None:
    client = make_client(built, admin_token=TOKEN, reload_check_seconds=-1)
    old = version(client)
    VersionStore(built.index_dir).set_current(broken_copy(built))
    resp = client.post("/admin/reload", headers=AUTH)
    assert resp.status_code == 503
    assert f"still serving {old}" in resp.get_json()["error"]["message"]
    assert version(client) == old
    assert client.get("/api/search?q=sciatica").status_code == 200


def test_pointer_watch_picks_up_new_versions_and_survives_broken_ones(built) -> None:
    client = make_client(built, reload_check_seconds=0)
    service = get_service(client.application)
    new = build_index(TINY[:6], FakeEmbedder(), built).version_dir.name
    assert wait_for(lambda: version(client) == new)
    VersionStore(built.index_dir).set_current(broken_copy(built))
    assert wait_for(lambda: client.get("/healthz") and service.load_error is not None)
    assert "corrupt or truncated" in service.load_error and version(client) == new
    newer = build_index(TINY, FakeEmbedder(), built).version_dir.name
    assert wait_for(lambda: version(client) == newer)


def test_pointer_is_checked_at_most_every_n_seconds(built) -> None:
    client = make_client(built, reload_check_seconds=30)
    old = version(client)
    build_index(TINY[:6], FakeEmbedder(), built)
    time.sleep(0.3)
    assert version(client) == old


def test_requests_in_flight_never_fail_during_reloads(built) -> None:
    client = make_client(built, admin_token=TOKEN, reload_check_seconds=0)
    app, statuses, stop = client.application, [], threading.Event()
    url = TINY[3].url  # in every version below

    def hammer() -> None:
        own = app.test_client()
        while not stop.is_set():
            statuses.append(own.get("/api/search?q=back pain leg").status_code)
            statuses.append(own.get(f"/api/related?url={url}").status_code)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for articles in (TINY[:6], TINY, TINY[1:], TINY):
            build_index(articles, FakeEmbedder(), built)
            assert client.post("/admin/reload", headers=AUTH).status_code == 200
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert len(statuses) > 20 and set(statuses) == {200}


@pytest.fixture
def service_url(settings) -> Iterator[str]:
    """A real HTTP server of the app with admin on and the watcher off."""
    app = create_app(settings.replace(admin_token=TOKEN, reload_check_seconds=-1),
                     embedder=FakeEmbedder())
    with serve_wsgi(app) as base:
        yield base


def test_rebuild_drops_deleted_pages_from_every_related_list(settings, site) -> None:
    urls = publish_tiny(site)
    source = f"{site.base}/sitemap.xml"
    result = run_cli(settings, "rebuild", "--site", source)
    assert result.exit_code == 0, result.output
    assert "7 pages fetched (new or changed), 0 unchanged, 0 failed" in result.output
    assert "14 chunks embedded, 0 reused" in result.output and "time: scrape" in result.output
    client = make_client(settings)
    gone = urls[1]
    lists = {u: [r["url"] for r in client.get(f"/api/related?url={u}&limit=10").json["results"]]
             for u in urls}
    assert sum(gone in related for related in lists.values()) == 6
    publish_tiny(site, skip=("neck",))
    result = run_cli(settings, "rebuild", "--site", source)
    assert result.exit_code == 0, result.output
    assert "0 pages fetched (new or changed), 6 unchanged, 0 failed, 1 removed" in result.output
    assert "0 chunks embedded, 12 reused" in result.output
    client = make_client(settings)
    assert client.get(f"/api/related?url={gone}").status_code == 404
    for u in urls[:1] + urls[2:]:
        related = [r["url"] for r in client.get(f"/api/related?url={u}&limit=10").json["results"]]
        assert gone not in related and len(related) == 5
    log = (settings.index_dir / "rebuild.log").read_text()
    assert log.count("relatedposts rebuild sites=http") == 2 and "1 removed" in log


def test_rebuild_exit_codes(settings, site, service_url) -> None:
    source = f"{site.base}/sitemap.xml"
    site.pages["/sitemap.xml"] = Page(sitemap(site.base, []))
    result = run_cli(settings, "rebuild", "--site", source)
    assert result.exit_code == 2 and "nothing scraped" in result.output
    publish_tiny(site)
    reload_env = {"RELATEDPOSTS_RELOAD_URL": f"{service_url}/admin/reload",
                  "RELATEDPOSTS_ADMIN_TOKEN": TOKEN}
    result = run_cli(settings, "rebuild", "--site", source, **reload_env)
    assert result.exit_code == 0, result.output
    served = lambda: requests.get(f"{service_url}/api/index", timeout=5).json()["version"]  # noqa: E731
    assert served() == live(settings).name
    publish_tiny(site, skip=("neck", "sleep", "fusion"))
    before = live(settings)
    result = run_cli(settings, "rebuild", "--site", source, **reload_env)
    assert result.exit_code == 3 and "dropped from 7 to 4" in result.output
    assert live(settings) == before and served() == before.name
    result = run_cli(settings, "rebuild", "--site", source, "--force",
                     **reload_env | {"RELATEDPOSTS_ADMIN_TOKEN": "wrong"})
    assert result.exit_code == 4 and "HTTP 401" in result.output
    assert live(settings) != before and served() == before.name
    result = run_cli(settings, "rebuild", "--site", source, **reload_env)
    assert result.exit_code == 0 and served() == live(settings).name
    result = run_cli(settings, "rebuild", "--site", source,
                     RELATEDPOSTS_RELOAD_URL="http://127.0.0.1:9/admin/reload")
    assert result.exit_code == 4 and "ConnectionError" in result.output
