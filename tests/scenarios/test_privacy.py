"""Privacy end to end: corpus messages searched through the app never reach a stored byte,
a report, the console or a log line; a query is shown only once k visitors asked it."""

from __future__ import annotations

import json
import logging
import re

from click.testing import CliRunner

from relatedposts.cli import main
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.logs.background import flush_all
from relatedposts.logs.scrub import normalize
from relatedposts.quality.privacy import load_corpus
from relatedposts.web.app import create_app
from tests.support import ROOT

CORPUS = load_corpus(ROOT / "tests" / "fixtures" / "privacy" / "messages.jsonl")
TOKEN = "t" * 32


def _identifiers() -> set[str]:
    return {normalize(i["value"]) for m in CORPUS for i in m["identifiers"]}


def _found(identifier: str, text: str) -> bool:
    """Return whether the identifier is in text as whole words ("Tom", not "Tommy John")."""
    return re.search(rf"(?<![^\W_]){re.escape(identifier)}(?![^\W_])", text) is not None


def test_no_identifier_reaches_the_database_reports_or_console(built, monkeypatch) -> None:
    s = built.replace(admin_token=TOKEN, privacy_min_visitors=1)  # k=1: show everything
    client = create_app(s, embedder=FakeEmbedder()).test_client()
    for n, message in enumerate(CORPUS):
        env = {"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250 + 1}"}
        assert client.get("/api/search", query_string={"q": message["text"]},
                          environ_base=env).status_code == 200
    flush_all()  # searches are stored by the query log's writer thread, after the answer
    raw = b"".join(p.read_bytes() for p in built.index_dir.glob("queries.sqlite3*"))
    assert len(raw) > 10_000 and b"10.0.0.1" not in raw
    stored = raw.decode("utf-8", "replace")
    assert [i for i in _identifiers() if _found(i, stored)] == []
    monkeypatch.setenv("RELATEDPOSTS_INDEX_DIR", str(built.index_dir))
    monkeypatch.setenv("RELATEDPOSTS_PRIVACY_MIN_VISITORS", "1")
    outputs = [CliRunner().invoke(main, ["report", "--queries", "--json"]).output,
               CliRunner().invoke(main, ["--fake-embedder", "report", "--gaps", "--json"]).output,
               client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
                   as_text=True)]
    assert json.loads(outputs[0])["searches"] == len(CORPUS)
    for out in outputs:
        assert [i for i in _identifiers() if _found(i, out)] == []
    assert "[name]" in outputs[0] and "[address]" in outputs[0]


def test_a_query_is_shown_only_once_k_visitors_asked_it(built, monkeypatch) -> None:
    s = built.replace(admin_token=TOKEN)  # the default k = 3
    assert s.privacy_min_visitors == 3
    client = create_app(s, embedder=FakeEmbedder()).test_client()
    for _ in range(5):  # one visitor asking five times is still one visitor
        client.get("/api/search?q=zzqx+vvkj+rare", environ_base={"REMOTE_ADDR": "192.0.2.1"})
    client.get("/api/search?q=zzqx+vvkj+rare", environ_base={"REMOTE_ADDR": "192.0.2.2"})
    monkeypatch.setenv("RELATEDPOSTS_INDEX_DIR", str(built.index_dir))
    report = CliRunner().invoke(main, ["report", "--queries"]).output
    page = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
        as_text=True)
    assert "searches logged: 6" in report and "zzqx" not in report and "zzqx" not in page
    client.get("/api/search?q=ZZQX  vvkj rare", environ_base={"REMOTE_ADDR": "192.0.2.3"})
    report = CliRunner().invoke(main, ["report", "--queries"]).output
    assert "7  zzqx vvkj rare" in report
    gaps = CliRunner().invoke(main, ["--fake-embedder", "report", "--gaps"]).output
    assert "zzqx" in gaps


def test_no_query_text_in_the_services_log_lines(built, caplog) -> None:
    client = create_app(built.replace(query_timeout_seconds=0.0),
                        embedder=FakeEmbedder()).test_client()
    caplog.set_level(logging.DEBUG)
    text = "Hi, I am Mary Smith from 12 Oak Street, my back hurts"
    assert client.get("/api/search", query_string={"q": text}).status_code == 200
    assert client.get("/search", query_string={"q": text}).status_code == 200
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Mary" not in logged and "Smith" not in logged and "Oak Street" not in logged


def test_query_logging_off_stores_nothing(built) -> None:
    client = create_app(built.replace(log_queries=False), embedder=FakeEmbedder()).test_client()
    client.get("/api/search?q=sciatica")
    assert not list(built.index_dir.glob("queries.sqlite3*"))
