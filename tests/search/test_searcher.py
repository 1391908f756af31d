"""The Searcher end to end on a small corpus: the named subject wins, hostile queries pass."""

from __future__ import annotations

import time

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.live.service import Service
from tests.support import TINY, CountingEmbedder, subject_articles


def test_the_article_whose_title_is_the_named_subject_wins(settings) -> None:
    build_index(subject_articles(), FakeEmbedder(), settings)
    msg = ("Hi, tizanidine - does it make you drowsy? I also take pills for my blood "
           "pressure and may need knee surgery next year. Thank you very much")

    def margin(service: Service, query: str, title: str) -> float:
        hits = service.search(query, 5).results
        assert hits[0].title == title
        return hits[0].score / hits[1].score

    margins = []
    for weight in (0.0, 0.3):
        service = Service(settings.replace(title_signal_weight=weight), embedder=FakeEmbedder())
        service.reload()
        margins.append((margin(service, msg, "Tizanidine"),
                        margin(service, "knee cap hurts", "Kneecap pain")))
    # The title signal widens the lead of the article whose title the question names.
    assert margins[1][0] > margins[0][0] and margins[1][1] > margins[0][1]


def test_hostile_queries_for_the_new_query_steps(settings) -> None:
    build_index(subject_articles(), FakeEmbedder(), settings)
    service = Service(settings, embedder=FakeEmbedder())
    service.reload()
    # Only courtesy: nothing left for the keywords, the search still answers (dense side).
    page = service.search("Hi! Thank you very much, dear sir. Kind regards", 5)
    assert page.total >= 0 and page.corrected_query is None
    # A pasted wall of joined words and regex metacharacters stays fast and safe.
    t0 = time.perf_counter()
    service.search(("kneecap" * 40 + " x-ray (.*)+ [a-z]{99} ") * 8, 5)
    service.search("knee " * 200, 5)
    assert time.perf_counter() - t0 < 5.0


def test_the_model_reads_the_corrected_query(settings) -> None:
    # The model cannot tell "sciatia" (or "nek") from noise: it embeds what "Did you mean"
    # shows, while the page still answers the query as typed.
    build_index(TINY, FakeEmbedder(), settings)
    embedder = CountingEmbedder()
    service = Service(settings, embedder)
    service.reload()
    searcher = service.live.searcher
    page = searcher.search("sciatia leg pain")
    assert page.corrected_query == "sciatica leg pain"
    assert embedder.texts[-1] == "sciatica leg pain" and "sciatia leg pain" not in embedder.texts
    searcher.search("sciatica leg pain")  # nothing to correct: embedded as typed (cached)
    assert embedder.texts.count("sciatica leg pain") == 1
