"""GET /fragment/related: the block as escaped HTML, cached by ETag, empty bodies on errors."""

from __future__ import annotations

from urllib.parse import quote

from relatedposts.blockhtml import render_block
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.models import Article, Section
from relatedposts.web.app import create_app
from relatedposts.web.context import get_service
from tests.ampcheck import amp_problems
from tests.support import SCIATICA, TINY, XSS_TITLE

EVIL = Article(url="https://clinic.example/blog/evil/", title=XSS_TITLE,
               sections=(Section("", "Sciatic nerve leg pain <script>alert(2)</script>. " * 5),),
               date="2026-01-01", summary="<script>alert(3)</script>", image="javascript:alert(4)")


def fragment(client, url: str = SCIATICA, extra: str = "", path: str = "/fragment/related"):
    return client.get(f"{path}?url={quote(url)}{extra}")


def test_the_fragment_is_the_services_list_rendered_by_the_shared_template(app, client) -> None:
    resp = fragment(client, extra="&limit=3")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    article, posts = get_service(app).related(SCIATICA, 3)
    html = resp.get_data(as_text=True)
    assert html == render_block(posts)
    assert html.count('<li class="rp-item">') == 3
    for p in posts:
        assert f'<a class="rp-link" href="{p.url}">' in html
    assert SCIATICA not in html  # never the article itself


def test_hostile_titles_and_summaries_are_escaped(settings) -> None:
    build_index([*TINY, EVIL], FakeEmbedder(), settings)
    client = create_app(settings, embedder=FakeEmbedder()).test_client()
    html = fragment(client, extra="&limit=20").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt; Evil back pain" in html
    assert "<script" not in html and "<img src=x" not in html and "javascript:" not in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html


def test_etag_and_cache_control_like_the_api_and_304(client) -> None:
    first = fragment(client)
    assert first.headers["ETag"] and "max-age=300" in first.headers["Cache-Control"]
    assert "public" in first.headers["Cache-Control"]
    again = fragment(client, extra="", path="/fragment/related")
    assert again.headers["ETag"] == first.headers["ETag"] and again.data == first.data
    cached = client.get(f"/fragment/related?url={quote(SCIATICA)}",
                        headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304 and cached.data == b""
    tags = {fragment(client, extra=e).headers["ETag"] for e in
            ("", "&limit=3", "&amp=1", "&heading=Read+next")}
    api = client.get(f"/api/related?url={quote(SCIATICA)}").headers["ETag"]
    assert len(tags) == 4 and api not in tags


def test_a_new_version_changes_the_etag(app, client, built) -> None:
    first = fragment(client)
    build_index(TINY[:-1], FakeEmbedder(), built)
    get_service(app).reload()
    assert fragment(client).headers["ETag"] != first.headers["ETag"]


def test_errors_are_empty_html_with_the_reason_in_a_header(client) -> None:
    for extra, url, status in (("", "https://clinic.example/blog/nope/", 404),
                               ("&limit=0", SCIATICA, 400), ("&limit=abc", SCIATICA, 400),
                               ("&limit=99999", SCIATICA, 400), ("", "", 400),
                               ("", "x" * 3000, 400), ("&heading=" + "h" * 201, SCIATICA, 400)):
        resp = fragment(client, url, extra)
        assert resp.status_code == status, (extra, url[:20])
        assert resp.data == b"" and resp.mimetype == "text/html"
        assert resp.headers["X-Relatedposts-Error"]
    gone = fragment(client, "https://clinic.example/blog/nope/\r\nX-Evil: 1")
    assert gone.status_code == 404 and "\n" not in gone.headers["X-Relatedposts-Error"]
    assert "max-age=60" in gone.headers["Cache-Control"]


def test_without_an_index_the_fragment_is_an_empty_503(settings) -> None:
    client = create_app(settings, embedder=FakeEmbedder()).test_client()
    resp = fragment(client)
    assert resp.status_code == 503 and resp.data == b"" and "no-store" in \
        resp.headers["Cache-Control"]


def test_the_amp_variant_follows_the_amp_rules(client) -> None:
    for resp in (fragment(client, extra="&amp=1&limit=5"),
                 fragment(client, extra="&limit=5", path="/fragment/related.amp")):
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and html.count("<amp-img") == 5
        assert amp_problems(html) == []
    assert amp_problems(fragment(client).get_data(as_text=True)) != []  # the plain one has <img>


def test_a_sites_file_fragment_needs_its_site(multi) -> None:
    client = create_app(multi, embedder=FakeEmbedder()).test_client()
    resp = client.get("/fragment/related?url=https://www.summit.example/a/")
    assert resp.status_code == 400 and resp.data == b""
