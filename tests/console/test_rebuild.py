"""Issue 26: "Rebuild now" in the console: a child `rebuild` process under the build lock,
its status in INDEX_DIR/rebuild-status.json, refused while any build runs (fake embedder)."""

from __future__ import annotations

import re
import threading
import time

import pytest

from relatedposts.config import Settings
from relatedposts.console.app import create_app
from relatedposts.console.rebuild import job_view
from relatedposts.indexing.buildlock import build_lock
from relatedposts.indexing.rebuild import run_rebuild
from relatedposts.indexing.rebuild_status import read_status, status_path, write_status
from tests.localsite import publish_tiny
from tests.support import json_error

TOKEN = "s3cret-editor-token"


@pytest.fixture
def editor(settings: Settings, site, tmp_path):
    """The console of a site built once by `rebuild` (without one article), an editor signed in."""
    publish_tiny(site, skip=("neck",))
    s = settings.replace(admin_token=TOKEN, site=(f"{site.base}/sitemap.xml",),
                         log_file=tmp_path / "rebuild.log", reload_check_seconds=0.0)
    assert run_rebuild(s, quiet=True) == 0
    publish_tiny(site)  # the neck article is published since
    app = create_app(s)
    client = app.test_client()
    assert client.post("/admin/sign-in", data={"token": TOKEN}).status_code == 303
    page = client.get("/admin").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return s, app, client, csrf


def wait_done(client, timeout: float = 90.0) -> dict:
    """Poll the status as JSON until the rebuild is no longer running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get("/admin/rebuild/status", headers={"Accept": "application/json"})
        job = body.get_json()["rebuild"]
        if job and not job["running"]:
            return body.get_json()
        time.sleep(0.2)
    raise AssertionError("the rebuild did not finish")


def _live(app) -> str:
    return app.extensions["relatedposts"].live.data.manifest.version


def test_rebuild_now_runs_in_the_background_and_the_new_version_goes_live(editor) -> None:
    s, app, client, csrf = editor
    before = _live(app)
    page = client.get("/admin").get_data(as_text=True)
    assert 'action="/admin/rebuild"' in page and "Rebuild now" in page
    resp = client.post("/admin/rebuild", data={"csrf": csrf})
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/rebuild/status"
    body = wait_done(client)
    job = body["rebuild"]
    assert job["state"] == "done" and job["exit_code"] == 0 and job["by"] == "console"
    assert (job["added"], job["changed"], job["removed"], job["failed"]) == (1, 0, 0, 0)
    assert job["version"] != before and body["live"] == job["version"] == _live(app)
    html = client.get("/admin/rebuild/status").get_data(as_text=True)
    assert f"Rebuilt: version {job['version']} is live" in html and "1 added" in html
    assert "data-running" not in html and "<script" not in html  # nothing left to watch
    found = client.get("/api/search", query_string={"q": "neck pain"}).get_json()
    assert any("/blog/neck" in r["url"] for r in found["results"])
    assert "Last rebuild made version" in client.get("/admin").get_data(as_text=True)


def test_a_click_while_any_build_holds_the_lock_is_refused(editor) -> None:
    s, app, client, csrf = editor
    write_status(status_path(s.index_dir), {"job": "cli", "state": "done", "started": 1.0,
                                            "finished": 2.0, "version": "v1"})
    with build_lock(s.index_dir):  # as a `rebuild` from cron holds it
        resp = client.post("/admin/rebuild", data={"csrf": csrf})
        assert resp.status_code == 409
        html = resp.get_data(as_text=True)
        assert "A rebuild is already running" in html and "another build is running" in html
        as_json = client.post("/admin/rebuild", headers={"Accept": "application/json",
                                                         "X-CSRF-Token": csrf})
        assert "already running" in json_error(as_json, 409)
    assert read_status(status_path(s.index_dir))["job"] == "cli"  # a refusal writes nothing


def test_a_second_click_while_a_rebuild_runs_is_refused_and_search_still_answers(
        editor, site) -> None:
    s, app, client, csrf = editor
    gate = threading.Event()
    neck = site.pages["/blog/neck.html"]
    site.pages["/blog/neck.html"] = lambda earlier: neck if gate.wait(60) else neck
    before = _live(app)
    try:
        assert client.post("/admin/rebuild", data={"csrf": csrf}).status_code == 303
        _wait_for(lambda: _job(client).get("total") == 7)  # scraping, the neck page waits
        second = client.post("/admin/rebuild", data={"csrf": csrf})
        assert second.status_code == 409 and "already running" in second.get_data(as_text=True)
        running = client.get("/admin/rebuild/status").get_data(as_text=True)
        assert "Rebuilding: Scraping the site" in running and "started from the console" in running
        assert "data-running" in running and "setTimeout(poll, every)" in running
        assert 'http-equiv="refresh"' not in running and "<progress" in running
        csp = client.get("/admin/rebuild/status").headers["Content-Security-Policy"]
        assert "script-src 'nonce-" in csp and "connect-src 'self'" in csp
        assert 'aria-valuemax="7"' in running and " of 7 pages" in running
        assert "Rebuild now" not in running
        assert "A rebuild is running" in client.get("/admin").get_data(as_text=True)
        found = client.get("/api/search", query_string={"q": "sciatica"})
        assert found.status_code == 200 and found.get_json()["results"]
        assert _live(app) == before
    finally:
        gate.set()
    assert wait_done(client)["rebuild"]["state"] == "done"
    assert _live(app) != before


def _job(client) -> dict:
    body = client.get("/admin/rebuild/status", headers={"Accept": "application/json"})
    return body.get_json()["rebuild"] or {}


def _wait_for(check, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_csrf_sign_in_and_method_are_checked(editor) -> None:
    s, app, client, csrf = editor
    assert "did not come from the console" in json_error(client.post("/admin/rebuild"), 403)
    for data in ({}, {"csrf": "forged"}):
        refused = client.post("/admin/rebuild", data=data)
        assert refused.status_code == 403 and refused.get_json()["error"]["status"] == 403
    assert client.get("/admin/rebuild").status_code == 405
    assert not status_path(s.index_dir).exists()  # nothing was started
    anonymous = app.test_client()
    assert anonymous.post("/admin/rebuild", data={"csrf": csrf}).status_code == 401
    resp = anonymous.get("/admin/rebuild/status")
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/sign-in"
    assert not status_path(s.index_dir).exists()


def test_a_failing_rebuild_says_why_and_the_live_version_keeps_serving(editor) -> None:
    s, app, client, csrf = editor
    before = _live(app)
    app.extensions["relatedposts"].settings = s.replace(site=("http://127.0.0.1:9/sitemap.xml",))
    assert client.post("/admin/rebuild", data={"csrf": csrf}).status_code == 303
    job = wait_done(client)["rebuild"]
    assert job["state"] == "failed" and job["exit_code"] == 2
    assert "nothing scraped" in job["error"] and _live(app) == before
    html = client.get("/admin/rebuild/status").get_data(as_text=True)
    assert "The rebuild failed" in html and f"The live version {before} is unchanged" in html
    assert client.get("/api/search", query_string={"q": "back"}).status_code == 200


def test_a_rebuild_process_that_vanished_is_reported(tmp_path) -> None:
    write_status(status_path(tmp_path), {"state": "running", "stage": "embedding",
                                         "started": time.time() - 5, "pid": 2 ** 22 + 12345,
                                         "done": 3, "total": 4})
    view = job_view(tmp_path)
    assert view["state"] == "failed" and "gone without a result" in view["error"]
    assert job_view(tmp_path / "none") is None


def test_the_rebuild_pages_carry_the_consoles_headers(editor) -> None:
    s, app, client, csrf = editor
    resp = client.get("/admin/rebuild/status")
    assert resp.status_code == 200 and "No rebuild has run yet" in resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "no-store"
    nonce = re.search(r"style-src 'nonce-([^']+)'", resp.headers["Content-Security-Policy"])
    assert nonce and f'<style nonce="{nonce.group(1)}">' in resp.get_data(as_text=True)
    assert "script-src" not in resp.headers["Content-Security-Policy"]  # nothing to watch
