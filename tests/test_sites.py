"""Compatibility only, no tests: tests/scenarios/test_replicas.py was moved unchanged (others edit
it) and still imports its sites from here. The sites now live in tests/support.py; once that file
imports them from there, delete this module (and its line in conftest.collect_ignore).
"""

from tests.support import SITES_TOML, other_articles, summit_articles

_other_articles, _summit_articles = other_articles, summit_articles
__all__ = ["SITES_TOML", "_other_articles", "_summit_articles"]
