"""Body regions: a title naming only another part of the body than the question gets no lift."""

from __future__ import annotations

import numpy as np
import pytest

from relatedposts.indexing.keywords import KeywordIndex
from relatedposts.search.attributes import (
    AttributeScorer,
    BodyRegions,
    body_regions,
    compound_parts,
    field_terms,
    load_regions,
)
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


DOCS = ["Kneecap pain. The kneecap slides over the knee; a cap of bone.",
        "Low back pain. Back pain after lifting; the back hurts and the pain lingers.",
        "Imaging. An x-ray shows bone; a second X-ray after surgery.",
        "Sciatica. Leg pain from the sciatic nerve."]


def test_a_title_compound_is_named_by_its_joined_or_split_spelling() -> None:
    kw = KeywordIndex.build(DOCS + ["Knee cap basics. The knee and the cap."])
    assert field_terms("Knee Cap Pain") == ["knee", "cap", "pain"]
    assert field_terms("") == []
    scorer = AttributeScorer(kw, ["Kneecap pain", "Low back pain", "X-ray", "Sciatica",
                                  "Knee cap basics"])
    assert compound_parts("Knee cap basics", kw.compounds) == {"kneecap": ("knee", "cap")}
    # "kneecap" names all of "Knee cap basics" except "basics"; "x ray" names the X-ray title.
    named = scorer.titles(frozenset({"kneecap"}), coverage=1.0)
    assert named[4] > 0.5 and named[0] > 0.5
    assert scorer.titles(frozenset({"x", "ray", "xray"}), coverage=1.0)[2] == pytest.approx(1.0)


def test_title_signal_is_idf_weighted_and_not_diluted_by_long_messages() -> None:
    kw = KeywordIndex.build(DOCS)
    scorer = AttributeScorer(kw, ["Kneecap pain", "Low back pain", "Imaging", "Sciatica"])
    for coverage in (0.0, 0.25, 1.0):
        short = scorer.titles(frozenset({"kneecap"}), coverage)
        long = scorer.titles(frozenset({"kneecap", "drowsi", "blood", "pressur"}), coverage)
        assert np.allclose(short, long)
    # "pain" is in two documents, "kneecap" in one: naming the rare word covers more.
    share = scorer.titles(frozenset({"kneecap"}), coverage=1.0)
    assert 0.5 < share[0] < 1.0 and share[1] == 0.0
    assert scorer.titles(frozenset({"kneecap", "pain"}), 1.0)[0] == pytest.approx(1.0)
    # Subject: the title naming the most of the query beats one naming only "pain".
    subject = scorer.titles(frozenset({"back", "pain"}), coverage=0.0)
    assert subject[1] == pytest.approx(1.0) and 0 < subject[0] < 1.0
    assert scorer.titles(frozenset(), 0.25).max() == 0.0
    headings = scorer.headings({1: "Low back pain", 2: ""}, frozenset({"back"}), 1.0)
    assert headings[1] > 0 and headings[2] == 0.0 and headings[0] == 0.0


def test_leg_symptoms_point_to_the_lumbar_titles_and_arm_symptoms_to_the_neck() -> None:
    from relatedposts.search.attributes import spine_levels

    regions = BodyRegions(TITLES, body_regions(), spine_levels())
    lift = [bool(x) for x in regions.symptom_lift(stems(words("pinched nerve down my leg")))]
    assert lift == [False, True, False, False, False]  # "Sciatica", not "Neck"
    arm = stems(words("tingling down my arm into my fingers"))
    assert [bool(x) for x in regions.symptom_lift(arm)] == [True, False, False, False, False]
    # An arm symptom is the neck's: "Pinched Nerve in the Neck" is no conflict for it.
    assert not regions.conflicts(arm)[0]
    assert not regions.symptom_lift(stems(words("sciatica treatment options"))).any()


def test_pain_between_the_shoulder_blades_points_to_the_neck_titles() -> None:
    from relatedposts.search.attributes import spine_levels

    titles = TITLES + ["Is Your SI Joint the Real Source of Your Low Back Pain?"]
    regions = BodyRegions(titles, body_regions(), spine_levels())
    for query in ("pain between my shoulder blades", "upper back pain from my desk"):
        terms = stems(words(query))
        lift = [bool(x) for x in regions.symptom_lift(terms)]
        assert lift == [True] + [False] * (len(titles) - 1), query  # the neck title only
        assert not regions.conflicts(terms)[0], query


def test_every_way_of_saying_it_hurts_is_one_pain_term_for_the_titles() -> None:
    # "my leg hurts" lifted "Why Does My Back Hurt More at Night?" above the sciatica
    # article on "hurt", a word rare in titles: as a pain word it weighs as little as "pain".
    kw = KeywordIndex.build(["sciatica sends pain down the leg", "back pain at night hurts",
                             "pain when you lift", "leg cramps at night"] * 2)
    titles = ["3 Conditions That Can Cause Sciatica", "Why Does My Back Hurt More at Night?",
              "Lifting Without Pain"]
    scorer = AttributeScorer(kw, titles)
    assert field_terms(titles[1]) == ["back", "pain", "night"]
    hurts = scorer.titles(frozenset(stems(["leg", "hurts"])), 0.25)
    pain = scorer.titles(frozenset(stems(["leg", "pain"])), 0.25)
    assert np.allclose(hurts, pain)
    # A title saying "Hurt" scores as the same title saying "Pain" would.
    said_pain = AttributeScorer(kw, [titles[0], "Why Does My Back Pain More at Night?",
                                     titles[2]]).titles(frozenset(stems(["leg", "hurts"])), 0.25)
    assert np.allclose(hurts, said_pain)
