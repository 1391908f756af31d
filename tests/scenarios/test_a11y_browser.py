"""Issue 25 in headless Chromium: axe-core finds nothing, and the console fits a phone.

Every page a patient or an editor sees (tests/a11ykit.py: /search in each state, /demo with
the widget, the console signed in) at 390 px and 1280 px, checked with axe-core's WCAG 2.0/2.1
A and AA rules and its best practices; no rule is disabled. At 390 px no console table may
overflow or hide its content, and no title may break inside its words.
Needs chromium, chromium-driver and axe-core (`npm ci --prefix tests/a11y`, run by `make test`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import a11ykit
from tests.components import missing
from tests.scenarios.test_browser import driver  # noqa: F401
from tests.support import serve_wsgi

pytestmark = pytest.mark.browser

NOT_ACCESSIBLE = """<!doctype html><html><head><title>bad</title></head><body>
<img src="x.png"><p style="color:#aaa;background:#fff">faint text</p>
<div style="width:200px"><table><tr><td style="white-space:nowrap">a cell far too wide for
its container, and a long one at that</td></tr></table></div></body></html>"""


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Iterator[str]:
    """The sample blog (fake embedder) with /demo and the console, seeded with logs."""
    if not a11ykit.AXE.is_file():
        missing("axe-core", a11ykit.AXE_INSTALL)
    app, _ = a11ykit.build_service(tmp_path_factory.mktemp("a11y"))
    with serve_wsgi(app) as base:
        yield base


def test_the_checks_find_what_they_look_for(driver, tmp_path) -> None:  # noqa: F811
    """A page with a missing alt, faint text and an overflowing table fails all three."""
    if not a11ykit.AXE.is_file():
        missing("axe-core", a11ykit.AXE_INSTALL)
    page = tmp_path / "bad.html"
    page.write_text(NOT_ACCESSIBLE, "utf-8")
    a11ykit.set_width(driver, 390)
    driver.get(page.as_uri())
    found = {v["id"] for v in a11ykit.run_axe(driver)}
    assert {"image-alt", "color-contrast", "landmark-one-main"} <= found
    problems = a11ykit.layout_problems(driver)
    assert any("table wider than its container" in p for p in problems), problems


@pytest.mark.parametrize("width", a11ykit.WIDTHS)
@pytest.mark.parametrize("page", list(a11ykit.PAGES))
def test_axe_finds_no_violations(driver, origin, page, width) -> None:  # noqa: F811
    a11ykit.set_width(driver, width)
    a11ykit.open_page(driver, origin, page)
    violations = a11ykit.run_axe(driver)
    assert not violations, f"{page} at {width} px:\n{a11ykit.describe(violations)}"


@pytest.mark.parametrize("page", a11ykit.CONSOLE)
def test_the_console_fits_a_phone(driver, origin, page) -> None:  # noqa: F811
    a11ykit.set_width(driver, 390)
    a11ykit.open_page(driver, origin, page)
    assert driver.execute_script("return document.documentElement.clientWidth") == 390
    assert a11ykit.layout_problems(driver) == []


def test_console_tables_stay_tables_on_a_phone(driver, origin) -> None:  # noqa: F811
    """The stacked cards keep their table semantics and label each cell with its column."""
    a11ykit.set_width(driver, 390)
    a11ykit.open_page(driver, origin, "console: dashboard")
    tree = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    roles = [n.get("role", {}).get("value") for n in tree]
    assert roles.count("table") == len(driver.find_elements("css selector", "table"))
    labels = driver.execute_script(
        "const td = document.querySelector('#links td[data-label]');"
        "return [getComputedStyle(td).display, getComputedStyle(td, '::before').content]")
    assert labels == ["block", '"In: "']


def test_rebuild_status_updates_in_place_without_a_timed_reload(driver, origin) -> None:  # noqa: F811
    """While a rebuild runs the page polls; when it ends the result replaces the progress."""
    from selenium.webdriver.support.ui import WebDriverWait

    from relatedposts.indexing.rebuild_status import read_status, write_status

    a11ykit.set_width(driver, 1280)
    a11ykit.open_page(driver, origin, "console: rebuild running")
    driver.execute_script("window.__same_page = true")  # gone if the page reloads
    running = read_status(a11ykit.STATUS["path"]) or {}
    write_status(a11ykit.STATUS["path"], running | {"done": 200})
    WebDriverWait(driver, 15).until(
        lambda d: "200 of 275" in d.find_element("id", "rebuild-progress-text").text)
    write_status(a11ykit.STATUS["path"], running | {
        "state": "done", "stage": "done", "exit_code": 0, "version": "v-next", "articles": 45,
        "added": 0, "changed": 1, "removed": 0, "unchanged": 44, "skipped": 7, "failed": 0,
        "embedded": 3, "reused": 272})
    WebDriverWait(driver, 15).until(
        lambda d: "Rebuilt: version v-next is live" in d.find_element("id", "rebuild-h").text)
    assert driver.execute_script("return window.__same_page") is True
    assert not driver.find_elements("css selector", "#rebuild[data-running]")
