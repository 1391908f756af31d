"""Shared fixtures: settings on temp dirs, a fake-embedder index, the app, its client, the CLI
runner, local sites, two sites of a sites file and a counting embedder. Plain values and helpers
are in tests/support.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.web.app import create_app
from tests.components import MISSING, strict
from tests.localsite import LocalSite
from tests.support import TINY, Cli, CountingEmbedder, make_multi, serve_directory


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at temp dirs, with the fake embedder (rate limit off: tests burst;
    no relevance floors: the fake embedder's cosines mean nothing; /demo on, as the tests read
    it; an overrides file of the test's own, never the repository's sample pins)."""
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "indexes",
                    embedder="fake", related_min_score=0.0, search_min_relevance=0.0,
                    crawl_concurrency=2, demo_page=True,
                    overrides_file=tmp_path / "overrides.json",
                    fetch_timeout=3.0, retry_max=1, rate_limit="", suggest_rate_limit="")


@pytest.fixture
def built(settings: Settings) -> Settings:
    """Build the tiny corpus into settings.index_dir with the fake embedder."""
    build_index(TINY, FakeEmbedder(), settings)
    return settings


@pytest.fixture
def app(built: Settings) -> Flask:
    """A Flask app serving the tiny index."""
    app = create_app(built, embedder=FakeEmbedder())
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(settings: Settings) -> Cli:
    """Run `relatedposts ...` in process on the test's directories with the fake embedder."""
    return Cli(settings)


@pytest.fixture
def counting_embedder() -> CountingEmbedder:
    """A fake embedder that remembers every text it embedded."""
    return CountingEmbedder()


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """A scriptable site on 127.0.0.1 that records every request."""
    with LocalSite() as site:
        yield site


@pytest.fixture
def site_server() -> Iterator[Callable[[Path], str]]:
    """Serve directories over HTTP on 127.0.0.1; yields a function dir -> base URL."""
    with ExitStack() as stack:
        yield lambda directory: stack.enter_context(serve_directory(directory))


@pytest.fixture
def multi(tmp_path: Path, settings: Settings) -> Settings:
    """Two sites built from a sites file (each into <index_dir>/<name>/)."""
    return make_multi(tmp_path, settings)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Under CI=true, fail a test skipped for a missing component (.ci/run installs them all)."""
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and strict() and isinstance(report.longrepr, tuple)):
        return
    reason = str(report.longrepr[2])
    if MISSING in reason:
        report.outcome = "failed"
        report.longrepr = f"CI=true and a component the suite needs is missing: {reason}"
