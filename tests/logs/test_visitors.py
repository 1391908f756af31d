"""Visitor tokens: one per visitor per day, unlinkable once the day's key is gone."""

from __future__ import annotations

import stat

from relatedposts.logs import visitors
from relatedposts.logs.visitors import FileKeys, VisitorTokens, file_tokens


def test_a_visitor_gets_one_token_a_day_and_others_get_theirs(tmp_path) -> None:
    tokens = file_tokens(tmp_path)
    a = tokens.token("203.0.113.7")
    assert a == tokens.token("203.0.113.7") and len(a) == visitors.TOKEN_HEX
    assert a != tokens.token("203.0.113.8")
    assert "203" not in a and tokens.token(None) is None and tokens.token("") is None


def test_workers_sharing_a_directory_agree_on_the_day_key(tmp_path) -> None:
    # Two processes' VisitorTokens over one INDEX_DIR must hash a visitor alike.
    assert file_tokens(tmp_path).token("198.51.100.1") == \
        file_tokens(tmp_path).token("198.51.100.1")
    (key,) = (tmp_path / "privacy").glob("*.key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_the_next_day_deletes_the_old_key_and_changes_every_token(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(visitors, "today", lambda: "2026-01-01")
    tokens = VisitorTokens(FileKeys(tmp_path))
    before = tokens.token("192.0.2.44")
    monkeypatch.setattr(visitors, "today", lambda: "2026-01-02")
    after = tokens.token("192.0.2.44")
    assert before != after
    assert [p.name for p in tmp_path.glob("*.key")] == ["2026-01-02.key"]
