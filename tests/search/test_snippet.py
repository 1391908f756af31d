"""The lookup and snippet fast paths (issue 14) give the answers the slow ones gave."""

from __future__ import annotations

import json
import random

import pytest

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.live import service as service_mod
from relatedposts.live.service import Service
from relatedposts.models import related_to_dict
from relatedposts.search.snippet import TOKEN_RE, _best_window, make_snippet
from relatedposts.web.app import create_app, get_service
from tests.support import TINY


def _reference_window(tokens: list[str], hits: list[bool], width: int) -> tuple[int, int]:
    """Brute force: the first start whose window of at most width characters has most hits."""
    best = (-1, 0, 0)
    for start in range(len(tokens)):
        end, chars = start, 0
        while end < len(tokens) and chars + len(tokens[end]) <= width:
            chars += len(tokens[end])
            end += 1
        count = sum(hits[start:end])
        if count > best[0]:
            best = (count, start, end)
    return best[1], best[2]


@pytest.mark.parametrize("seed", range(40))
def test_the_window_holds_as_many_hits_as_the_best_possible_window(seed: int) -> None:
    rng = random.Random(seed)
    words = ["back", "pain", "a", "sciatica", "of", "the", "nerve", "Supercalifragilistic"]
    text = " ".join(rng.choice(words) + rng.choice(["", "", ".", ","])
                    for _ in range(rng.randint(0, 120)))
    tokens = TOKEN_RE.findall(text)
    hits = [rng.random() < 0.15 for _ in tokens]
    width = rng.choice([8, 30, 60, 240])
    start, end = _best_window(tokens, hits, width)
    ref_start, ref_end = _reference_window(tokens, hits, width)
    assert sum(hits[start:end]) >= sum(hits[ref_start:ref_end])
    if tokens:
        assert 0 <= start < end <= len(tokens)
        # Moved back at most 6 tokens to a sentence start, so at most that much wider.
        assert sum(len(t) for t in tokens[start:end]) <= width + sum(
            len(t) for t in tokens[start:start + 6]) or end - start == 1


def test_a_snippet_marks_the_query_words_inside_the_width() -> None:
    text = ("Filler words come first here. " * 12 + "Sciatica is pain along the sciatic "
            "nerve. " + "More filler after that point. " * 12)
    html = make_snippet(text, {"sciatica", "sciatic"}, width=120)
    assert "<mark>Sciatica</mark>" in html and "<mark>sciatic</mark>" in html
    assert len(html.replace("<mark>", "").replace("</mark>", "")) <= 120 + 40


def test_an_empty_passage_gives_an_empty_snippet() -> None:
    assert make_snippet("", {"pain"}) == ""


def test_related_lists_are_built_once_per_article_and_limit(built, monkeypatch) -> None:
    service = Service(built)
    service.reload()
    _, five = service.related(TINY[0].url, 5)
    _, three = service.related(TINY[0].url, 3)
    assert [p.url for p in three] == [p.url for p in five][:3]
    calls: list[int] = []
    real = service_mod._related_posts
    monkeypatch.setattr(service_mod, "_related_posts",
                        lambda data, pos, limit: calls.append(pos) or real(data, pos, limit))
    assert service.related(TINY[0].url, 5)[1] == five  # memoized: not rebuilt
    assert calls == []
    five.clear()  # a caller changing its list must not change the memo
    assert len(service.related(TINY[0].url, 5)[1]) == 5


def test_the_related_memo_is_bounded_and_belongs_to_one_version(built, monkeypatch) -> None:
    monkeypatch.setattr(service_mod, "RELATED_MEMO", 2)
    service = Service(built)
    service.reload()
    for article in TINY:
        service.related(article.url, 4)
        assert len(service.live.related_memo) <= 2
    build_index(TINY[1:], FakeEmbedder(), built)  # a new version without the first post
    service.reload()
    assert service.live.related_memo == {}  # the old version's lists are not served
    _, posts = service.related(TINY[1].url, 4)
    assert TINY[0].url not in {p.url for p in posts}


def test_a_related_response_is_serialized_once_per_version_and_stays_exact(built) -> None:
    app = create_app(built, embedder=FakeEmbedder())
    client = app.test_client()
    url = f"/api/related?url={TINY[0].url}&limit=3"
    first, again = client.get(url), client.get(url)
    service = get_service(app)
    article, posts = service.related(TINY[0].url, 3)
    assert first.data == again.data == (json.dumps(related_to_dict(article, posts)) + "\n").encode()
    assert first.headers["ETag"] == again.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    build_index(TINY[1:], FakeEmbedder(), built)  # a new version: a new body and ETag
    service.reload()
    fresh = client.get(f"/api/related?url={TINY[1].url}&limit=3")
    stale = client.get(url)
    assert stale.status_code == 404  # the first post is gone from the new version
    assert fresh.headers["ETag"] != first.headers["ETag"]
    assert TINY[0].url not in fresh.get_data(as_text=True)
