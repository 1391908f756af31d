"""Regenerate the README's screenshots in docs/screenshots/ with headless Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Needs the package with its `browser` extra (selenium) and Debian's chromium and
chromium-driver (apt-get install -y chromium chromium-driver). It scrapes the bundled sample
blog (corpus/site) into a temporary directory, builds an index with the real model (about
20 s), serves it on 127.0.0.1 and saves:

    search-page.png    /search for a lay query, desktop width
    search-empty.png   /search for a query with no close match (the empty state)
    search-mobile.png  /search on a 390 px wide phone, with the urgent-care notice
    widget.png         the "You Might Also Enjoy..." block on /demo

The sample blog's image host does not exist, so for the screenshots the articles' image
URLs are pointed at a local server for corpus/site/images; a real blog's images just work.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import http.server
import tempfile
import threading
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import make_embedder
from relatedposts.ingest.crawl import scrape
from relatedposts.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "corpus" / "site"
IMAGE_HOST = "https://www.summitspinecare.example"
DESKTOP, PHONE = (1280, 900), (390, 844)


def serve_images() -> str:
    """Serve corpus/site (its images/) on a free local port; return its origin."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def serve_index(tmp: Path, image_origin: str) -> str:
    """Index the sample blog with the real model and serve it; return the service origin."""
    settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "indexes", demo_page=True)
    articles = [dataclasses.replace(a, image=a.image.replace(IMAGE_HOST, image_origin))
                if a.image else a for a in scrape([str(SITE)], settings).articles]
    embedder = make_embedder(settings)
    build_index(articles, embedder, settings)
    server = make_server("127.0.0.1", 0, create_app(settings, embedder=embedder), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def browser(profile: Path, phone: bool = False) -> webdriver.Chrome:
    """Start headless Chromium, emulating a phone when asked."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run",
                "--hide-scrollbars", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    if phone:
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {
            "width": PHONE[0], "height": PHONE[1], "pixelRatio": 2}})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_window_size(*(PHONE if phone else DESKTOP))
    return driver


def page_shot(driver: webdriver.Chrome, url: str, out: Path, max_height: int) -> None:
    """Load url and save the top of the page, up to max_height CSS pixels tall."""
    driver.get(url)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(height, max_height))
    time.sleep(0.3)
    driver.save_screenshot(str(out))
    print("wrote", out)


def widget_shot(driver: webdriver.Chrome, url: str, out: Path) -> None:
    """Load the demo page and save the window scrolled to the related-posts block."""
    driver.set_window_size(*DESKTOP)
    driver.get(url)
    block = WebDriverWait(driver, 15).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".rp-block"))
    driver.execute_script("arguments[0].scrollIntoView()", block)  # the images load lazily
    WebDriverWait(driver, 15).until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('.rp-image')].every(i => i.complete)"))
    driver.set_window_size(DESKTOP[0], block.size["height"] + 260)
    driver.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top"
                          " + window.scrollY - 90)", block)
    time.sleep(0.3)
    driver.save_screenshot(str(out))
    print("wrote", out)


def main() -> None:
    """Build, serve and photograph the search page, its empty state, phone view and widget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = serve_index(Path(tmp), serve_images())
        desktop = browser(Path(tmp) / "desktop")
        try:
            page_shot(desktop, base + "/search?q=pinched+nerve+shooting+pain+down+my+leg",
                      args.out / "search-page.png", 1300)
            page_shot(desktop, base + "/search?q=excersize",
                      args.out / "search-empty.png", 1000)
            widget_shot(desktop, base + "/demo", args.out / "widget.png")
        finally:
            desktop.quit()
        phone = browser(Path(tmp) / "phone", phone=True)
        try:
            page_shot(phone, base + "/search?q=back+pain+and+a+fever", args.out /
                      "search-mobile.png", PHONE[1])
        finally:
            phone.quit()


if __name__ == "__main__":
    main()
