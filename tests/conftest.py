"""Shared fixtures: settings on temp dirs, tiny corpora, a fake-embedder index and app."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.models import Article, Section
from relatedposts.serving.app import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def make_article(slug: str, title: str, text: str, date: str = "2024-01-01",
                 tags: tuple[str, ...] = ()) -> Article:
    """Build a small article whose body repeats text so it has real length."""
    body = (text + " ") * 3
    return Article(url=f"https://clinic.example/blog/{slug}/", title=title,
                   sections=(Section("", body), Section("More", body)), date=date,
                   summary=text[:80], image=f"https://clinic.example/img/{slug}.jpg", tags=tags)


TINY = [
    make_article("sciatica", "Sciatica and leg pain",
                 "Sciatica is shooting leg pain from an irritated sciatic nerve root.",
                 "2023-05-01", ("sciatica", "leg pain")),
    make_article("neck", "Neck pain at the desk",
                 "Neck pain from a desk job improves with posture breaks and stretches.",
                 "2024-02-01", ("neck pain", "posture")),
    make_article("fusion", "Spinal fusion surgery",
                 "Spinal fusion joins two vertebrae so the painful segment stops moving.",
                 "2022-03-01", ("spinal fusion", "surgery")),
    make_article("spasms", "Back spasms explained",
                 "Back spasms are muscles locking up after strain or overuse of the back.",
                 "2024-06-01", ("back spasms",)),
    make_article("stenosis", "Spinal stenosis and walking",
                 "Spinal stenosis narrows the canal so walking brings leg pain and heaviness.",
                 "2021-09-01", ("spinal stenosis", "leg pain")),
    make_article("sleep", "Sleeping positions for your spine",
                 "A pillow between the knees keeps the spine neutral when sleeping on your side.",
                 "2025-01-01", ("sleep",)),
    make_article("lifting", "Lifting without back pain",
                 "Bend the knees and keep the load close when lifting heavy boxes.",
                 "2020-01-01", ("lifting",)),
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at temp dirs, with the fake embedder (rate limit off: tests burst)."""
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "indexes",
                    embedder="fake", related_min_score=0.0, crawl_concurrency=2,
                    fetch_timeout=3.0, max_retries=1, rate_limit="")


@pytest.fixture
def built(settings: Settings) -> Settings:
    """Build the tiny corpus into settings.index_dir with the fake embedder."""
    build_index(TINY, FakeEmbedder(), settings)
    return settings


@pytest.fixture
def app(built: Settings):
    """A Flask app serving the tiny index."""
    app = create_app(built, embedder=FakeEmbedder())
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serve a fixture directory, writing the real origin where files say {BASE}."""

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.suffix in (".xml", ".txt") and path.is_file():
            body = path.read_bytes().replace(b"{BASE}", self.server.base.encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/xml" if path.suffix == ".xml"
                             else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture
def site_server() -> Iterator:
    """Serve a directory over HTTP on 127.0.0.1; yields a function dir -> base URL."""
    servers = []

    def serve(directory: Path) -> str:
        handler = lambda *a, **k: _SiteHandler(*a, directory=str(directory), **k)  # noqa: E731
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.base = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.base

    yield serve
    for s in servers:
        s.shutdown()
        s.server_close()
