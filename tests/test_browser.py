"""Compatibility only, no tests: tests/scenarios/test_console_browser.py was moved unchanged
(others edit it) and still imports the browser fixtures from here. They live in
tests/scenarios/test_browser.py; once that file imports them from there, delete this module (and
its line in conftest.collect_ignore).
"""

from tests.scenarios.test_browser import _embed_page, blog, driver

__all__ = ["_embed_page", "blog", "driver"]
