"""End to end in headless Chromium: the widget, the search page and their failure modes.

Needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver).
The sample blog is indexed with the real model once per module; a second, tiny index holds
articles whose title, body, summary and image are script/HTML payloads.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder, make_embedder
from relatedposts.ingest.crawl import scrape
from relatedposts.models import Article, Section
from relatedposts.web.app import create_app
from tests.components import missing
from tests.support import ROOT, SPASMS, TINY, XSS_TITLE, serve_directory, serve_wsgi

pytestmark = pytest.mark.browser
from selenium import webdriver  # noqa: E402 - the `browser` extra: missing, collection errors, never skips
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = "/usr/bin/chromedriver"
SITE = "https://www.summitspinecare.example/"
BASE = SITE + "blog/"
EVIL = [
    Article(url="https://clinic.example/blog/evil/", title=XSS_TITLE,
            sections=(Section("", "<script>alert(2)</script> back pain payload. " * 4),),
            date="2026-01-01", summary="<b onmouseover=alert(3)>bold</b> summary",
            image="javascript:alert(4)"),
    Article(url="javascript:alert(5)//", title="Script link back pain",
            sections=(Section("", "A link that must never be clickable. " * 4),),
            date="2025-12-31", summary="no", image="https://clinic.example/img/x.jpg"),
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        """Keep test output quiet."""


class _Slow(_Quiet):
    def do_GET(self) -> None:
        """Answer too late for the widget's timeout."""
        time.sleep(3)
        with contextlib.suppress(OSError):  # the widget gave up and hung up, as it should
            self.send_error(503)


@pytest.fixture(scope="module")
def blog(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A static 'blog' on its own origin: tests write pages that embed the widget."""
    root = tmp_path_factory.mktemp("blog")
    with serve_directory(root) as base:
        yield base, root


@pytest.fixture(scope="module")
def real(tmp_path_factory, blog) -> Iterator[str]:
    """The service on the sample blog, indexed with the real model."""
    tmp = tmp_path_factory.mktemp("real")
    settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "indexes",
                        cors_origins=(blog[0],), demo_page=True)
    embedder = make_embedder(settings)
    build_index(scrape([str(ROOT / "corpus/site")], settings).articles, embedder, settings)
    with serve_wsgi(create_app(settings, embedder=embedder)) as base:
        yield base


@pytest.fixture(scope="module")
def evil(tmp_path_factory, blog) -> Iterator[str]:
    """The service on a tiny index with payload articles (fake embedder)."""
    tmp = tmp_path_factory.mktemp("evil")
    settings = Settings(corpus_dir=tmp / "c", index_dir=tmp / "i", embedder="fake",
                        related_min_score=0.0, cors_origins=(blog[0],), demo_page=True)
    build_index([*TINY, *EVIL], FakeEmbedder(), settings)
    with serve_wsgi(create_app(settings, embedder=FakeEmbedder())) as base:
        yield base


@pytest.fixture(scope="module")
def driver(tmp_path_factory) -> Iterator:
    """Headless Chromium with console logging, skipped when it is not installed."""
    if not CHROMIUM.exists():
        missing("chromium", "apt-get install chromium chromium-driver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run",
                f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    drv.set_page_load_timeout(20)
    yield drv
    drv.quit()


def _script_logs(drv) -> list[dict]:
    """Console entries other than the browser's own failed-resource lines."""
    return [e for e in drv.get_log("browser") if e.get("source") != "network"]


def _no_alert(drv) -> None:
    with pytest.raises(NoAlertPresentException):
        drv.switch_to.alert  # noqa: B018 - the property access is the check


def _search(drv, base: str, query: str) -> None:
    drv.get(base + "/search")
    box = drv.find_element(By.ID, "q")
    box.send_keys(query)
    box.submit()
    WebDriverWait(drv, 10).until(lambda d: "/search?q=" in d.current_url)


def _embed_page(root: Path, name: str, canonical: str, boxes: str, script: str) -> str:
    (root / name).write_text(
        f'<!doctype html><html lang="en"><head><link rel="canonical" href="{canonical}">'
        f"</head><body><h1>Blog</h1>{boxes}<script src=\"{script}\" async></script>"
        "</body></html>", "utf-8")
    return name


def test_widget_renders_five_related_posts_on_demo(driver, real) -> None:
    driver.get_log("browser")
    driver.get(real + "/demo")
    items = WebDriverWait(driver, 10).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".rp-item")) == 5
        and d.find_elements(By.CSS_SELECTOR, ".rp-item"))
    assert driver.find_element(By.CSS_SELECTOR, ".rp-heading").text == "You Might Also Enjoy..."
    links = [i.find_element(By.CSS_SELECTOR, "a.rp-link").get_attribute("href") for i in items]
    assert all(u.startswith(SITE) for u in links) and len(set(links)) == 5
    assert BASE + "what-your-back-spasms-are-trying-to-tell-you/" not in links
    assert all(i.find_element(By.CSS_SELECTOR, ".rp-title").text for i in items)
    assert _script_logs(driver) == []


def test_lay_query_finds_the_sciatica_article_first(driver, real) -> None:
    _search(driver, real, "pinched nerve shooting pain down my leg")
    first = driver.find_element(By.CSS_SELECTOR, "ol.results h2 a")
    assert first.get_attribute("href") == BASE + "conditions-that-can-cause-sciatica/"
    assert driver.find_elements(By.CSS_SELECTOR, "ol.results mark")


@pytest.mark.parametrize("query, urgent", [
    ("cant control my bladder and back pain", True), ("best mattress for back pain", False)])
def test_urgent_care_notice_only_for_red_flags(driver, real, query: str, urgent: bool) -> None:
    _search(driver, real, query)
    alerts = driver.find_elements(By.CSS_SELECTOR, "[role=alert]")
    assert bool(alerts) is urgent
    if urgent:
        assert alerts[0].is_displayed() and "urgent care" in alerts[0].text


def test_payloads_are_text_on_the_search_page(driver, evil) -> None:
    query = "<script>alert(7)</script> evil payload back pain"
    _search(driver, evil, query)
    _no_alert(driver)
    titles = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "ol.results h2 a")]
    assert XSS_TITLE in titles
    assert driver.find_elements(By.CSS_SELECTOR, "img, main script, b") == []
    assert "<script>alert(7)</script>" in driver.find_element(By.ID, "count").text
    assert driver.find_element(By.ID, "q").get_attribute("value") == query
    hrefs = [a.get_attribute("href") or "" for a in driver.find_elements(By.CSS_SELECTOR, "a")]
    assert not [h for h in hrefs if h.startswith("javascript:")]


def test_payloads_are_text_in_the_widget(driver, evil, blog) -> None:
    base, root = blog
    page = _embed_page(root, "evil.html", SPASMS, '<div data-relatedposts data-limit="20"></div>',
                       evil + "/widget.js")
    driver.get_log("browser")
    driver.get(f"{base}/{page}")
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".rp-item"))
    _no_alert(driver)
    titles = [t.text for t in driver.find_elements(By.CSS_SELECTOR, ".rp-title")]
    assert XSS_TITLE in titles and "Script link back pain" not in titles
    assert "<b onmouseover=alert(3)>bold</b> summary" in [
        s.text for s in driver.find_elements(By.CSS_SELECTOR, ".rp-summary")]
    srcs = [i.get_attribute("src") for i in driver.find_elements(By.TAG_NAME, "img")]
    assert all(s.startswith("https://clinic.example/img/") for s in srcs)
    assert driver.find_elements(By.CSS_SELECTOR, "b, script:not([src])") == []
    assert _script_logs(driver) == []


def test_widget_renders_nothing_and_logs_nothing_when_the_api_fails(driver, real, blog,
                                                                    tmp_path) -> None:
    base, root = blog
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with serve_directory(tmp_path, handler=_Slow) as slow:
        _expect_nothing(driver, base, root, closed, slow, real)


def _expect_nothing(driver, base: str, root: Path, closed: int, slow: str, real: str) -> None:
    """Load a page whose widgets point at a closed port, a slow API and an unknown post."""
    boxes = (f'<div id="down" data-relatedposts data-api="http://127.0.0.1:{closed}"></div>'
             f'<div id="slow" data-relatedposts data-api="{slow}" data-timeout="400"></div>'
             '<div id="unknown" data-relatedposts></div>')
    page = _embed_page(root, "down.html", BASE + "not-an-indexed-post/", boxes,
                       real + "/widget.js")
    driver.get_log("browser")
    start = time.monotonic()
    driver.get(f"{base}/{page}")
    WebDriverWait(driver, 10).until(lambda d: all(
        b.get_attribute("data-rp-state") == "done"
        for b in d.find_elements(By.CSS_SELECTOR, "[data-relatedposts]")))
    assert time.monotonic() - start < 2.5  # the slow API (3 s) was abandoned
    for box in driver.find_elements(By.CSS_SELECTOR, "[data-relatedposts]"):
        assert box.get_attribute("innerHTML") == "", box.get_attribute("id")
    assert _script_logs(driver) == []
