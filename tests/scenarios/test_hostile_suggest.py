"""Hostile completions: huge prefixes, RTL and combining-mark floods, a visitor's burst."""

from __future__ import annotations

import pytest

from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.web.app import create_app
from tests.support import json_error


def test_a_1000_character_prefix_is_a_clear_400(client) -> None:
    # Refused rather than cut: a truncated prefix would complete some other text.
    message = json_error(client.get("/api/suggest", query_string={"q": "s" * 1000}), 400)
    assert "at most 100 characters" in message
    assert client.get("/api/suggest", query_string={"q": "s" * 100}).status_code == 200


@pytest.mark.parametrize("prefix", [
    "\u202e" * 99 + "s",  # right-to-left override flood
    "\u200f\u05e9\u05dc\u05d5\u05dd " * 14,  # Hebrew with RTL marks
    "\u0627\u0644\u0638\u0647\u0631 " * 16,  # Arabic
    "s" + "\u0301" * 99,  # combining-mark flood (zalgo)
    "\u0301" * 100,
    "\U0001F600" * 100,
    "\x00\x01\x7f" * 30,
])
def test_floods_answer_a_json_list(client, prefix: str) -> None:
    resp = client.get("/api/suggest", query_string={"q": prefix})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["query"] == prefix and isinstance(body["suggestions"], list)


def test_rtl_marks_around_a_word_still_complete_it(client) -> None:
    body = client.get("/api/suggest", query_string={"q": "\u200f\u202bsci\u202c"}).get_json()
    assert body["suggestions"][0]["text"] == "Sciatica and leg pain"


def test_100_calls_a_second_from_one_visitor_hit_the_budget(built) -> None:
    app = create_app(built.replace(suggest_rate_limit="10/second;600/minute"),
                     embedder=FakeEmbedder())
    client = app.test_client()
    statuses = [client.get(f"/api/suggest?q=s{i % 5}").status_code for i in range(100)]
    assert statuses[:10] == [200] * 10
    assert statuses.count(429) >= 50  # the rest of the second is refused (a slow box: most)
    resp = client.get("/api/suggest?q=sc")
    assert "too many completions" in json_error(resp, 429)
    assert int(resp.headers["Retry-After"]) >= 1
    other = client.get("/api/suggest?q=sc", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 200  # one visitor's burst is only theirs
    assert client.get("/api/search?q=back").status_code == 200  # searches: another budget
