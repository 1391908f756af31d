"""axe-core and layout checks in Chromium over every page a patient or an editor sees.

Shared by tests/scenarios/test_a11y_browser.py and scripts/bench_a11y.py (which writes the
violation table to docs/benchmarks.md). axe-core comes from npm, pinned in
tests/a11y/package.json (`npm ci --prefix tests/a11y`, which `make test` runs); it is injected
into each page with WebDriver (a DevTools evaluation, so the pages' CSP does not apply to it).

The service is the sample blog with the fake embedder (markup, not ranking, is under test),
the editor's console on, /demo on, and a log of searches, clicks and overrides so that every
console table has rows.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relatedposts.config import Settings
from relatedposts.console import data as console_data
from relatedposts.console.app import create_app
from relatedposts.console.data import build_view
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.rebuild_status import status_path, write_status
from relatedposts.ingest.crawl import scrape

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests/a11y/node_modules/axe-core/axe.min.js"
AXE_INSTALL = "npm ci --prefix tests/a11y"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
WIDTHS = (390, 1280)
TOKEN = "a11y-token"
BLOG = "https://www.summitspinecare.example/blog/"
SPASMS = BLOG + "what-your-back-spasms-are-trying-to-tell-you/"
NIGHT = BLOG + "back-pain-at-night/"
URGENT = "I cannot feel my legs and lost bladder control"
SEARCHES = ["sciatica", "back pain at night", "tailbone pain when sitting", "heat or ice",
            "coccyx pain", "tailbone hurts", "neck pain desk", "pinched nerve down my leg",
            "scoliosis in adults", "tailbone bruise", "posture", "sciatica stretches",
            # one long word and a pasted URL: the top-searches table must still fit a phone
            "lumbarradiculopathyandsacroiliacjointdysfunctionquestion",
            "https://www.summitspinecare.example/blog/back-pain-at-night/?utm_source=x"]


def build_service(tmp: Path) -> tuple[Any, Settings]:
    """Build the sample blog (two versions), seed searches, clicks and overrides; return app."""
    settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "indexes", embedder="fake",
                        admin_token=TOKEN, overrides_file=tmp / "overrides.json",
                        rate_limit="", demo_page=True, related_min_score=0.0)
    articles = scrape([str(ROOT / "corpus/site")], settings).articles
    build_index(articles[:-1], FakeEmbedder(), settings)
    build_index(articles, FakeEmbedder(), settings, force=True)
    app = create_app(settings, embedder=FakeEmbedder())
    _seed(app)
    STATUS["path"] = status_path(settings.index_dir)
    return app, settings


def _seed(app: Any) -> None:
    """Log searches and clicks, add an override and a search rule, compute the console view."""
    rng = random.Random(25)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for visitor in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"):
        for query in SEARCHES + SEARCHES[-2:]:  # five addresses: above the privacy threshold
            client.get("/api/search", query_string={"q": query},
                       environ_base={"REMOTE_ADDR": visitor})
    service = app.extensions["relatedposts"]
    urls = [a.url for a in service.live.data.articles]
    for _ in range(60):
        url = rng.choice(urls)
        results = client.get("/api/related", query_string={"url": url}).get_json()["results"]
        for pos, post in enumerate(results, 1):
            if rng.random() < 0.4 / pos:
                client.post("/api/events", json={"type": "click", "list": "related",
                                                 "from": url, "to": post["url"],
                                                 "position": pos})
    for pos in (1, 1, 2, 3):
        client.post("/api/events", json={"type": "click", "list": "search", "from": "/search",
                                         "to": rng.choice(urls), "position": pos})
    service.events.flush()
    client.post("/admin/overrides", headers=auth,
                data={"action": "block", "source": SPASMS, "target": NIGHT})
    client.post("/admin/search-rules", headers=auth,
                data={"query": "sleep", "action": "pin", "target": NIGHT})
    waited, console_data.WAIT_SECONDS = console_data.WAIT_SECONDS, 600.0
    try:  # gaps and links computed now, so the console shows them rather than "reload"
        with app.app_context():
            build_view(service)
    finally:
        console_data.WAIT_SECONDS = waited


def set_width(driver: Any, width: int) -> None:
    """Emulate a viewport exactly width CSS pixels wide (a phone below 600)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 844 if width < 600 else 900, "deviceScaleFactor": 1,
        "mobile": width < 600})


def _wait(driver: Any, condition: Callable[[Any], Any]) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 20).until(condition)


def sign_in(driver: Any, origin: str, token: str = TOKEN) -> None:
    """Sign in to the console through its form (a wrong token stays on the sign-in page)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(origin + "/admin/sign-in")
    driver.find_element(By.ID, "token").send_keys(token + Keys.ENTER)
    if token == TOKEN:
        _wait(driver, lambda d: d.current_url.endswith("/admin"))
    else:
        _wait(driver, lambda d: d.find_elements(By.ID, "signin-error"))


def _suggestions(driver: Any, origin: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(origin + "/search")
    driver.find_element(By.ID, "q").send_keys("sci")
    _wait(driver, lambda d: d.find_element(By.ID, "q-listbox").is_displayed())
    driver.find_element(By.ID, "q").send_keys("\ue015")  # Arrow down: an option is active
    _wait(driver, lambda d: d.find_element(By.ID, "q").get_attribute("aria-activedescendant"))


def _demo(driver: Any, origin: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(origin + "/demo")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".rp-block a.rp-link"))


def _draft(driver: Any, origin: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(origin + "/admin")
    driver.find_element(By.ID, "draft-title").send_keys("Heat or ice, again")
    area = driver.find_element(By.ID, "draft-text")
    text = (ROOT / "corpus/src/heat-or-ice-for-back-pain.md").read_text("utf-8")
    driver.execute_script("arguments[0].value = arguments[1]", area, text)
    area.submit()
    _wait(driver, lambda d: d.find_elements(By.ID, "draft-result"))


def _refused_change(driver: Any, origin: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(origin + "/admin")
    target = driver.find_element(By.ID, "ov-target")
    target.send_keys("https://elsewhere.example/not-an-article/")
    target.submit()
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "p.err[role=alert]"))


# Where the service keeps its rebuild status (set by build_service), so the status page can be
# checked running, done and failed without waiting for a real rebuild.
STATUS: dict[str, Path] = {}
_REBUILDS: dict[str, dict[str, Any]] = {
    "running": {"state": "running", "stage": "embedding", "done": 120, "total": 275},
    "done": {"state": "done", "stage": "done", "exit_code": 0, "version": "v-a11y",
             "articles": 45, "added": 1, "changed": 2, "removed": 0, "unchanged": 42,
             "skipped": 7, "failed": 0, "embedded": 14, "reused": 261},
    "failed": {"state": "failed", "stage": "publishing", "exit_code": 1,
               "error": "overrides.json pins a post the index does not have: /blog/nope/"},
}


def _rebuild(state: str) -> Callable[[Any, str], None]:
    def load(driver: Any, origin: str) -> None:
        write_status(STATUS["path"], {"job": f"a11y-{state}", "by": "console", "pid": os.getpid(),
                                      "started": time.time() - 42, "finished": time.time()}
                     | _REBUILDS[state])
        driver.get(origin + "/admin/rebuild/status")
    return load


def _visit(path: str) -> Callable[[Any, str], None]:
    def load(driver: Any, origin: str) -> None:
        driver.get(origin + path)
    return load


# Each page: how to bring it into the state it is checked in, and what shows it is there.
PAGES: dict[str, tuple[Callable[[Any, str], None], str]] = {
    "search: empty form": (_visit("/search"), "ul.topics a"),
    "search: results": (_visit("/search?q=sciatica"), "ol.results li"),
    "search: results, filtered by a facet": (_visit("/search?q=back+pain&tag=lower+back+pain"),
                                             "nav.facets a[aria-current]"),
    "search: no match": (_visit("/search?q=zzqx+blorfing+quux"), "#empty-heading"),
    "search: urgent": (_visit("/search?q=" + URGENT.replace(" ", "+")), ".urgent[role=alert]"),
    "search: suggestions open": (_suggestions, "#q-listbox [aria-selected=true]"),
    "demo with the widget": (_demo, ".rp-block a.rp-link"),
    "console: sign-in": (_visit("/admin/sign-in"), "#token"),
    "console: sign-in refused": (lambda d, o: sign_in(d, o, "wrong-token"), "#signin-error"),
    "console: dashboard": (_visit("/admin?done=override"), "#links table .url, #links td a"),
    "console: draft checked": (_draft, "#draft-result"),
    "console: a change refused": (_refused_change, "p.err[role=alert]"),
    "console: rebuild running": (_rebuild("running"), "progress#rebuild-progress"),
    "console: rebuild done": (_rebuild("done"), "p.ok[role=status]"),
    "console: rebuild failed": (_rebuild("failed"), "p.err[role=alert]"),
}
CONSOLE = [name for name in PAGES if name.startswith("console")]
SIGNED_IN = {"console: dashboard", "console: draft checked", "console: a change refused",
             "console: rebuild running", "console: rebuild done", "console: rebuild failed"}


def open_page(driver: Any, origin: str, name: str) -> None:
    """Bring the page called name into its state (signed in for the console) and check it."""
    from selenium.webdriver.common.by import By

    if name in SIGNED_IN and not driver.get_cookie("rp_admin"):
        sign_in(driver, origin)
    load, marker = PAGES[name]
    load(driver, origin)
    if not driver.find_elements(By.CSS_SELECTOR, marker):
        raise AssertionError(f"{name}: {marker} is not on {driver.current_url}")


_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 6).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}))))
  .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), targets: []}]));
"""


def run_axe(driver: Any) -> list[dict]:
    """Inject axe-core into the current page and return its violations."""
    driver.set_script_timeout(60)
    if not driver.execute_script("return typeof axe !== 'undefined'"):
        driver.execute_script(AXE.read_text("utf-8"))
    return driver.execute_async_script(_RUN_AXE, TAGS)


def describe(violations: list[dict]) -> str:
    """Render violations as lines of id, impact, help and the first failing targets."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"])
                     for v in violations)


_LAYOUT = (Path(__file__).parent / "a11y" / "layout.js").read_text("utf-8")


def layout_problems(driver: Any) -> list[str]:
    """Return what overflows sideways or breaks letter by letter on the current page."""
    return driver.execute_script(_LAYOUT)
