"""Issue 16: the query log on by default, rotated and kept N days; POST /api/events."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.logs.background import flush_all
from relatedposts.logs.events import EventStore
from relatedposts.logs.querylog import QueryLog, read_entries
from relatedposts.logs.sqlitestore import Retention
from relatedposts.web.app import create_app

SPASMS = "https://clinic.example/blog/spasms/"
NECK = "https://clinic.example/blog/neck/"
IP = "203.0.113.77"
EMAIL = "jane.doe@mail.example"
PHONE = "555-123-4567"


def _click(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {"type": "click", "list": "related", "from": SPASMS, "to": NECK,
                               "position": 2}
    body.update(changes)
    return body


def _all_text(directory: Path) -> str:
    return "\n".join(p.read_text("utf-8", errors="replace") for p in directory.rglob("*")
                     if p.is_file() and p.suffix in (".jsonl", ".lock", "")
                     or p.name.endswith((".jsonl.1", ".jsonl.2", ".sqlite3", ".sqlite3-wal")))


def read_all(path: Path) -> list[dict]:
    """Return the events stored in the database path names (the old .jsonl name works)."""
    return EventStore(path).entries()


def test_query_log_is_on_by_default_in_the_index_dir(built: Settings) -> None:
    assert Settings().query_log and Settings().event_log
    app = create_app(built, embedder=FakeEmbedder())
    app.test_client().get("/api/search?q=sciatica")
    path = built.index_dir / "queries.sqlite3"
    assert [e["query"] for e in read_entries(path)] == ["sciatica"]


def test_empty_setting_turns_the_logs_off(built: Settings) -> None:
    app = create_app(built.replace(query_log="", event_log=""), embedder=FakeEmbedder())
    client = app.test_client()
    client.get("/api/search?q=sciatica")
    assert client.post("/api/events", json=_click()).status_code == 204
    assert not list(built.index_dir.glob("*.jsonl*"))
    assert not list(built.index_dir.glob("*.sqlite3*"))


def test_rotated_legacy_files_are_all_imported_oldest_first(tmp_path: Path) -> None:
    # SQLite does not rotate: the old log and its two backups are imported, oldest first.
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for n, name in enumerate(("q.jsonl.2", "q.jsonl.1", "q.jsonl")):
        (tmp_path / name).write_text("".join(json.dumps(
            {"time": stamp, "query": f"query number {i:03d}", "results": 1}) + "\n"
            for i in range(n * 20, n * 20 + 20)))
    queries = [e["query"] for e in read_entries(tmp_path / "q.jsonl", Retention(30))]
    assert queries == sorted(queries) and queries[-1] == "query number 059"
    assert len(queries) == 60
    assert sorted(p.name for p in tmp_path.glob("q.jsonl*")) == [
        "q.jsonl.1.imported", "q.jsonl.2.imported", "q.jsonl.imported"]


def test_entries_past_retention_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rotation = Retention(7)
    old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 10 * 86400))
    path.write_text(json.dumps({"time": old, "query": "old one", "results": 0}) + "\n")
    (tmp_path / "q.jsonl.1").write_text(json.dumps({"time": old, "query": "older"}) + "\n")
    os.utime(tmp_path / "q.jsonl.1", (time.time() - 9 * 86400,) * 2)
    log = QueryLog(path, rotation)
    log.record("new one", 2)
    assert [e["query"] for e in read_entries(path, rotation)] == ["new one"]
    assert not (tmp_path / "q.jsonl.1").exists()  # the whole old file is gone
    log.store.prune()  # the hourly DELETE, now
    assert [q for _, q, _ in log.store.read("SELECT ts, query, results FROM queries")] == [
        "new one"]  # old rows are deleted, not only hidden


def test_nothing_stored_carries_an_ip_email_or_phone(built: Settings) -> None:
    app = create_app(built, embedder=FakeEmbedder())
    client = app.test_client()
    env = {"REMOTE_ADDR": IP}
    headers = {"X-Forwarded-For": IP, "User-Agent": f"probe {EMAIL}", "Cookie": f"id={PHONE}"}
    client.get("/api/search", query_string={"q": f"sciatica {EMAIL} call {PHONE}"},
               environ_base=env, headers=headers)
    client.get("/search", query_string={"q": f"neck pain {PHONE} born 03/14/1975"},
               environ_base=env, headers=headers)
    client.get("/api/related", query_string={"url": SPASMS}, environ_base=env, headers=headers)
    assert client.post("/api/events", json=_click(), environ_base=env,
                       headers=headers).status_code == 204
    bad = client.post("/api/events", json=_click(to=f"mailto:{EMAIL}?{PHONE}"),
                      environ_base=env, headers=headers)
    assert bad.status_code == 400
    app.extensions["relatedposts"].events.flush()
    flush_all()  # searches are stored by the query log's writer thread, after the answer
    stored = _all_text(built.index_dir)
    assert "sciatica [email] call [phone]" in stored
    assert "click" in [e["type"] for e in app.extensions["relatedposts"].events.entries()]
    for secret in (IP, EMAIL, PHONE, "1975", "probe"):
        assert secret not in stored


@pytest.fixture
def events_client(built: Settings):
    app = create_app(built, embedder=FakeEmbedder())
    return app, app.test_client()


def test_click_is_stored_with_canonical_urls_and_no_cookie(events_client, built) -> None:
    app, client = events_client
    resp = client.post("/api/events", data=json.dumps(_click(
        **{"from": "http://clinic.example/blog/spasms", "to": "https://www.clinic.example/blog/neck"})),
        content_type="text/plain;charset=UTF-8")  # what sendBeacon sends for a string
    assert resp.status_code == 204 and resp.data == b""
    assert "Set-Cookie" not in resp.headers
    entries = read_all(built.index_dir / "events.sqlite3")
    assert [(e["type"], e["list"], e["from"], e["to"], e["position"]) for e in entries] == [
        ("click", "related", SPASMS, NECK, 2)]
    search = client.post("/api/events", json=_click(list="search", **{"from": "/search"}))
    assert search.status_code == 204


@pytest.mark.parametrize("body, status", [
    (b"not json", 400), (b"[1, 2]", 400), (b"\xff\xfe", 400), (b"", 400),
    (json.dumps(_click(extra=1)).encode(), 400),
    (json.dumps({k: v for k, v in _click().items() if k != "position"}).encode(), 400),
    (json.dumps(_click(type="view")).encode(), 400),
    (json.dumps(_click(list="footer")).encode(), 400),
    (json.dumps(_click(position=0)).encode(), 400),
    (json.dumps(_click(position=51)).encode(), 400),
    (json.dumps(_click(position=True)).encode(), 400),
    (json.dumps(_click(position=2.0)).encode(), 400),
    (json.dumps(_click(position="2")).encode(), 400),
    (json.dumps(_click(to="https://evil.example/x")).encode(), 400),
    (json.dumps(_click(to="javascript:alert(1)")).encode(), 400),
    (json.dumps(_click(to=["x"])).encode(), 400),
    (json.dumps(_click(to="x" * 3000)).encode(), 413),
    (json.dumps(_click(**{"from": NECK})).encode(), 400),  # from == to
    (json.dumps(_click(list="search", **{"from": "/search?q=my+email"})).encode(), 400),
    (json.dumps(_click(list="search", **{"from": SPASMS})).encode(), 400),
])
def test_hostile_click_bodies_get_the_json_error(events_client, built, body: bytes,
                                                 status: int) -> None:
    _, client = events_client
    resp = client.post("/api/events", data=body, content_type="application/json")
    assert resp.status_code == status
    assert resp.get_json()["error"]["status"] == status
    assert not read_all(built.index_dir / "events.sqlite3")


def test_wrong_method_type_and_origin_are_refused(events_client) -> None:
    _, client = events_client
    assert client.get("/api/events").status_code == 405
    form = client.post("/api/events", data={"type": "click"})
    assert form.status_code == 415 and form.get_json()["error"]["status"] == 415
    foreign = client.post("/api/events", json=_click(), headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    same = client.post("/api/events", json=_click(), headers={"Origin": "http://localhost"})
    assert same.status_code == 204


def test_events_are_rate_limited(built: Settings) -> None:
    app = create_app(built.replace(rate_limit="3/minute"), embedder=FakeEmbedder())
    client = app.test_client()
    codes = [client.post("/api/events", json=_click()).status_code for _ in range(5)]
    assert codes[:3] == [204] * 3 and codes[3:] == [429, 429]


def test_impressions_are_counted_per_article_and_position(events_client, built) -> None:
    app, client = events_client
    client.get("/api/related", query_string={"url": SPASMS, "limit": 3})
    client.get("/api/related", query_string={"url": SPASMS, "limit": 3})
    client.get("/search?q=leg+pain")
    entries = app.extensions["relatedposts"].events.entries()
    related = [e for e in entries if e["type"] == "impressions" and e["list"] == "related"]
    assert related and related[0]["positions"] == {"1": 2, "2": 2, "3": 2}
    assert sum(related[0]["shown"].values()) == 6 and SPASMS not in related[0]["shown"]
    search = [e for e in entries if e["type"] == "impressions" and e["list"] == "search"]
    assert search and search[0]["positions"]["1"] == 1
