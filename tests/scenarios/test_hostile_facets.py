"""Hostile facet values: a tag nobody wrote, markup, RTL, huge values, bad dates."""

from __future__ import annotations

import pytest

from tests.support import json_error


@pytest.mark.parametrize("tag", ["no-such-tag", "<script>alert(1)</script>", "\u202eniap",
                                 "../../etc/passwd", "x" * 2000, "leg pain\u0301" * 50])
def test_a_value_that_is_not_a_tag_is_an_honest_empty_page(client, tag: str) -> None:
    body = client.get("/api/search", query_string={"q": "pain", "tag": tag}).get_json()
    assert body["total"] == 0 and body["results"] == [] and "match" not in body
    assert body["facets"] == {"tag": [], "year": []}
    page = client.get("/search", query_string={"q": "pain", "tag": tag})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="filtered-empty"' in html
    assert "<script>alert" not in html and 'class="results"' not in html


def test_bad_year_range_is_a_clear_400(client) -> None:
    assert "from" in json_error(client.get("/api/search?q=pain&from=2024"), 400)
    page = client.get("/search?q=pain&to=2024-13-01")
    assert page.status_code == 400 and "YYYY-MM-DD" in page.get_data(as_text=True)
