"""The stored list format: item lines, what counts as a list, flattening and HTML."""

from __future__ import annotations

from relatedposts.lists import (
    MAX_DEPTH,
    Item,
    flatten,
    item_line,
    list_items,
    render_list,
    separator,
    unmarked,
)
from relatedposts.models import Article, Section


def test_item_lines_round_trip_with_depth_and_number() -> None:
    lines = [item_line("Rest", 0), item_line("Ice", 1), item_line("First", 0, 3)]
    assert lines == ["- Rest", "  - Ice", "3. First"]
    assert list_items("\n".join(lines)) == [Item("Rest"), Item("Ice", 1), Item("First", 0, 3)]


def test_depth_is_capped() -> None:
    assert item_line("deep", 500) == "  " * MAX_DEPTH + "- deep"


def test_one_line_or_mixed_text_is_not_a_list() -> None:
    assert list_items("- a need to urinate - difficulty starting") == []
    assert list_items("1. Rest is fine.") == []
    assert list_items("- Rest\nthen walk") == []
    assert list_items("- Rest", single=True) == [Item("Rest")]


def test_flatten_and_separator_keep_items_apart() -> None:
    assert flatten("- Loss of bladder control\n- Loss of bowel control") == (
        "Loss of bladder control; Loss of bowel control")
    assert flatten("- Stand close.\n- Bend the knees") == "Stand close. Bend the knees"
    assert flatten("plain text") == "plain text"
    assert separator("you notice:") == " " and separator("control") == "; "
    assert unmarked("  12. Walk") == "Walk" and unmarked("Walk - far") == "Walk - far"


def test_render_list_nests_escapes_and_numbers() -> None:
    items = [Item("<b>a</b>"), Item("b", 1), Item("c", 3), Item("d")]
    # A jump of three levels goes one deeper than the item before it.
    assert render_list(items) == ("<ul><li>&lt;b&gt;a&lt;/b&gt;<ul><li>b<ul><li>c</li></ul>"
                                  "</li></ul></li><li>d</li></ul>")
    assert render_list([Item("x", 0, 3), Item("y", 0, 4)]) == (
        '<ol start="3"><li>x</li><li>y</li></ol>')


def test_render_list_is_flat_work_for_deep_lists() -> None:
    html = render_list([Item("x", d) for d in range(MAX_DEPTH + 1)] * 2000)
    assert html.count("<li>") == 2000 * (MAX_DEPTH + 1)
    assert html.count("<ul>") == html.count("</ul>")


def test_an_articles_word_count_does_not_count_list_markers() -> None:
    text = "Watch for:\n\n- Fever\n- Numb groin"
    article = Article("https://c.example/a", "T", (Section("", text),))
    assert article.word_count == 5
