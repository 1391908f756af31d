"""What tests share besides fixtures: the tiny corpus, URLs, tokens, servers, a counting embedder,
the JSON error and security-header checks, and two sites of a sites file.

Fixtures live in conftest.py; import plain values and helpers from here, never from conftest.
"""

from __future__ import annotations

import dataclasses
import http.server
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from click.testing import CliRunner, Result

from relatedposts.cli import main
from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.models import Article, Section
from relatedposts.sites import settings_for
from relatedposts.web.guard import DEFAULT_CSP

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
OTHERSITE = FIXTURES / "othersite"
URL = "https://clinic.example/blog/{}/"
SCIATICA = URL.format("sciatica")
SPASMS = URL.format("spasms")
BLOG = "https://blog.example"
TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
XSS_TITLE = "<img src=x onerror=alert(1)> Evil back pain"
SUMMIT = "https://www.summit.example"
OTHER = "https://www.otherclinic.example"
TOKEN_A, TOKEN_B = "summit-token-123", "other-token-456"
SITES_TOML = f"""
[sites.summit]
source = ["{SUMMIT}/sitemap.xml"]
origins = ["{SUMMIT}"]
admin_token = "{TOKEN_A}"

[sites.other]
source = "{OTHER}/sitemap.xml"
origins = ["{OTHER}", "https://otherclinic.example"]
admin_token = "{TOKEN_B}"
"""


def make_article(slug: str, title: str, text: str, date: str = "2024-01-01",
                 tags: tuple[str, ...] = ()) -> Article:
    """Build a small article whose body repeats text so it has real length."""
    body = (text + " ") * 3
    return Article(url=URL.format(slug), title=title,
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



def built_tiny(tmp: Path) -> Settings:
    """Build the tiny corpus under tmp (corpus/, idx/) with the fake embedder; return settings."""
    settings = Settings(corpus_dir=tmp / "corpus", index_dir=tmp / "idx", embedder="fake",
                        related_min_score=0.0)
    build_index(TINY, FakeEmbedder(), settings)
    return settings

def spoil_related(version: Path, how: str) -> None:
    """Rewrite one related array of a version directory the way a buggy build might."""
    ids = np.load(version / "related_ids.npy")
    scores = np.load(version / "related_scores.npy")
    if how == "id_too_big":
        ids[2, 0] = len(TINY) + 5
    elif how == "id_negative":
        ids[1, 0] = -7
    elif how == "self":
        ids[3, 0] = 3
    elif how == "nan":
        scores[0, 0] = np.nan
    elif how == "inf":
        scores[4, 1] = np.inf
    elif how == "shape":
        ids, scores = ids[:-1], scores[:-1]
    elif how == "float_ids":
        ids = ids.astype(np.float32)
    np.save(version / "related_ids.npy", ids, allow_pickle=False)
    np.save(version / "related_scores.npy", scores, allow_pickle=False)


WORDS = ["spine", "disc", "nerve", "muscle", "posture", "sleep", "walking", "lifting",
         "stretch", "core", "hip", "knee", "neck", "shoulder", "ache", "brace", "heat", "ice",
         "massage", "therapy"]


def word_corpus(n: int) -> list[Article]:
    """Return n distinct small articles (two chunks each)."""
    return [make_article(f"a{i}", f"Article {i} on {WORDS[i % len(WORDS)]}",
                         " ".join(WORDS[(i * j + j) % len(WORDS)] for j in range(1, 25))
                         + f" note {i}.") for i in range(n)]


def subject_articles() -> list[Article]:
    """Return five posts where a long message names one subject among several (ranking)."""
    filler = "Patients ask about pain, sleep, blood pressure, surgery and drowsy days. " * 4

    def art(slug: str, title: str, text: str) -> Article:
        return Article(url=f"https://clinic.example/blog/{slug}/", title=title,
                       sections=(Section("", text + " " + filler),), summary=text[:80])
    return [art("tizanidine", "Tizanidine", "Tizanidine relaxes muscles; some feel drowsy."),
            art("bp", "Blood pressure pills and back pain", "Blood pressure pills and pain."),
            art("drowsy", "Why pain pills make you drowsy", "Drowsy after pain pills."),
            art("knee", "Knee surgery recovery", "Knee surgery next year and recovery."),
            art("kneecap", "Kneecap pain", "The kneecap hurts on stairs; knee and cap.")]


def other_articles() -> list[Article]:
    """The second site's posts: same topics, other URLs, so a mixed answer would show."""
    return [dataclasses.replace(a, url=a.url.replace("https://clinic.example", OTHER),
                                title=a.title + " (Other Clinic)") for a in TINY[:5]]


def summit_articles() -> list[Article]:
    """The first site's posts: the tiny corpus on the summit origin."""
    return [dataclasses.replace(a, url=a.url.replace("https://clinic.example", SUMMIT))
            for a in TINY]


def make_multi(tmp_path: Path, settings: Settings) -> Settings:
    """Write SITES_TOML and build both sites; return the base settings."""
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(SITES_TOML, "utf-8")
    base = settings.replace(sites_file=sites_file, reload_check_seconds=-1)
    for name, articles in (("summit", summit_articles()), ("other", other_articles())):
        build_index(articles, FakeEmbedder(), settings_for(base, name))
    return base


def json_error(resp: Any, status: int) -> str:
    """Assert resp is the one JSON error shape with this status, no redirect; return its message."""
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert "Location" not in resp.headers
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == status and isinstance(body["error"]["message"], str)
    return body["error"]["message"]


def assert_security_headers(resp: Any, html: bool) -> None:
    """Assert the security headers: our CSP (HTML pages allow their own scripts), nosniff."""
    csp = resp.headers["Content-Security-Policy"]
    assert ("script-src 'self'" in csp) if html else csp == DEFAULT_CSP
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"]


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, remembering every text it was asked to embed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.texts: list[str] = []

    @property
    def calls(self) -> int:
        """Return how many texts were embedded so far."""
        return len(self.texts)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Record the texts, then embed them as the fake embedder does."""
        self.texts.extend(texts)
        return super().encode(texts)


def _own_overrides(settings: Settings) -> Path:
    """Return the test's overrides file: the default one is the sample blog's, not its corpus's."""
    path = Path(settings.overrides_file)
    return path if path.is_absolute() else Path(settings.corpus_dir).parent / "overrides.json"


class Cli:
    """Run `relatedposts` in process on one test's directories, with the fake embedder."""

    def __init__(self, settings: Settings) -> None:
        self.env = {"RELATEDPOSTS_CORPUS_DIR": str(settings.corpus_dir),
                    "RELATEDPOSTS_INDEX_DIR": str(settings.index_dir),
                    "RELATEDPOSTS_EMBEDDER": "fake",
                    "RELATEDPOSTS_LOG_FILE": str(Path(settings.index_dir) / "rebuild.log"),
                    "RELATEDPOSTS_RELATED_MIN_SCORE": "0", "RELATEDPOSTS_RETRY_MAX": "1",
                    # as the settings fixture: the fake embedder's cosines mean nothing
                    "RELATEDPOSTS_SEARCH_MIN_RELEVANCE": "0",
                    "RELATEDPOSTS_OVERRIDES_FILE": str(_own_overrides(settings))}

    def __call__(self, *args: str, catch_exceptions: bool = False, **env: str) -> Result:
        """Invoke the CLI with args; keyword arguments add or replace environment variables."""
        return CliRunner().invoke(main, list(args), env=self.env | env,
                                  catch_exceptions=catch_exceptions)


def _start(server: Any) -> str:
    """Serve in a daemon thread; return the base URL."""
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """Serve a WSGI app (ours) on 127.0.0.1 for the block; yield its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    try:
        yield _start(server)
    finally:
        server.shutdown()


class _DirectoryHandler(http.server.SimpleHTTPRequestHandler):
    """Serve a directory quietly, writing the real origin where .xml/.txt files say {BASE}."""

    def log_message(self, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        path = Path(self.translate_path(self.path))
        if path.suffix in (".xml", ".txt") and path.is_file():
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            body = path.read_bytes().replace(b"{BASE}", base.encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/xml" if path.suffix == ".xml"
                             else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@contextmanager
def serve_directory(directory: Path,
                    handler: type[http.server.BaseHTTPRequestHandler] = _DirectoryHandler,
                    ) -> Iterator[str]:
    """Serve a static directory on 127.0.0.1 for the block; yield its base URL."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a, **k: handler(*a, directory=str(directory), **k))
    try:
        yield _start(server)
    finally:
        server.shutdown()
        server.server_close()
