"""Reasons: each related post says what it shares with the article."""

from __future__ import annotations

from relatedposts.indexing.reasons import SIMILAR, reason
from relatedposts.models import Article, Section
from tests.support import URL


def test_reasons_name_what_is_shared(client) -> None:
    body = client.get(f"/api/related?url={URL.format('sciatica')}").get_json()
    stenosis = next(r for r in body["results"] if r["url"] == URL.format("stenosis"))
    assert stenosis["reason"] == "Also about leg pain"
    assert all(r["reason"] for r in body["results"])


def _post(slug: str, title: str, text: str, tags: tuple[str, ...] = ()) -> Article:
    return Article(url=URL.format(slug), title=title, tags=tags, sections=(Section("", text),))


def test_a_word_used_once_in_passing_is_not_what_two_posts_share() -> None:
    # Issue 22: a tailbone article naming childbirth as a cause got "Also about baby".
    tail = _post("tailbone", "Tailbone Pain", "Tailbone pain often follows a fall, or "
                 "childbirth: delivering a baby can bruise the coccyx. A wedge cushion helps "
                 "the tailbone.")
    pregnancy = _post("pregnancy", "Back Pain During Pregnancy", "As the baby grows the "
                      "pelvis loosens. After the baby arrives, a pelvic belt and gentle "
                      "exercise help the baby's mother.", tags=("pregnancy",))
    terms = ["tailbone", "coccyx", "baby", "childbirth"]
    line = reason(tail, pregnancy, terms, ["pregnancy", "baby", "pelvis"], SIMILAR)
    assert "baby" not in line and line == "On a similar topic"


def test_a_word_both_posts_are_about_is_named() -> None:
    a = _post("a", "Sciatica", "Sciatica runs down the leg. Sciatica often eases.")
    b = _post("b", "Leg pain", "Sciatica is one cause of leg pain; sciatica from a disc. "
              "A disc can press on a nerve.")
    assert reason(a, b, ["sciatica", "leg"], ["sciatica", "disc"], SIMILAR) == \
        "Also about sciatica"
    # In the title of one and used twice in the other: both are about it.
    c = _post("c", "Disc problems", "A disc can bulge.")
    assert reason(c, b, ["disc", "bulge"], ["sciatica", "disc"], SIMILAR) == "Also about disc"


def test_a_word_only_the_bodies_repeat_or_a_generic_title_word_is_not_named() -> None:
    # The second sample site's lists said "Also about first", "without" and "quick".
    visit = _post("visit", "Your First Physical Therapy Visit", "On the first visit we walk "
                  "through stretches; walking daily helps, and walk breaks too.")
    strain = _post("strain", "Ice in the first day after a strain", "In the first hours ice "
                   "the strain; walking gently helps, and a short walk.")
    line = reason(visit, strain, ["first", "walking", "walk"], ["first", "strain", "walking"],
                  SIMILAR)
    assert line == "On a similar topic"  # "first" is generic; "walking" is in no title
    cycling = _post("cycling", "Cycling Without Neck Pain", "Ride without strain; set the "
                    "bars without a reach. Walking, and walking breaks, help neck pain.")
    walking = _post("walking", "Walking for a Healthy Neck", "Walking, and a daily walk, "
                    "without hurry: walking eases neck stiffness. Walk tall.")
    line = reason(cycling, walking, ["without", "walking", "walk", "neck"],
                  ["walking", "walk", "without", "neck"], SIMILAR)
    assert line == "Also about walking and neck"  # one stem once; never "without"
