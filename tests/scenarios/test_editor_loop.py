"""The editor's loop through the commands: listing pages are skipped, not failed, by `rebuild`;
a pin naming no article stops `build` and `rebuild` (exit 3) unless --force; and through the
console's Rebuild now, under the pre-fork supervisor (status on every worker)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

from relatedposts.console.app import create_app
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.ingest.store import write_record
from tests.localsite import Page, article_page, live, publish_tiny, run_cli, sitemap
from tests.servers import ask_workers, serve
from tests.support import TINY, URL

LISTING = (b'<!doctype html><html><head><title>Home</title><meta property="og:type" '
           b'content="website"></head><body><main><p>Welcome</p></main></body></html>')
TYPO = "https://clinic.example/blog/sciatia/"
TOKEN = "s3cret-editor-token"


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


def _call(url: str, method: str = "GET") -> tuple[int, dict]:
    """Ask url on a fresh connection as the editor's script would (bearer, JSON)."""
    req = urllib.request.Request(url, method=method, headers={
        "Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_rebuild_now_under_the_supervisor_every_worker_sees_it(settings, site, tmp_path) -> None:
    """Click -> status on any worker -> a second click refused -> new version on every worker."""
    paths = publish_tiny(site, skip=("neck",))
    first = build_index(TINY[:3], FakeEmbedder(), settings).manifest.version
    gate = threading.Event()
    neck = Page(article_page("Neck pain", "Neck pain from desk work.", f"{site.base}/blog/n.html"))
    site.pages["/blog/n.html"] = lambda earlier: neck if gate.wait(60) else neck
    site.pages["/sitemap.xml"] = Page(sitemap(site.base, [p.removeprefix(site.base) for p in
                                                          paths] + ["/blog/n.html"]),
                                      content_type="application/xml")
    env = {"RELATEDPOSTS_ADMIN_TOKEN": TOKEN, "RELATEDPOSTS_SITE": f"{site.base}/sitemap.xml",
           "RELATEDPOSTS_CORPUS_DIR": str(settings.corpus_dir),
           "RELATEDPOSTS_OVERRIDES_FILE": str(tmp_path / "overrides.json"),
           "RELATEDPOSTS_LOG_FILE": str(tmp_path / "rebuild.log"), "RELATEDPOSTS_RATE_LIMIT": ""}
    with serve(settings.index_dir, tmp_path / "serve.log", env, workers=2) as base:
        try:
            status, started = _call(f"{base}/admin/rebuild", "POST")
            assert status == 202 and started["status"] == "/admin/rebuild/status"
            seen = [_call(f"{base}/admin/rebuild/status")[1] for _ in range(12)]
            assert all(s["rebuild"]["job"] == started["job"] for s in seen)  # any worker
            assert all(s["rebuild"]["running"] and s["live"] == first for s in seen)
            assert _call(f"{base}/admin/rebuild", "POST")[0] == 409
            assert {_call(f"{base}/api/search?q=sciatica")[0] for _ in range(6)} == {200}
        finally:
            gate.set()
        deadline = time.monotonic() + 90
        while (job := _call(f"{base}/admin/rebuild/status")[1]["rebuild"])["running"]:
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["state"] == "done" and job["added"] == 7, job
        seen = ask_workers(lambda: _call(f"{base}/admin/status")[1], least=30)
        pids, versions = {b["pid"] for b in seen}, {b["version"] for b in seen}
        assert len(pids) == 2 and versions == {job["version"]} != {first}


def test_a_mistyped_pin_fails_the_console_rebuild_and_the_live_version_serves(settings,
                                                                              site) -> None:
    publish_tiny(site)
    s = settings.replace(admin_token=TOKEN, site=(f"{site.base}/sitemap.xml",))
    s.overrides_file.parent.mkdir(parents=True, exist_ok=True)
    _pin_typo(s)
    before = build_index(TINY, FakeEmbedder(), s, force=True).manifest.version
    client = create_app(s).test_client()
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    assert client.post("/admin/rebuild", headers=headers).status_code == 202
    deadline = time.monotonic() + 90
    while (body := client.get("/admin/rebuild/status", headers=headers).get_json())[
            "rebuild"]["running"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    job = body["rebuild"]
    assert job["state"] == "failed" and job["exit_code"] == 3 and body["live"] == before
    assert "is not in the index; correct the URL" in job["problems"][0]  # the site's own URLs
    html = client.get("/admin/rebuild/status", headers={"Authorization": f"Bearer {TOKEN}"})
    text = html.get_data(as_text=True)
    assert "The rebuild failed" in text and "failed verification" in text
    assert "is not in the index" in text and f"version {before} is unchanged" in text
