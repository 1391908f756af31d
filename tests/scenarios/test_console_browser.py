"""Issue 16 in headless Chromium: the console by keyboard and on a phone, and click beacons.

The sample blog is indexed with the fake embedder (the paths, not the model, are under test);
the widget and the search page must report a click with navigator.sendBeacon that lands in
the event store, and the console must work signed in with the keyboard alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from relatedposts.config import Settings
from relatedposts.console.app import create_app
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.ingest.crawl import scrape
from relatedposts.logs.events import EventStore
from tests.scenarios.test_browser import _embed_page, blog, driver  # noqa: F401
from tests.support import ROOT, serve_wsgi

pytestmark = pytest.mark.browser
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

TOKEN = "console-browser-token"
BASE = "https://www.summitspinecare.example/blog/"
SPASMS = BASE + "what-your-back-spasms-are-trying-to-tell-you/"


@pytest.fixture(scope="module")
def service(tmp_path_factory, blog) -> Iterator[tuple[str, Settings]]:  # noqa: F811
    """The sample blog (fake embedder, two versions) with the console on."""
    tmp = tmp_path_factory.mktemp("console")
    settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "indexes", embedder="fake",
                        admin_token=TOKEN, overrides_file=tmp / "overrides.json",
                        cors_origins=(blog[0],), rate_limit="")
    articles = scrape([str(ROOT / "corpus/site")], settings).articles
    build_index(articles[:-1], FakeEmbedder(), settings)
    build_index(articles, FakeEmbedder(), settings, force=True)
    with serve_wsgi(create_app(settings, embedder=FakeEmbedder())) as base:
        yield base, settings


def _events(settings: Settings) -> list[dict]:
    return [e for e in EventStore(settings.index_dir / "events.sqlite3").entries()
            if e["type"] == "click"]


def _wait_for_click(settings: Settings, n: int) -> list[dict]:
    deadline = time.time() + 10
    while time.time() < deadline:
        clicks = _events(settings)
        if len(clicks) >= n:
            return clicks
        time.sleep(0.1)
    raise AssertionError(f"only {len(_events(settings))} clicks arrived")


def test_widget_click_is_beaconed_to_the_event_store(driver, service, blog) -> None:  # noqa: F811
    origin, settings = service
    base, root = blog
    page = _embed_page(root, "beacon.html", SPASMS, "<div data-relatedposts></div>",
                       origin + "/widget.js")
    driver.get(f"{base}/{page}")
    links = WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "a.rp-link"))
    target = links[1].get_attribute("href")
    links[1].click()
    click = _wait_for_click(settings, 1)[-1]
    assert (click["list"], click["from"], click["to"], click["position"]) == (
        "related", SPASMS, target, 2)


def test_search_result_click_is_beaconed(driver, service) -> None:  # noqa: F811
    origin, settings = service
    before = len(_events(settings))
    driver.get(origin + "/search?q=sciatica")
    first = driver.find_element(By.CSS_SELECTOR, "ol.results h2 a")
    target = first.get_attribute("href")
    first.click()
    click = _wait_for_click(settings, before + 1)[-1]
    assert (click["list"], click["from"], click["to"], click["position"]) == (
        "search", "/search", target, 1)
    assert set(click) == {"type", "list", "from", "to", "position", "time"}  # never the query


def _tab_to(drv, selector: str, limit: int = 200) -> None:
    """Press Tab until the element matching selector has the focus."""
    wanted = drv.find_element(By.CSS_SELECTOR, selector)
    body = drv.switch_to.active_element
    for _ in range(limit):
        if drv.switch_to.active_element == wanted:
            return
        body.send_keys(Keys.TAB)
        body = drv.switch_to.active_element
    raise AssertionError(f"Tab never reached {selector}")


def test_console_by_keyboard_sign_in_override_and_rollback(driver, service) -> None:  # noqa: F811
    origin, settings = service
    driver.delete_all_cookies()
    driver.get(origin + "/admin")
    assert driver.current_url.endswith("/admin/sign-in")
    box = driver.switch_to.active_element  # autofocus lands in the token field
    assert box.get_attribute("id") == "token"
    box.send_keys("wrong" + Keys.ENTER)
    # The refusal is a new page: wait for it rather than read the old one (a CI race).
    alerts = WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"))
    assert "not right" in alerts[0].text
    WebDriverWait(driver, 10).until(
        lambda d: d.switch_to.active_element.get_attribute("id") == "token")
    driver.switch_to.active_element.send_keys(TOKEN + Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/admin"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "What to write and link next"
    cookie = driver.get_cookie("rp_admin")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert driver.execute_script("return document.cookie") == ""  # not readable by scripts
    # An override, by keyboard only.
    _tab_to(driver, "#ov-action")
    driver.switch_to.active_element.send_keys("b")  # "block: ..."
    driver.switch_to.active_element.send_keys(Keys.TAB, SPASMS, Keys.TAB,
                                              BASE + "back-pain-at-night/", Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: "done=override" in d.current_url)
    assert "applied at the next build" in driver.find_element(By.CSS_SELECTOR, ".ok").text
    saved = json.loads(settings.overrides_file.read_text())
    assert saved["block"] == {SPASMS: [BASE + "back-pain-at-night/"]}
    # Roll back with one press of Enter on the button.
    live = (settings.index_dir / "CURRENT").read_text().strip()
    _tab_to(driver, "#versions button")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: "done=rollback" in d.current_url)
    assert (settings.index_dir / "CURRENT").read_text().strip() != live


def test_console_draft_check_and_mobile_width(driver, service) -> None:  # noqa: F811
    origin, settings = service
    driver.get(origin + "/admin/sign-in")
    if driver.current_url.endswith("/sign-in"):
        driver.find_element(By.ID, "token").send_keys(TOKEN + Keys.ENTER)
        WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/admin"))
    driver.get(origin + "/admin")
    text = (ROOT / "corpus/src/heat-or-ice-for-back-pain.md").read_text("utf-8")
    driver.find_element(By.ID, "draft-title").send_keys("Heat or ice, again")
    area = driver.find_element(By.ID, "draft-text")
    driver.execute_script("arguments[0].value = arguments[1]", area, text)
    area.submit()
    result = WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "draft-result"))
    assert "Heat or Ice" in result.text and "similarity" in result.text
    try:
        driver.set_window_size(390, 844)
        driver.get(origin + "/admin")
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390  # no sideways scrolling on a phone
        assert driver.find_element(By.ID, "gaps").is_displayed()
    finally:
        driver.set_window_size(1100, 900)
