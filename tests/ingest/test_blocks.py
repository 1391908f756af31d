"""The body as blocks: list items typed, numbered and nested; paragraphs as before."""

from __future__ import annotations

from bs4 import BeautifulSoup

from relatedposts.ingest.blocks import Block, blocks


def _blocks(html: str) -> list[Block]:
    return blocks(BeautifulSoup(f"<div>{html}</div>", "lxml").div)


def test_items_are_typed_and_paragraphs_stay_paragraphs() -> None:
    assert _blocks("<p>Watch for:</p><ul><li>Fever</li><li><b>Numb</b> groin</li></ul>") == [
        Block("para", "Watch for:"), Block("item", "Fever"), Block("item", "Numb groin")]


def test_ordered_lists_number_their_items_from_start() -> None:
    got = _blocks("<ol start='4'><li>Stand</li><li>Bend</li></ol><ol><li>One</li></ol>")
    assert [(b.text, b.number) for b in got] == [("Stand", 4), ("Bend", 5), ("One", 1)]


def test_nested_items_are_deeper_and_text_after_a_sublist_is_its_own_line() -> None:
    got = _blocks("<ul><li>Rest<ul><li>a day</li></ul>then walk</li></ul>")
    assert [(b.text, b.depth) for b in got] == [("Rest", 0), ("a day", 1), ("then walk", 0)]


def test_paragraphs_inside_one_item_join_it() -> None:
    got = _blocks("<ol><li><p>Lie down.</p><p>Bend one knee.</p></li><li>Hold</li></ol>")
    assert [(b.text, b.number) for b in got] == [("Lie down. Bend one knee.", 1), ("Hold", 2)]


def test_a_bold_item_is_an_item_not_a_heading() -> None:
    assert _blocks("<ul><li><strong>Ice</strong></li><li>Heat</li></ul>")[0].kind == "item"


def test_link_items_are_dropped_as_before() -> None:
    assert _blocks("<ul><li><a href='/a'>Another post</a></li><li>Rest</li></ul>") == [
        Block("item", "Rest")]


def test_a_table_row_of_cells_still_joins_but_a_list_in_a_cell_does_not() -> None:
    assert _blocks("<table><tr><td>Wall sit</td><td>3 x 30 s</td></tr></table>") == [
        Block("para", "Wall sit | 3 x 30 s")]
    assert [b.kind for b in _blocks("<table><tr><td>Do</td><td><ul><li>a</li><li>b</li>"
                                    "</ul></td></tr></table>")] == ["para", "item", "item"]
