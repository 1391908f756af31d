"""The search box's combobox in headless Chromium, driven by keyboard (WAI-ARIA 1.2 pattern).

Needs Debian's chromium and chromium-driver. The tiny index with the fake embedder: completions
never touch the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.web.app import create_app
from tests.components import missing
from tests.support import TINY, serve_wsgi

pytestmark = pytest.mark.browser
from selenium import webdriver  # noqa: E402 - the `browser` extra: missing, collection errors, never skips
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Iterator[str]:
    """The service on the tiny index, default rate limits (the suggest budget included)."""
    tmp = tmp_path_factory.mktemp("combo")
    settings = Settings(corpus_dir=tmp / "c", index_dir=tmp / "i", embedder="fake",
                        related_min_score=0.0, search_min_relevance=0.0)
    build_index(TINY, FakeEmbedder(), settings)
    with serve_wsgi(create_app(settings, embedder=FakeEmbedder())) as url:
        yield url


@pytest.fixture(scope="module")
def driver(tmp_path_factory) -> Iterator:
    """Headless Chromium with console logging, skipped when it is not installed."""
    if not CHROMIUM.exists():
        missing("chromium", "apt-get install -y chromium chromium-driver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    drv.set_page_load_timeout(20)
    yield drv
    drv.quit()


def _options(drv) -> list:
    return drv.find_elements(By.CSS_SELECTOR, "#q-listbox [role=option]")


def _active(drv) -> str:
    box = drv.find_element(By.ID, "q")
    chosen = [o.get_attribute("id") for o in _options(drv)
              if o.get_attribute("aria-selected") == "true"]
    assert chosen == [box.get_attribute("aria-activedescendant")]
    return chosen[0]


def test_keyboard_drives_the_completions(driver, base) -> None:
    driver.get_log("browser")
    driver.get(base + "/search")
    box = driver.find_element(By.ID, "q")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-controls") == "q-listbox"
    box.send_keys("sci")
    wait = WebDriverWait(driver, 10)
    wait.until(lambda d: d.find_element(By.ID, "q-listbox").is_displayed())
    assert box.get_attribute("aria-expanded") == "true"
    assert _options(driver)[0].text == "Sciatica and leg pain"
    status = driver.find_element(By.ID, "search-status")
    wait.until(lambda d: "suggestion" in status.get_attribute("textContent"))
    assert status.get_attribute("aria-live") == "polite"

    box.send_keys(Keys.ARROW_DOWN)
    assert _active(driver) == "q-listbox-0"
    box.send_keys(Keys.ARROW_DOWN)
    assert _active(driver) == "q-listbox-1"
    box.send_keys(Keys.ARROW_UP)
    assert _active(driver) == "q-listbox-0"
    box.send_keys(Keys.ESCAPE)
    assert not driver.find_element(By.ID, "q-listbox").is_displayed()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    assert box.get_attribute("value") == "sci"  # Escape closes, never searches

    box.send_keys(Keys.ARROW_DOWN)  # reopens the list
    wait.until(lambda d: d.find_element(By.ID, "q-listbox").is_displayed())
    box.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    wait.until(lambda d: "/search?q=Sciatica+and+leg+pain" in d.current_url)
    assert driver.find_elements(By.CSS_SELECTOR, "ol.results h2 a")
    status = driver.find_element(By.ID, "search-status")
    wait.until(lambda d: status.get_attribute("textContent").startswith("Results 1–"))
    assert [e for e in driver.get_log("browser") if e.get("source") != "network"] == []


def test_enter_without_a_choice_searches_what_was_typed(driver, base) -> None:
    driver.get(base + "/search")
    box = driver.find_element(By.ID, "q")
    box.send_keys("back")
    WebDriverWait(driver, 10).until(lambda d: _options(d))
    box.send_keys(Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/search?q=back"))
