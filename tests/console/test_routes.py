"""Issue 16: the console behind the admin token, its forms, and POST /admin/draft (fake model)."""

from __future__ import annotations

import json
import re
import time

import pytest

from relatedposts.config import Settings
from relatedposts.console.app import create_app
from relatedposts.console.auth import COOKIE, session_value
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.versions import current_version
from tests.support import TINY

TOKEN = "s3cret-editor-token"
SPASMS = "https://clinic.example/blog/spasms/"
NECK = "https://clinic.example/blog/neck/"
IP = "198.51.100.23"


@pytest.fixture
def admin(settings: Settings, tmp_path):
    # k = 1: these tests search from one address; k-anonymity is tested on its own below.
    s = settings.replace(admin_token=TOKEN, overrides_file=tmp_path / "overrides.json",
                         privacy_min_visitors=1)
    build_index(TINY[:-1], FakeEmbedder(), s)
    build_index(TINY, FakeEmbedder(), s, force=True)
    app = create_app(s, embedder=FakeEmbedder())
    return s, app, app.test_client()


def _sign_in(client) -> str:
    resp = client.post("/admin/sign-in", data={"token": TOKEN})
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin"
    page = client.get("/admin").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_console_is_404_while_admin_is_off(client) -> None:
    for path in ("/admin", "/admin/sign-in"):
        assert client.get(path).status_code == 404
    assert client.post("/admin/draft", json={"title": "t", "text": "x"}).status_code == 404
    assert client.post("/admin/rollback").status_code == 404


def test_console_refuses_without_the_token_and_works_with_it(admin) -> None:
    _, _, client = admin
    resp = client.get("/admin")
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/sign-in"
    assert client.get("/admin", headers={"Authorization": "Bearer wrong"}).status_code == 303
    refused = client.post("/admin/draft", json={"title": "t", "text": "x"})
    assert refused.status_code == 401 and refused.get_json()["error"]["status"] == 401
    ok = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and "What to write and link next" in ok.get_data(as_text=True)
    assert ok.headers["Cache-Control"] == "no-store"
    assert "script-src" not in ok.headers["Content-Security-Policy"]  # no script at all
    assert "<script" not in ok.get_data(as_text=True)


def test_sign_in_sets_a_strict_httponly_cookie_and_rejects_a_wrong_token(admin) -> None:
    _, _, client = admin
    bad = client.post("/admin/sign-in", data={"token": "guess"})
    assert bad.status_code == 401 and "Set-Cookie" not in bad.headers
    good = client.post("/admin/sign-in", data={"token": TOKEN})
    cookie = good.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and TOKEN not in cookie
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age="):
        assert flag in cookie
    assert client.get("/admin").status_code == 200


def test_forged_or_expired_cookies_are_not_a_session(admin) -> None:
    _, _, client = admin
    _sign_in(client)
    value = client.get_cookie(COOKIE, path="/admin").value
    payload, mac = value.rsplit(".", 1)
    later, sid = int(time.time()) + 999_999, "sid"
    for forged in (f"{payload}.{'A' * len(mac)}",  # the signature tampered
                   session_value("not-the-token", later, sid),  # a longer session, wrong key
                   session_value(TOKEN, int(time.time()) - 5, sid),  # rightly signed, expired
                   session_value(TOKEN, later, sid).replace(".", "x", 1),  # payload mangled
                   "junk", ""):
        client.set_cookie(COOKIE, forged, path="/admin")
        assert client.get("/admin").status_code == 303, forged
    # The control: rightly signed and unexpired is a session, so each forgery fails for its flaw.
    client.set_cookie(COOKIE, session_value(TOKEN, later, sid), path="/admin")
    assert client.get("/admin").status_code == 200


def test_cookie_posts_need_the_csrf_token(admin) -> None:
    s, _, client = admin
    csrf = _sign_in(client)
    live = current_version(s.index_dir).name
    assert client.post("/admin/rollback").status_code == 403
    assert client.post("/admin/rollback", data={"csrf": "x" * len(csrf)}).status_code == 403
    assert current_version(s.index_dir).name == live
    assert client.post("/admin/draft", json={"title": "t", "text": "x"}).status_code == 403
    resp = client.post("/admin/rollback", data={"csrf": csrf})
    assert resp.status_code == 303 and "done=rollback" in resp.headers["Location"]
    assert current_version(s.index_dir).name != live
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Rolled back" in page
    out = client.post("/admin/sign-out", data={"csrf": csrf})
    assert out.status_code == 303 and client.get("/admin").status_code == 303


def test_overrides_are_validated_then_written(admin) -> None:
    s, _, client = admin
    csrf = _sign_in(client)

    def post(**form: str):
        return client.post("/admin/overrides", data={"csrf": csrf, **form})

    for bad in ({"action": "pin", "source": SPASMS, "target": "https://evil.example/x"},
                {"action": "pin", "source": SPASMS, "target": SPASMS},
                {"action": "pin", "source": "", "target": NECK},
                {"action": "delete-all", "source": SPASMS, "target": NECK}):
        resp = post(**bad)
        assert resp.status_code in (400, 404) and 'class="err"' in resp.get_data(as_text=True)
    assert not s.overrides_file.exists()
    assert post(action="pin", source="http://clinic.example/blog/spasms", target=NECK
                ).status_code == 303
    assert post(action="exclude", target=NECK).status_code == 303
    saved = json.loads(s.overrides_file.read_text())
    assert saved["pin"] == {SPASMS: [NECK]} and saved["exclude"] == [NECK]
    assert "applied at the next build" in client.get("/admin?done=override").get_data(
        as_text=True)
    assert post(action="pin", source=SPASMS, target=NECK, remove="1").status_code == 303
    assert json.loads(s.overrides_file.read_text())["pin"] == {}


def test_draft_check_names_the_article_it_copies(admin) -> None:
    _, app, client = admin
    auth = {"Authorization": f"Bearer {TOKEN}"}
    source = next(a for a in TINY if a.url == SPASMS)
    resp = client.post("/admin/draft", json={"title": "My new post", "text": source.body},
                       headers=auth)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert set(body) >= {"related", "duplicates", "links", "tags", "red_flags"}
    assert body["duplicates"][0]["url"] == SPASMS
    assert set(body["duplicates"][0]) == {"url", "title", "date", "similarity"}
    assert SPASMS not in [r["url"] for r in body["related"]]
    assert "back spasms" in body["tags"]
    fresh = client.post("/admin/draft", headers=auth, json={
        "title": "Numb groin", "text": "After lifting I lost bladder control and my groin "
                                       "went numb. Sleeping on my side helps a bit."}).get_json()
    assert fresh["duplicates"] == [] and fresh["red_flags"]


@pytest.mark.parametrize("body", [
    {"title": "t"}, {"title": "t", "text": "x", "extra": 1}, {"title": "", "text": "x"},
    {"title": "t", "text": "   "}, {"title": ["t"], "text": "x"}, {"title": "t" * 301, "text": "x"},
    [1, 2], "text",
])
def test_hostile_drafts_get_the_json_error(admin, body) -> None:
    _, _, client = admin
    resp = client.post("/admin/draft", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 400 and resp.get_json()["error"]["status"] == 400
    broken = client.post("/admin/draft", data=b"{nope", content_type="application/json",
                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert broken.status_code == 400


def test_console_shows_logs_escaped_and_without_personal_data(admin) -> None:
    s, app, client = admin
    env = {"REMOTE_ADDR": IP}
    for q in ["<script>alert(1)</script> back pain", "call me 555-867-5309 sciatica",
              "jane@example.org neck", "zzqx vvkj", "zzqx vvkj"]:
        client.get("/api/search", query_string={"q": q}, environ_base=env)
    client.get("/api/related", query_string={"url": SPASMS})
    client.post("/api/events", json={"type": "click", "list": "related", "from": SPASMS,
                                     "to": NECK, "position": 1}, environ_base=env)
    page = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
        as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    for secret in (IP, "555-867-5309", "jane@example.org"):
        assert secret not in page
    assert "[phone]" in page and "[email]" in page
    assert "1 clicks recorded" in page and "<svg" in page
    assert "2 searches about zzqx vvkj" in page  # a content gap


def test_slow_suggestions_do_not_hold_the_page(admin, monkeypatch) -> None:
    import relatedposts.console.data as data

    _, _, client = admin
    monkeypatch.setattr(data, "WAIT_SECONDS", 0.0)
    monkeypatch.setattr(data, "suggest_links", lambda *a, **k: time.sleep(0.5) or [])
    data._cache.clear()
    page = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200 and "Finding link suggestions" in page.get_data(as_text=True)
    time.sleep(1.0)
    later = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
    assert "No suggestions." in later.get_data(as_text=True)


def test_search_rules_are_validated_then_written(admin) -> None:
    s, _, client = admin
    csrf = _sign_in(client)

    def post(**form: str):
        return client.post("/admin/search-rules", data={"csrf": csrf, **form})

    for bad in ({"query": "back", "action": "pin", "target": "https://evil.example/x"},
                {"query": "  ", "action": "pin", "target": NECK},
                {"query": "back", "action": "boost", "target": NECK},
                {"query": "back", "action": "hide", "target": ""}):
        resp = post(**bad)
        assert resp.status_code in (400, 404) and 'class="err"' in resp.get_data(as_text=True)
    assert not s.overrides_file.exists()
    assert post(query="Back  PAIN", action="pin", target=NECK).status_code == 303
    assert post(query="back pain", action="hide", target=SPASMS).status_code == 303
    saved = json.loads(s.overrides_file.read_text())
    assert saved["search"] == {"back pain": {"pin": [NECK], "hide": [SPASMS]}}
    page = client.get("/admin?done=search-rule").get_data(as_text=True)
    assert "Search rule saved" in page and ('<td class="query" data-label="Search">back pain</td>'
            '<td data-label="Kind">hide</td>') in page
    assert post(query="back pain", action="hide", target=NECK).status_code == 303  # not both
    assert json.loads(s.overrides_file.read_text())["search"] == {
        "back pain": {"hide": [SPASMS, NECK]}}
    for url in (SPASMS, NECK):
        assert post(query="back pain", action="hide", target=url, remove="1").status_code == 303
    assert json.loads(s.overrides_file.read_text())["search"] == {}
    build_index(TINY, FakeEmbedder(), s)  # what the console wrote is a valid overrides file


def test_the_console_wears_the_clinic_name_escaped(settings, tmp_path) -> None:
    s = settings.replace(admin_token=TOKEN, clinic_name="<script>x</script> Spine",
                         clinic_primary_color="#abc")
    build_index(TINY, FakeEmbedder(), s)
    client = create_app(s, embedder=FakeEmbedder()).test_client()
    for path in ("/admin/sign-in", "/admin"):
        page = client.get(path, headers={"Authorization": f"Bearer {TOKEN}"},
                          follow_redirects=True).get_data(as_text=True)
        assert "&lt;script&gt;x&lt;/script&gt; Spine · Editor&#39;s console" in page \
            or "&lt;script&gt;x&lt;/script&gt; Spine · Editor's console" in page, path
        assert "<script>" not in page and "header.bar{background:#abc;" in page, path
