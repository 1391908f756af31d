"""Text analysis: words, stems, the article document and TF-IDF."""

from __future__ import annotations

import numpy as np
import pytest

from relatedposts.models import Section
from relatedposts.text import article_document, stems, tfidf_matrix, top_terms, words
from tests.support import make_article


def test_words_drop_stopwords_and_possessives_and_stems_share_roots() -> None:
    assert words("The patient’s Sciatica is hurting") == ["patient", "sciatica", "hurting"]
    assert stems(["stretching", "stretches", "stretched"]) == ["stretch"] * 3


def test_article_document_weighs_title_and_headings() -> None:
    article = make_article("x", "Disc", "Body words here.")
    article = type(article)(url=article.url, title="Disc",
                            sections=(Section("Heading", "body"),), tags=("tagged",))
    doc = article_document(article, 3)
    assert doc.split().count("Disc") == 3 and doc.split().count("Heading") == 2
    assert "tagged" in doc and "tagged" not in article_document(article, 3, tags=False)


def test_tfidf_rows_are_unit_length_and_rare_words_rank_first() -> None:
    texts = ["back pain sciatica", "sciatica posture", "back sleep pillow"]
    m = tfidf_matrix(texts)
    norms = np.asarray(m.multiply(m).sum(axis=1)).ravel()
    assert norms == pytest.approx([1.0, 1.0, 1.0])
    sims = (m @ m.T).toarray()
    assert sims[0, 1] > 0 and sims[1, 2] == 0  # similar only through shared words
    assert top_terms(["sciatica sciatica back", "back posture", "back sleep"], 2)[0][0] == \
        "sciatica"


def test_fullwidth_case_and_zero_width_are_normalised_on_both_sides() -> None:
    from relatedposts.text import normalize

    assert normalize("ｓｃｉａｔｉｃａ") == "sciatica"
    assert normalize("SCI\u200bATICA\ufeff") == "sciatica"
    assert normalize("Straße") == "strasse"  # case folding, not just lower()
    assert words("ＬＯＷＥＲ ｂａｃｋ pain") == words("lower back pain")


def test_counted_says_a_count_in_words() -> None:
    from relatedposts.text import counted

    assert [counted(n, "search", "searches") for n in (0, 1, 2, 1200)] == [
        "0 searches", "1 search", "2 searches", "1,200 searches"]
