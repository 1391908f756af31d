"""Read-your-writes reload under `serve --workers 2`: once POST /admin/reload says 200, every
later request to any worker answers from the new version; a failed one leaves all on the old."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.versions import VersionStore, current_version
from tests.servers import ask_workers, serve
from tests.support import TINY

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _get(url: str, method: str = "GET") -> tuple[int, dict]:
    """Request url on a fresh connection; return the status and the JSON body."""
    req = urllib.request.Request(url, method=method, headers=AUTH)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def _fifty(base: str) -> tuple[set[str], set[int], set[bool]]:
    """Ask 50 fresh connections which version, worker and reload state they see."""
    seen = ask_workers(lambda: _get(f"{base}/admin/status")[1], least=50)
    health = [_get(f"{base}/healthz")[1]["reload_failed"] for _ in range(10)]
    return {s["version"] for s in seen}, {s["pid"] for s in seen}, set(health)


def test_reload_is_read_your_writes_across_two_workers(built, tmp_path) -> None:
    env = {"RELATEDPOSTS_ADMIN_TOKEN": TOKEN}
    with serve(built.index_dir, tmp_path / "serve.log", env, workers=2) as base:
        first = current_version(built.index_dir).name
        versions, pids, _ = _fifty(base)
        assert versions == {first} and len(pids) == 2  # both workers serve and answer

        second = build_index(TINY[:6], FakeEmbedder(), built).version_dir.name
        status, body = _get(f"{base}/admin/reload", "POST")
        assert status == 200 and body["version"] == second
        assert _fifty(base)[:1] == ({second},)
        assert _get(f"{base}/api/related?url={TINY[6].url}")[0] == 404  # gone in `second`

        bad = built.index_dir / "versions" / "29990101T000000.000000Z"
        shutil.copytree(current_version(built.index_dir), bad)
        (bad / "chunks.faiss").write_bytes(b"truncated")
        VersionStore(built.index_dir).set_current(bad)
        status, body = _get(f"{base}/admin/reload", "POST")
        assert status == 503 and f"still serving {second}" in body["error"]["message"]
        versions, pids, failed = _fifty(base)
        assert versions == {second} and failed == {True}
        assert {_get(f"{base}/api/search?q=sciatica")[0] for _ in range(10)} == {200}

        third = build_index(TINY, FakeEmbedder(), built).version_dir.name
        assert _get(f"{base}/admin/reload", "POST")[0] == 200
        versions, pids, failed = _fifty(base)
        assert versions == {third} and failed == {False}  # no stale error on any worker
        assert "Traceback" not in (tmp_path / "serve.log").read_text()


def test_no_stale_reload_failure_after_rolling_back_to_the_served_version(built) -> None:
    from relatedposts.web.app import create_app

    client = create_app(built.replace(admin_token=TOKEN), embedder=FakeEmbedder()).test_client()
    good = current_version(built.index_dir)
    bad = built.index_dir / "versions" / "29990101T000000.000000Z"
    shutil.copytree(good, bad)
    (bad / "articles.jsonl").write_text("{not json")
    VersionStore(built.index_dir).set_current(bad)
    assert client.get("/healthz").get_json()["reload_failed"] is True
    assert client.get("/admin/status", headers=AUTH).get_json()["load_error"]
    VersionStore(built.index_dir).set_current(good)  # e.g. `relatedposts rollback`
    assert client.get("/healthz").get_json() == {
        "status": "ok", "version": good.name, "articles": len(TINY), "reload_failed": False}
    assert client.get("/admin/status", headers=AUTH).get_json()["load_error"] is None


def test_healthz_shows_no_internals(built) -> None:
    from relatedposts.web.app import create_app

    client = create_app(built, embedder=FakeEmbedder()).test_client()
    bad = built.index_dir / "versions" / "29990101T000000.000000Z"
    shutil.copytree(current_version(built.index_dir), bad)
    (bad / "chunks.faiss").write_bytes(b"truncated")
    VersionStore(built.index_dir).set_current(bad)
    body = client.get("/healthz").get_data(as_text=True)
    assert set(json.loads(body)) == {"status", "version", "articles", "reload_failed"}
    for leak in ("faiss", ".cpp", "versions", str(built.index_dir), "corrupt"):
        assert leak not in body
    assert client.get("/admin/status").status_code == 404  # admin off: no details at all
