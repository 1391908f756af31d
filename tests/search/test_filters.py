"""Search filters: tag or category, and an inclusive date range."""

from __future__ import annotations

from relatedposts.search import Filters


def test_no_filter_allows_everything() -> None:
    assert Filters().allows((), None, None)


def test_a_tag_matches_a_tag_or_the_category_case_insensitively() -> None:
    f = Filters(tag="Sciatica")
    assert f.allows(("sciatica", "leg pain"), None, None)
    assert f.allows((), "SCIATICA", None)
    assert not f.allows(("neck pain",), "posture", None)


def test_the_date_range_is_inclusive_and_undated_articles_fail_it() -> None:
    f = Filters(date_from="2024-01-01", date_to="2024-12-31")
    assert f.allows((), None, "2024-01-01") and f.allows((), None, "2024-12-31")
    assert not f.allows((), None, "2023-12-31") and not f.allows((), None, "2025-01-01")
    assert not f.allows((), None, None)


def test_empty_filters_are_inactive_and_allow_everything() -> None:
    empty = Filters()
    assert not empty.active and empty.allows((), None, None)
    assert Filters(tag="neck").active and Filters(date_from="2024-01-01").active
    assert Filters(date_to="2024-01-01").active
