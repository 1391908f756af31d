"""Derived related-post labels: the question-form stripper, co-relevance, grades, the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relatedposts.errors import BadRequest
from relatedposts.quality.related_labels import (
    co_relevance,
    derive_labels,
    focus_keys,
    load_graded,
    same_focus_pairs,
    strip_form,
)


def test_question_forms_of_one_condition_share_a_focus() -> None:
    titles = {"s": "What are the symptoms of Glaucoma?", "d": "How is glaucoma diagnosed?",
              "c": "What causes Glaucoma?", "t": "Glaucoma (Treatment)",
              "h": "How to diagnose Glaucoma?", "y": "What are the symptoms of Asthma?"}
    pairs = same_focus_pairs(titles)
    assert ("d", "s") in pairs and ("c", "h") in pairs and ("s", "t") in pairs
    assert not any("y" in pair for pair in pairs)  # same question form, other condition
    assert strip_form("What are the symptoms of Glaucoma?") == "glaucoma"


def test_the_stripper_keeps_what_names_the_condition() -> None:
    assert strip_form("Who is at risk for Diabetes??") == "diabete"
    assert strip_form("Do you have information about Kidney Stones") == "kidney stone"
    assert strip_form("Heart attack - what to ask your doctor") == "heart attack"
    assert strip_form("Vascular dementia") != strip_form("What is Dementia?")
    # A bracket counts only when it is itself a question form; a section name is dropped.
    assert focus_keys("Asthma (How is asthma treated?)") == {"asthma"}
    assert focus_keys("Celiac disease - sprue (Exams and Tests)") == {"celiac disease sprue"}
    assert focus_keys("IMH » Seasonal Affective Disorder") == {"seasonal affective disorder"}


def test_co_relevance_counts_questions_judged_two_or_more() -> None:
    qrels = {"q1": {"a": 3, "b": 2, "c": 1}, "q2": {"a": 2, "b": 3}, "q3": {"c": 3, "d": 2}}
    assert co_relevance(qrels) == {("a", "b"): 2, ("c", "d"): 1}


def test_grades_combine_shared_questions_and_same_focus() -> None:
    titles = {"a": "What is Gout?", "b": "Gout (Treatment)", "c": "Kidney stones",
              "d": "What causes Kidney stones?", "e": "Back pain", "f": "Neck pain"}
    qrels = {"q1": {"a": 2, "b": 2}, "q2": {"e": 3, "f": 2}, "q3": {"e": 1, "c": 3}}
    labels = derive_labels(titles, qrels)
    assert labels["a"] == {"b": 3}  # same focus (2) and one shared question (1)
    assert labels["c"] == {"d": 2} and labels["d"] == {"c": 2}  # same focus only
    assert labels["e"] == {"f": 1}  # one shared question only; grade 1 judgments ignored


def test_graded_and_plain_label_files_load(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"a": ["b", "c"], "d": {"e": 3}}))
    assert load_graded(path) == {"a": {"b": 1, "c": 1}, "d": {"e": 3}}
    path.write_text(json.dumps({"a": "b"}))
    with pytest.raises(BadRequest):
        load_graded(path)
