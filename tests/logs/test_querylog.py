"""The editors' query log: scrubbed of personal data, off by default, and its report."""

from __future__ import annotations

import json
import threading

import pytest

from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.logs.querylog import QueryLog, read_entries, scrub, summarize
from relatedposts.web.app import create_app


@pytest.mark.parametrize("text, expected", [
    ("email jane.doe+spine@mail.example.co.uk now", "email [email] now"),
    ("JOHN_1975@clinic.example", "[email]"),
    ("call (555) 123-4567 please", "call [phone] please"),
    ("555-123-4567 or 555.123.4567", "[phone] or [phone]"),
    ("+1 555 123 4567", "[phone]"), ("1-800-555-1234", "[phone]"), ("5551234567", "[phone]"),
    ("uk +44 20 7946 0958", "uk [phone]"), ("de +49 (0)30 1234567", "de [phone]"),
    ("fr 0033 1 23 45 67 89", "fr [phone]"),
    ("born 03/14/1975", "born [date]"), ("dob 1975-03-14", "dob [date]"),
    ("14 March 1975", "[date]"), ("March 14, 1975", "[date]"), ("14th of March 1975", "[date]"),
    ("Mar. 14 1975", "[date]"), ("3-14-75", "[date]"), ("14.03.1975", "[date]"),
    ("since March 2019", "since [date]"), ("mri on june 3", "mri on [date]"),
])
def test_scrub_removes_emails_phones_and_dates(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize("text", [
    "L4-L5 disc bulge for 3-4 weeks", "C5 C6 numbness", "lifting 50 lbs at 45",
    "may I exercise in may", "10 000 steps a day", "pain since 2019", "sciatica", "",
])
def test_scrub_keeps_ordinary_queries(text: str) -> None:
    assert scrub(text) == text


def test_log_is_off_unless_configured(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    log = QueryLog("")
    assert not log.enabled
    log.record("my number is 555-123-4567", 3)
    assert list(tmp_path.iterdir()) == []


def test_log_lines_are_scrubbed_json_and_thread_safe(tmp_path) -> None:
    path = tmp_path / "queries.jsonl"
    log = QueryLog(path)

    def write(n: int) -> None:
        for i in range(50):
            log.record(f"back  pain {n}-{i} jane@x.example", i % 3)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = read_entries(path)  # stored in the sibling queries.sqlite3
    assert len(entries) == 400 and all(set(e) == {"time", "query", "results"} for e in entries)
    assert all("@" not in e["query"] and e["query"].endswith("[email]") for e in entries)
    assert entries[0]["time"].endswith("Z") and "  " not in entries[0]["query"]


def test_first_page_searches_are_logged_scrubbed(built, tmp_path) -> None:
    path = tmp_path / "q.jsonl"
    app = create_app(built.replace(query_log=str(path)), embedder=FakeEmbedder())
    client = app.test_client()
    client.get("/api/search", query_string={"q": "sciatica, call me on 555-123-4567"})
    client.get("/api/search?q=sciatica&offset=2")  # the next page of the same search
    client.get("/search?q=zzqx+vvkj")
    client.get("/api/search?q=")  # refused: nothing searched, nothing logged
    entries = read_entries(path)
    assert [e["query"] for e in entries] == ["sciatica, call me on [phone]", "zzqx vvkj"]
    assert entries[0]["results"] > 0 and entries[1]["results"] == 0
    assert not any("555" in e["query"] for e in read_entries(path))
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("q.sqlite3*"))
    assert b"sciatica, call me on [phone]" in stored and b"555" not in stored


def test_summary_counts_frequent_and_unanswered_queries() -> None:
    entries = [{"query": q, "results": r} for q, r in [
        ("Sciatica", 4), ("sciatica ", 4), ("sciatica", 4), ("neck pain", 2),
        ("tailbone pain", 0), ("Tailbone  pain", 0), ("dry needling", 0), ("", 0)]]
    rep = summarize(entries, top=2)
    assert (rep.searches, rep.distinct) == (7, 4)
    assert rep.frequent == [("sciatica", 3), ("tailbone pain", 2)]
    assert rep.unanswered == [("tailbone pain", 2), ("dry needling", 1)]


def test_report_queries_command(runner, tmp_path) -> None:
    path = tmp_path / "q.jsonl"
    lines = [{"time": "t", "query": q, "results": r} for q, r in
             [("sciatica", 3), ("sciatica", 3), ("coccyx pain", 0)]]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines) + "not json\n", "utf-8")
    k1 = {"RELATEDPOSTS_PRIVACY_MIN_VISITORS": "1"}  # legacy rows have no visitor token
    result = runner("report", "--queries", RELATEDPOSTS_QUERY_LOG=str(path), **k1)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "searches logged: 3 (2 distinct queries)" in text
    frequent, unanswered = text.split("found nothing")
    assert "2  sciatica" in frequent and "1  coccyx pain" in frequent
    assert "1  coccyx pain" in unanswered and "sciatica" not in unanswered
    result = runner("report", "--queries", "--json", RELATEDPOSTS_QUERY_LOG=str(path), **k1)
    assert json.loads(result.output)["unanswered"] == [["coccyx pain", 1]]
    result = runner("report", "--queries", RELATEDPOSTS_QUERY_LOG="")
    assert result.exit_code == 1 and "RELATEDPOSTS_QUERY_LOG" in result.output
