"""Courtesy phrases and signatures are dropped, the subject stays; linear on hostile input."""

from __future__ import annotations

import time

from relatedposts.indexing.keywords import words
from relatedposts.search.courtesy import Courtesy


def test_courtesy_phrases_and_signatures_are_dropped_but_the_subject_stays() -> None:
    c = Courtesy.load()
    msg = "Hi doctor, tizanidine: does it make you drowsy? Thank you very much, Mary Smith"
    assert words(c.remove(msg)) == ["doctor", "tizanidine", "make", "drowsy"]
    assert words(c.remove("Dear sir, my back hurts. Kind regards")) == ["back", "hurts"]
    # A closing phrase followed by a real question is not a signature.
    assert "sciatica" in c.remove("Thanks! What helps sciatica at night when lying down?")
    assert c.remove("Thigh pain") == "Thigh pain"  # no partial-word matches ("hi" in thigh)


def test_courtesy_is_linear_on_hostile_input() -> None:
    c = Courtesy.load()
    t0 = time.perf_counter()
    out = c.remove("thank " * 20000 + "(.*)[" * 1000)
    assert time.perf_counter() - t0 < 2.0 and "(.*)[" in out


def test_editor_courtesy_file_extends_the_list(tmp_path) -> None:
    extra = tmp_path / "courtesy.txt"
    extra.write_text("# ours\nnamaste\n")
    assert words(Courtesy.load(extra).remove("Namaste, neck pain")) == ["neck", "pain"]
