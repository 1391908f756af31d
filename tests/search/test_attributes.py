"""Body regions: a title naming only another part of the body than the question gets no lift."""

from __future__ import annotations

from relatedposts.search.attributes import BodyRegions, body_regions, load_regions
from relatedposts.text import stems, words

TITLES = ["Pinched Nerve in the Neck", "3 Conditions That Can Cause Sciatica",
          "Knee and Leg Pain After Running", "Back Pain Basics", "Rotator Cuff Tears"]


def _conflicts(query: str) -> list[bool]:
    regions = BodyRegions(TITLES, body_regions())
    return [bool(x) for x in regions.conflicts(stems(words(query)))]


def test_a_title_naming_another_region_is_excluded() -> None:
    assert _conflicts("pinched nerve down my leg") == [True, False, False, False, True]


def test_a_title_naming_the_asked_region_among_others_is_kept() -> None:
    assert _conflicts("sore knee") == [True, False, False, False, True]
    assert _conflicts("stiff neck and shoulder") == [False, False, True, False, False]


def test_a_question_naming_no_region_excludes_nothing() -> None:
    assert _conflicts("sciatica treatment options") == [False] * len(TITLES)
    assert _conflicts("back pain") == [False] * len(TITLES)  # "back" is every region's


def test_two_word_region_names_count() -> None:
    assert _conflicts("my rotator cuff hurts") == [True, False, True, False, False]
    assert _conflicts("cuff") == [False] * len(TITLES)  # one word of the pair is not enough


def test_the_region_file_parses_comments_and_blank_lines() -> None:
    assert load_regions("# note\n\nneck | cervical  # why\n|\n") == [["neck", "cervical"]]
    assert any("neck" in group for group in body_regions())
