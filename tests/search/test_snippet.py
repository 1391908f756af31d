"""Snippets: the best window (checked against a brute-force reference), marks and escaping."""

from __future__ import annotations

import html
import random
from itertools import accumulate

import pytest

from relatedposts.search import snippet
from relatedposts.search.snippet import (
    ANALYSED_CACHE,
    MARKER_RE,
    TOKEN_RE,
    _analysed,
    _plain,
    _window,
    ellipsised,
    make_snippet,
)
from relatedposts.text import STOPWORDS, stems


def _best_window(tokens: list[str], hits: list[bool], width: int) -> tuple[int, int]:
    """The window over plain token lists (the snippet itself passes cached offsets)."""
    chars = [0, *accumulate(map(len, tokens))]
    return _window("".join(tokens), chars, [i for i, hit in enumerate(hits) if hit], width)


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


def test_snippet_highlights_query_words_and_escapes_everything_else() -> None:
    text = ("Intro words here. <script>alert(1)</script> Sciatica is leg pain from a "
            "pinched nerve & more. " + "Filler sentence about other things. " * 20)
    html = make_snippet(text, {"sciatica", "pinch"}, width=120)
    assert "<mark>Sciatica</mark>" in html and "<mark>pinched</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&amp;" in html
    assert len(html) < 400 and html.endswith("…")


def test_snippet_marks_and_escapes_with_cached_stems() -> None:
    text = "Sciatica <b>pain</b> runs down the leg; sciatica pain eases."
    first = make_snippet(text, set(stems(["sciatica"])))
    again = make_snippet(text, set(stems(["pain"])))  # same passage, stems from the cache
    assert first.count("<mark>Sciatica</mark>") + first.count("<mark>sciatica</mark>") == 2
    assert again.count("<mark>pain</mark>") == 2 and "&lt;b&gt;" in again and "<b>" not in again


LISTED = ("Go to the emergency department if you notice:\n- Loss of bladder control\n"
          "- Loss of bowel control\n  - Numbness in the groin\n3. Weak legs.\nCall us first.")


def test_a_snippet_across_list_items_keeps_them_apart() -> None:
    html = make_snippet(LISTED, set(stems(["bladder", "bowel"])))
    plain = html.replace("<mark>", "").replace("</mark>", "")
    assert "control Loss" not in plain and "- " not in plain and "\n" not in plain
    assert plain == ("Go to the emergency department if you notice: Loss of bladder control; "
                     "Loss of bowel control; Numbness in the groin; Weak legs. Call us first.")
    assert "<mark>bladder</mark> control; Loss of <mark>bowel</mark>" in html


def test_a_snippet_cut_inside_a_list_has_no_dangling_separator() -> None:
    text = "\n".join(f"- Item {n} about the back" for n in range(40)).replace(
        "Item 20 about the back", "Item 20 about the groin")
    for width in (30, 60, 80, 120):
        html = make_snippet(text, set(stems(["groin"])), width=width)
        assert "<mark>groin</mark>" in html and "\n" not in html and "- " not in html
        assert not html.lstrip("…").startswith(";") and "; …" not in html, html


def test_a_snippet_inside_a_list_starts_at_its_item_not_mid_item() -> None:
    text = ("These nerves also serve the legs, and trouble here is an emergency for you. "
            "Seek care at once if back pain comes with:\n- Numbness in the groin, genitals, "
            "inner thighs or buttocks, often called saddle numbness\n- New difficulty starting "
            "to urinate, or loss of bladder control\n- Loss of bowel control")
    html = make_snippet(text, set(stems(["bladder", "bowel"])), width=160)
    assert html.startswith("…Numbness in the groin"), html
    assert "<mark>bladder</mark> control; Loss of <mark>bowel</mark>" in html


def _joined_reference(text: str, query_stems: set[str], width: int) -> str:
    """The snippet built token by token: each token stemmed and joined, no cached offsets."""
    if "\n" in text:
        text = MARKER_RE.sub(r"\1", text).strip("\n")
    tokens = TOKEN_RE.findall(text)
    lowered = [t.lower() for t in tokens]
    hits = [w[:1].isalnum() and w not in STOPWORDS and stems([w.split("'")[0]])[0] in query_stems
            for w in lowered]
    start, end = _best_window(tokens, hits, width)
    out: list[str] = []
    plain: list[str] = []
    for tok, hit in zip(tokens[start:end], hits[start:end], strict=True):
        if hit:
            out += [_plain("".join(plain), out), f"<mark>{html.escape(tok, quote=True)}</mark>"]
            plain = []
        else:
            plain.append(tok)
    out.append(_plain("".join(plain), out))
    return ellipsised("".join(out), start > 0, end < len(tokens))


@pytest.mark.parametrize("seed", range(60))
def test_the_sliced_snippet_is_the_token_by_token_one(seed: int) -> None:
    rng = random.Random(seed)
    vocab = ["back", "pain", "a", "sciatica", "of", "the", "Loss", "bladder", "bowel", "groin",
             "<b>", "&", "don't", "patient's", "é", "Supercalifragilistic"]
    seps = [" ", " ", " ", "\n", "\n- ", "\n  - ", "\n3. ", "\n\n", "  "]
    text = rng.choice(["", "- ", "1. "]) + "".join(
        rng.choice(vocab) + rng.choice(["", "", ".", ",", ":", "?"]) + rng.choice(seps)
        for _ in range(rng.randint(0, 80)))
    query = set(stems(rng.sample(["back", "pain", "bladder", "bowel", "groin", "patient"],
                                 rng.randint(0, 3))))
    for width in (8, 30, 80, 160, 240):
        assert make_snippet(text, query, width) == _joined_reference(text, query, width)


def test_a_passage_analysis_tiles_its_text_and_keeps_only_matchable_words() -> None:
    found = _analysed("- The patient's back\n- Pain, easing.")
    assert found.shown == "The patient's back\nPain, easing."
    pieces = [found.shown[a:b] for a, b in zip(found.chars, found.chars[1:], strict=False)]
    assert "".join(pieces) == found.shown and pieces == TOKEN_RE.findall(found.shown)
    assert [pieces[i] for i in found.at] == ["patient's", "back", "Pain", "easing"]
    assert found.words == tuple(stems(["patient", "back", "pain", "easing"]))


def test_the_passage_analysis_cache_is_bounded() -> None:
    _analysed.cache_clear()
    try:
        for n in range(ANALYSED_CACHE + 50):
            make_snippet(f"passage number{n} about pain", {"pain"})
        info = _analysed.cache_info()
        assert info.maxsize == ANALYSED_CACHE and info.currsize == ANALYSED_CACHE
    finally:
        _analysed.cache_clear()
        snippet._snippet.cache_clear()


def test_warm_analyses_passages_up_to_the_cache_bound() -> None:
    _analysed.cache_clear()
    try:
        snippet.warm(["Back pain eases.", "Neck pain."])
        assert _analysed.cache_info().currsize == 2
        make_snippet("Back pain eases.", {"pain"})
        assert _analysed.cache_info().hits == 1  # the search found it analysed
        snippet.warm([f"passage {n}" for n in range(ANALYSED_CACHE + 10)])
        assert _analysed.cache_info().currsize == ANALYSED_CACHE
    finally:
        _analysed.cache_clear()
        snippet._snippet.cache_clear()


@pytest.mark.parametrize("body, start, end, expected", [
    (" started to ache", True, False, "…started to ache"),
    ("If it aches", True, False, "…If it aches"),
    (", and then it ached", True, False, "…and then it ached"),
    ("it aches; ", False, True, "it aches…"),
    ("it aches, ", False, True, "it aches…"),
    ("It aches. ", False, True, "It aches. …"),
    (" whole passage ", False, False, "whole passage"),
])
def test_every_cut_is_marked_the_same_way(body: str, start: bool, end: bool,
                                          expected: str) -> None:
    assert ellipsised(body, start, end) == expected


def test_snippets_cut_at_a_space_or_a_word_read_alike() -> None:
    text = " ".join(["filler words here"] * 30) + " If the pain started suddenly, call us. " + \
        " ".join(["more filler text"] * 30)
    for width in (20, 40, 60, 90):
        html = make_snippet(text, set(stems(["pain"])), width=width)
        assert html.startswith("…") and not html.startswith("… "), html
        assert html.endswith("…") and not html[:-1].endswith((" ", ";", ",")) or \
            html.endswith(". …"), html
