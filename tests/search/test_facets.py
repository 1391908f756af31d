"""Facet counts: per tag once per article, case folded, years newest first, capped."""

from __future__ import annotations

from relatedposts.models import Article, Facets, Section
from relatedposts.search.facets import MAX_VALUES, count_facets


def _article(i: int, tags: tuple[str, ...], date: str | None) -> Article:
    return Article(f"https://c.example/{i}/", f"T{i}", (Section("", "x"),), date=date, tags=tags)


def test_counts_tags_and_years_of_the_given_articles_only() -> None:
    articles = [_article(0, ("Sciatica", "leg pain"), "2023-05-01"),
                _article(1, ("sciatica", "SCIATICA"), "2024-01-01"),
                _article(2, ("neck",), None),
                _article(3, ("surgery",), "2023-02-02")]
    facets = count_facets(articles, [0, 1, 2])
    assert facets.tags == (("Sciatica", 2), ("leg pain", 1), ("neck", 1))
    assert facets.years == (("2024", 1), ("2023", 1))
    assert count_facets(articles, []) == Facets()


def test_values_are_capped_and_shown_in_the_api_shape() -> None:
    articles = [_article(i, (f"tag{i:02d}",), f"{1990 + i}-01-01") for i in range(30)]
    facets = count_facets(articles, range(30))
    assert len(facets.tags) == len(facets.years) == MAX_VALUES
    assert facets.to_dict()["year"][0] == {"value": "2019", "count": 1}
    assert Facets((("a", 2),), ()).to_dict() == {"tag": [{"value": "a", "count": 2}],
                                                   "year": []}
