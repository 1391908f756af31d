"""`build` and `rollback` on the command line: JSON reports and exit codes."""

from __future__ import annotations

import json

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.versions import current_version
from relatedposts.ingest.store import write_record
from tests.localsite import live, run_cli
from tests.support import TINY


def test_build_json_reports_the_new_live_version(settings, runner) -> None:
    settings.corpus_dir.mkdir(parents=True)
    for article in TINY:
        write_record(settings.corpus_dir, article, article.url)
    result = runner("build", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["version_dir"] == str(current_version(settings.index_dir))
    assert (report["articles"], report["model"], report["dim"]) == (7, "fake-hash-64", 64)
    assert report["embedded"] + report["reused"] == report["chunks"] > 7
    assert set(report["seconds"]) >= {"chunk", "embed", "index", "write", "verify"}
    again = json.loads(runner("build", "--json").output)
    assert again["reused"] == again["chunks"] and again["embedded"] == 0


def test_cli_build_exits_3_when_the_gate_refuses(settings) -> None:
    settings.corpus_dir.mkdir(parents=True)
    for a in TINY:
        write_record(settings.corpus_dir, a, a.url)
    assert run_cli(settings, "build").exit_code == 0
    before = live(settings)
    for path in sorted(settings.corpus_dir.glob("*.json"))[:3]:
        path.unlink()
    result = run_cli(settings, "build", "--quiet")
    assert result.exit_code == 3 and "failed verification" in result.output
    assert "dropped from 7 to 4" in result.output and live(settings) == before
    assert run_cli(settings, "build", "--force").exit_code == 0 and live(settings) != before


def test_rollback_goes_back_through_what_was_live_then_refuses(settings) -> None:
    v1 = build_index(TINY, FakeEmbedder(), settings).version_dir
    v2 = build_index(TINY[:6], FakeEmbedder(), settings).version_dir
    result = run_cli(settings, "rollback")
    assert result.exit_code == 0 and f"{v1.name} is live again" in result.output
    assert live(settings) == v1
    v3 = build_index(TINY[1:], FakeEmbedder(), settings).version_dir
    assert live(settings) == v3 and v2.is_dir()
    assert run_cli(settings, "rollback").exit_code == 0 and live(settings) == v1  # not v2
    result = run_cli(settings, "rollback")
    assert result.exit_code == 1 and "no previous version to roll back to" in result.output
    assert live(settings) == v1
    log = (settings.index_dir / "rebuild.log").read_text()
    assert "no previous version" in log and log[:2] == "20"  # timestamped lines


def test_rollback_skips_a_damaged_version(settings) -> None:
    v1 = build_index(TINY, FakeEmbedder(), settings).version_dir
    build_index(TINY, FakeEmbedder(), settings)
    (v1 / "chunks.faiss").write_bytes(b"broken")
    result = run_cli(settings, "rollback")
    assert result.exit_code == 1 and "corrupt or truncated" in result.output


def test_export_static_writes_then_leaves_files_alone(built, runner, tmp_path) -> None:
    out = tmp_path / "site"
    first = runner("export", "--static", str(out), "--json")
    assert len(json.loads(first.output)["written"]) == 2 * len(TINY)
    again = json.loads(runner("export", "--static", str(out), "--json").output)
    assert again["written"] == [] and again["unchanged"] == 2 * len(TINY)
    assert (out / "blog/sciatica/related.html").read_text().startswith('<section class="rp-block">')
