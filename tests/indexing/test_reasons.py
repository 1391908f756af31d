"""Reasons: each related post says what it shares with the article."""

from __future__ import annotations

from tests.support import URL


def test_reasons_name_what_is_shared(client) -> None:
    body = client.get(f"/api/related?url={URL.format('sciatica')}").get_json()
    stenosis = next(r for r in body["results"] if r["url"] == URL.format("stenosis"))
    assert stenosis["reason"] == "Also about leg pain"
    assert all(r["reason"] for r in body["results"])
