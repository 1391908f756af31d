"""In headless Chromium: the server-rendered fragment has the widget's DOM, node for node.

Needs Debian's chromium and chromium-driver. One page holds the widget (filled by widget.js
from /api/related) and, beside it, the fragment's HTML for the same article; a script walks
both trees (tag, class, attributes, text) and the two must be equal.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.web.app import create_app
from tests.components import missing
from tests.support import SPASMS, TINY, serve_directory, serve_wsgi

pytestmark = pytest.mark.browser
from selenium import webdriver  # noqa: E402 - the `browser` extra: missing, collection errors, never skips
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5Er"
       "kJggg==")
WALK = """
function walk(node) {
  if (node.nodeType === 3) { return node.data.trim() ? {text: node.data} : null; }
  var attrs = {};
  for (var i = 0; i < node.attributes.length; i++) {
    attrs[node.attributes[i].name] = node.attributes[i].value;
  }
  var kids = [];
  node.childNodes.forEach(function (c) { var w = walk(c); if (w) kids.push(w); });
  return {tag: node.tagName.toLowerCase(), attrs: attrs, kids: kids};
}
return [walk(document.querySelector('#widget .rp-block')),
        walk(document.querySelector('#fragment .rp-block'))];
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Iterator[tuple[str, str, Path]]:
    """The service on the tiny index and a blog origin allowed to call it."""
    root = tmp_path_factory.mktemp("blog")
    with serve_directory(root) as blog:
        tmp = tmp_path_factory.mktemp("svc")
        settings = Settings(corpus_dir=tmp / "c", index_dir=tmp / "i", embedder="fake",
                            related_min_score=0.0, cors_origins=(blog,))
        # Images that load: the widget drops an image that fails, the fragment cannot.
        (root / "img.png").write_bytes(base64.b64decode(PNG))
        articles = [dataclasses.replace(a, image=f"{blog}/img.png?{i}")
                    for i, a in enumerate(TINY)]
        build_index(articles, FakeEmbedder(), settings)
        with serve_wsgi(create_app(settings, embedder=FakeEmbedder())) as service:
            yield blog, service, root


@pytest.fixture(scope="module")
def driver(tmp_path_factory) -> Iterator:
    """Headless Chromium, skipped when it is not installed."""
    if not CHROMIUM.exists():
        missing("chromium", "apt-get install chromium chromium-driver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        options.add_argument(arg)
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    drv.set_page_load_timeout(20)
    yield drv
    drv.quit()


@pytest.mark.parametrize("limit", [3, 7])
def test_the_fragment_and_the_widget_render_the_same_dom(driver, pages, limit) -> None:
    import requests

    blog, service, root = pages
    fragment = requests.get(f"{service}/fragment/related?url={quote(SPASMS)}&limit={limit}",
                            timeout=10).text
    assert fragment.count('class="rp-item"') == min(limit, len(TINY) - 1)
    (root / f"same{limit}.html").write_text(
        f'<!doctype html><html><head><link rel="canonical" href="{SPASMS}"></head><body>'
        f'<div id="widget" data-relatedposts data-limit="{limit}"></div>'
        f'<div id="fragment">{fragment}</div>'
        f'<script src="{service}/widget.js" async></script></body></html>')
    driver.get(f"{blog}/same{limit}.html")
    WebDriverWait(driver, 10).until(lambda d: d.execute_script(
        "return document.querySelector('#widget .rp-item') && "
        "Array.from(document.images).every(function (i) { return i.complete; })"))
    widget, server = driver.execute_script(WALK)
    assert json.dumps(widget, indent=1).splitlines() == json.dumps(server, indent=1).splitlines()
    assert widget["tag"] == "section" and widget["attrs"] == {"class": "rp-block"}
    assert '<img class="rp-image"' in fragment  # the images were compared too
