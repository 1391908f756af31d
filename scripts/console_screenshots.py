"""Screenshots of the editor's console (issue 16), and its gaps and links on the sample blog.

    PYTHONPATH=src .venv/bin/python scripts/console_screenshots.py [--out docs/screenshots]
        [--index DIR]   # reuse an index of the sample blog built with the real model

Builds the sample blog with the real model (unless --index), writes a query log of two
weeks of searches (tests/fixtures/gap_queries.json: 15 on tailbone pain, which the blog
does not cover, other unanswered ones and ordinary ones), replays related-list views and
clicks through the Flask app, adds an override and a search rule, serves it on 127.0.0.1 and
saves console-*.png (with Rebuild now clicked for real: console-rebuild.png while it runs,
console-rebuild-done.png after): the desktop views, then at 390 px (a phone) console-mobile.png
and console-phone-{versions,overrides,clicks,links}.png, where the wide tables become one card
per row. It prints the content gaps and the first link suggestions, as `report --gaps` and
`links` would.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from relatedposts.config import Settings
from relatedposts.console import data as console_data
from relatedposts.console.app import create_app
from relatedposts.console.data import build_view
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import make_embedder
from relatedposts.indexing.versions import current_version
from relatedposts.ingest.crawl import scrape

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "screenshot-token"
DESKTOP, PHONE = (1280, 1000), (390, 844)


def seed_queries(path: Path, days: int = 14) -> None:
    """Write two weeks of searches, as the service logs them, into path."""
    fixture = json.loads((ROOT / "tests/fixtures/gap_queries.json").read_text("utf-8"))
    rng = random.Random(16)
    searches = (fixture["gap"] + fixture["other_unanswered"] + fixture["answered"] * 4)
    now = time.time()
    lines = []
    for query in searches:
        stamp = now - rng.uniform(0, days) * 86400
        lines.append((stamp, {"query": query, "results": 3}))
    lines.sort(key=lambda p: p[0])
    with open(path, "w", encoding="utf-8") as f:
        for stamp, entry in lines:
            entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp)), **entry}
            f.write(json.dumps(entry) + "\n")


def seed_clicks(app, n_views: int = 120) -> None:
    """Replay related-list views and clicks (more on the first positions) through the app."""
    rng = random.Random(7)
    client = app.test_client()
    urls = [a.url for a in app.extensions["relatedposts"].live.data.articles]
    for _ in range(n_views):
        url = rng.choice(urls)
        results = client.get("/api/related", query_string={"url": url}).get_json()["results"]
        for pos, post in enumerate(results, 1):
            if rng.random() < 0.3 / pos:
                client.post("/api/events", json={"type": "click", "list": "related",
                                                 "from": url, "to": post["url"],
                                                 "position": pos})
    app.extensions["relatedposts"].events.flush()


def driver() -> webdriver.Chrome:
    """Start headless Chromium."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--disable-dev-shm-usage", "--no-first-run"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def shoot(origin: str, out: Path, draft_text: str) -> None:
    """Sign in and save the console's screenshots."""
    drv = driver()
    try:
        drv.set_window_size(*DESKTOP)
        drv.get(origin + "/admin")
        drv.find_element(By.ID, "token").send_keys(TOKEN + Keys.ENTER)
        WebDriverWait(drv, 60).until(lambda d: d.current_url.endswith("/admin"))
        drv.save_screenshot(str(out / "console.png"))
        for section in ("gaps", "clicks", "links"):
            drv.execute_script(f"document.getElementById('{section}').scrollIntoView()")
            drv.save_screenshot(str(out / f"console-{section}.png"))
        text = draft_text
        drv.find_element(By.ID, "draft-title").send_keys("Heat or ice after a strain?")
        area = drv.find_element(By.ID, "draft-text")
        drv.execute_script("arguments[0].value = arguments[1]", area, text)
        area.submit()
        WebDriverWait(drv, 60).until(lambda d: d.find_element(By.ID, "draft-result"))
        drv.save_screenshot(str(out / "console-draft.png"))
        shoot_rebuild(drv, origin, out)
        phone_shots(drv, origin, out)
    finally:
        drv.quit()


def phone_shots(drv: webdriver.Chrome, origin: str, out: Path) -> None:
    """Save the console's top and its table sections in a 390 px wide phone viewport."""
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True})
    drv.set_window_size(*PHONE)
    drv.get(origin + "/admin")
    drv.save_screenshot(str(out / "console-mobile.png"))
    for section in ("versions", "overrides", "clicks", "links"):
        drv.execute_script(f"document.getElementById('{section}').scrollIntoView()")
        time.sleep(0.2)
        drv.save_screenshot(str(out / f"console-phone-{section}.png"))


def seed_overrides(app, auth: dict[str, str]) -> None:
    """Block one related post and pin one search result, so both tables have a row."""
    urls = [a.url for a in app.extensions["relatedposts"].live.data.articles]
    client = app.test_client()
    client.post("/admin/overrides", headers=auth,
                data={"action": "block", "source": urls[0], "target": urls[1]})
    client.post("/admin/search-rules", headers=auth,
                data={"query": "sleep", "action": "pin", "target": urls[2]})


def shoot_rebuild(drv: webdriver.Chrome, origin: str, out: Path) -> None:
    """Click Rebuild now (a real rebuild of the sample blog) and save its status, then result."""
    drv.get(origin + "/admin")
    drv.find_element(By.CSS_SELECTOR, "form[action='/admin/rebuild'] button").click()
    WebDriverWait(drv, 60).until(lambda d: d.current_url.endswith("/admin/rebuild/status"))
    WebDriverWait(drv, 120).until(lambda d: " pages ·" in d.page_source
                                  or " passages ·" in d.page_source
                                  or "Rebuilt:" in d.page_source)  # a stage with a count
    drv.save_screenshot(str(out / "console-rebuild.png"))
    WebDriverWait(drv, 300).until(lambda d: "Rebuilt:" in d.page_source
                                  or "failed" in d.page_source)
    drv.save_screenshot(str(out / "console-rebuild-done.png"))


def main() -> None:
    """Build, seed, serve and screenshot the console; print its gaps and links."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshots")
    parser.add_argument("--index", type=Path, help="an index of the sample blog to copy")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="rp-console-"))
    settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "indexes",
                        admin_token=TOKEN, overrides_file=tmp / "overrides.json", rate_limit="",
                        site=(str(ROOT / "corpus/site"),), log_file=tmp / "rebuild.log")
    if args.index:  # before the model loads: its ONNX export is cached in the index
        shutil.copytree(args.index, settings.index_dir)
    embedder = make_embedder(settings)
    if args.index:  # a second version from the embedding cache, so there is a history
        articles = idx.load(current_version(settings.index_dir)).articles
        scrape(settings.site, settings)  # the corpus a deployment keeps, for Rebuild now
        build_index(articles, embedder, settings, force=True)
    else:
        articles = scrape([str(ROOT / "corpus/site")], settings).articles
        build_index(articles[:-1], embedder, settings)
        build_index(articles, embedder, settings, force=True)
    seed_queries(settings.index_dir / "queries.jsonl")
    app = create_app(settings, embedder=embedder)
    seed_clicks(app)
    seed_overrides(app, {"Authorization": f"Bearer {TOKEN}"})
    console_data.WAIT_SECONDS = 900.0  # compute gaps and links now, not in the background
    with app.app_context():
        view = build_view(app.extensions["relatedposts"])
    for gap in view.gaps:
        print(gap.line(), "| e.g.", "; ".join(gap.queries[:3]))
    for link in view.links[:8]:
        print(f"[{link.score:.2f}] {link.source_url} : “{link.anchor}” -> {link.target_title}"
              f"\n    {link.sentence}")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    live = app.extensions["relatedposts"].live.data.articles
    draft = next(a for a in live if "heat-or-ice-for-back-pain" in a.url)
    shoot(f"http://127.0.0.1:{server.server_port}", args.out, draft.body)
    server.shutdown()
    print("screenshots in", args.out)


if __name__ == "__main__":
    main()
