"""`relatedposts privacy` names the real files, the retention, the k threshold, and says off."""

from __future__ import annotations

import json

from relatedposts.cli.privacy_cmd import statement


def test_privacy_command_names_paths_retention_and_k(runner, settings) -> None:
    result = runner("privacy", RELATEDPOSTS_LOG_RETENTION_DAYS="30",
                    RELATEDPOSTS_PRIVACY_MIN_VISITORS="5")
    assert result.exit_code == 0, result.output
    database = str(settings.index_dir / "queries.sqlite3")
    assert database in result.output and "30 days" in result.output
    assert "5 distinct visitors" in result.output and "IP addresses" in result.output
    body = json.loads(runner("privacy", "--json").output)
    assert body["query_logging"] is True and body["shown_after_visitors"] == 3
    assert body["stored"][0]["where"] == database
    assert str(settings.index_dir / "privacy") in {s["where"] for s in body["stored"]}


def test_privacy_command_says_when_query_logging_is_off(runner, settings) -> None:
    body = json.loads(runner("privacy", "--json", RELATEDPOSTS_LOG_QUERIES="false").output)
    assert body["query_logging"] is False
    assert not any("searches" in s["what"] for s in body["stored"])
    assert statement(settings.replace(query_log=""))["query_logging"] is False
