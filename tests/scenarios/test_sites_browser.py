"""The widget with data-site in headless Chromium: each box asks its own site, nothing mixes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.sites import settings_for
from relatedposts.web.app import create_app
from tests.scenarios.test_browser import _embed_page, blog, driver  # noqa: F401 - fixtures
from tests.support import OTHER, other_articles, serve_wsgi, summit_articles

pytestmark = pytest.mark.browser
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def multi_service(tmp_path_factory, blog) -> Iterator[str]:  # noqa: F811
    """Two sites; the test blog's origin may call only the 'other' site."""
    from relatedposts.config import Settings

    tmp = tmp_path_factory.mktemp("multi")
    (tmp / "sites.toml").write_text(
        f'[sites.summit]\norigins = ["https://www.summit.example"]\n'
        f'[sites.other]\norigins = ["{blog[0]}"]\n', "utf-8")
    base = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "idx", embedder="fake",
                    related_min_score=0.0, rate_limit="", sites_file=tmp / "sites.toml")
    for name, articles in (("summit", summit_articles()), ("other", other_articles())):
        build_index(articles, FakeEmbedder(), settings_for(base, name))
    with serve_wsgi(create_app(base, embedder=FakeEmbedder())) as url:
        yield url


def _done(drv) -> bool:
    return all(b.get_attribute("data-rp-state") == "done"
               for b in drv.find_elements(By.CSS_SELECTOR, "[data-relatedposts]"))


def test_the_widget_asks_the_site_named_by_data_site(driver, blog, multi_service) -> None:  # noqa: F811
    base, root = blog
    page = _embed_page(root, "multi.html", f"{OTHER}/blog/sciatica/",
                       '<div id="mine" data-relatedposts data-site="other"></div>'
                       '<div id="theirs" data-relatedposts data-site="summit"></div>'
                       '<div id="nope" data-relatedposts data-site="no-such-site"></div>',
                       multi_service + "/widget.js")
    driver.get(f"{base}/{page}")
    WebDriverWait(driver, 10).until(_done)
    links = driver.find_elements(By.CSS_SELECTOR, "#mine .rp-link")
    assert len(links) == 4
    assert all(a.get_attribute("href").startswith(OTHER) for a in links)
    # The summit site neither allows this origin nor knows the page; an unknown site is a 404:
    # both boxes stay empty.
    assert driver.find_elements(By.CSS_SELECTOR, "#theirs *, #nope *") == []
