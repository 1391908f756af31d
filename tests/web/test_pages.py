"""The widget script, `/`, the demo page (off by default), the clinic's name and colour on every
patient page, and friendly error pages."""

from __future__ import annotations

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.models import Article, Section
from relatedposts.web.app import create_app
from tests.support import SPASMS, TINY


def _html(resp, status: int = 200) -> str:
    assert resp.status_code == status
    assert resp.mimetype == "text/html"
    return resp.get_data(as_text=True)


def test_pages_without_an_index_are_friendly_503(settings: Settings) -> None:
    client = create_app(settings, embedder=FakeEmbedder()).test_client()
    for url in ("/search?q=back", "/demo"):
        page = _html(client.get(url), 503)
        assert "not available yet" in page and "relatedposts build" not in page


def test_demo_page_embeds_the_widget(client) -> None:
    page = _html(client.get(f"/demo?url={SPASMS}"))
    assert f'<link rel="canonical" href="{SPASMS}">' in page
    assert '<script src="/widget.js" async></script>' in page and "data-relatedposts" in page
    assert 'action="/search"' in page and "<h1>Back spasms explained</h1>" in page
    assert _html(client.get("/demo?url=https://clinic.example/blog/nope/"), 404)


def test_widget_is_served_as_cacheable_javascript(client) -> None:
    resp = client.get("/widget.js")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert resp.cache_control.max_age == 3600 and resp.cache_control.public
    body = resp.get_data(as_text=True)
    assert len(resp.data) < 5000 and "api/related" in body and "document.currentScript" in body
    assert "innerHTML" not in body and "console." not in body and "eval(" not in body
    again = client.get("/widget.js", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_no_page_reflects_the_host_header(client) -> None:
    hostile = {"Host": "evil.example", "X-Forwarded-Host": "evil2.example",
               "X-Forwarded-Proto": "javascript"}
    for url in ("/demo", f"/demo?url={SPASMS}", "/search?q=sciatica", "/search", "/widget.js",
                "/api/search?q=sciatica", f"/api/related?url={SPASMS}", "/nowhere"):
        resp = client.get(url, headers=hostile)
        body = resp.get_data(as_text=True)
        assert "evil" not in body and "evil" not in str(resp.headers), url
    assert '&lt;script src="/widget.js" async&gt;' in client.get("/demo").get_data(as_text=True)


def test_search_page_facets_link_to_filters_with_counts(client) -> None:
    html = client.get("/search?q=pain&limit=2").get_data(as_text=True)
    assert '<nav class="facets"' in html
    assert 'href="/search?q=pain&amp;limit=2&amp;tag=leg+pain">leg pain <span class="count">(2)' \
        in html
    assert "from=2023-01-01&amp;to=2023-12-31" in html
    narrowed = client.get("/search?q=pain&limit=1&tag=leg+pain").get_data(as_text=True)
    assert 'tag=leg+pain" aria-current="true"' in narrowed
    assert "Results 1–1 of 2" in narrowed
    assert 'offset=1&amp;limit=1&amp;tag=leg+pain' in narrowed  # paging keeps the filter
    assert 'class="clear" href="/search?q=pain&amp;limit=1"' in narrowed


def test_search_form_works_without_javascript_and_loads_the_combobox(client) -> None:
    html = client.get("/search").get_data(as_text=True)
    assert 'action="/search" method="get"' in html and 'name="q"' in html
    assert 'role="combobox"' not in html  # added by the script: without it, a plain form
    assert 'id="search-status" class="visually-hidden" role="status" aria-live="polite"' in html
    assert '<script src="/search-suggest.js" defer></script>' in html
    script = client.get("/search-suggest.js")
    assert script.mimetype == "text/javascript" and b"aria-activedescendant" in script.data


HOSTILE = "<script>alert(1)</script> Spine & Co"


def _clinic_client(built: Settings, **changes):
    return create_app(built.replace(**changes), embedder=FakeEmbedder()).test_client()


def test_the_root_sends_a_person_to_the_search_page(client) -> None:
    resp = client.get("/", headers={"Host": "evil.example"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/search"
    assert client.get("/?site=x%22").headers["Location"] == "/search?site=x%22"


def test_demo_is_off_unless_asked_for(built) -> None:
    client = _clinic_client(built, demo_page=Settings().demo_page)
    assert Settings().demo_page is False
    for url in ("/demo", f"/demo?url={SPASMS}"):
        assert "Page not found" in _html(client.get(url), 404)
    page = _html(client.get("/search?q=back"))
    assert "/demo" not in page and "Demo article" not in page


def test_pages_wear_the_clinic_name_escaped(built) -> None:
    client = _clinic_client(built, clinic_name=HOSTILE, clinic_primary_color="#123abc",
                            clinic_logo_url="javascript:alert(2)",
                            clinic_footer_text="<b>Call</b> 555-0100")
    for url in ("/search", "/search?q=back", f"/demo?url={SPASMS}", "/search?limit=0"):
        page = _html(client.get(url), 400 if url.endswith("=0") else 200)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Spine &amp; Co" in page, url
        assert "<script>alert" not in page and "Patient Articles" not in page, url
        assert "header.site{background:#123abc;" in page and "javascript:" not in page, url
        assert "&lt;b&gt;Call&lt;/b&gt; 555-0100" in page, url
    assert "<title>Search – &lt;script&gt;" in _html(client.get("/search"))


def test_the_logo_is_shown_when_it_is_a_web_link(built) -> None:
    client = _clinic_client(built, clinic_logo_url="https://clinic.example/logo.png")
    assert '<img src="https://clinic.example/logo.png" alt="">' in _html(client.get("/search"))
    header = _html(_clinic_client(built).get("/search")).split("<main")[0]
    assert "<img" not in header  # no logo set: the name alone


def test_the_widget_and_fragment_default_heading_is_the_setting(built) -> None:
    client = _clinic_client(built, related_heading='More from "Spine" </script>')
    body = client.get("/widget.js").get_data(as_text=True)
    assert '"More from \\"Spine\\" \\u003c/script>"' in body and "You Might Also" not in body
    block = client.get(f"/fragment/related?url={SPASMS}").get_data(as_text=True)
    assert '<h2 class="rp-heading">More from &#34;Spine&#34; &lt;/script&gt;</h2>' in block


def test_demo_renders_an_articles_lists_as_lists_with_their_text_escaped(settings) -> None:
    url = "https://clinic.example/blog/flags/"
    text = ("Go now if you notice:\n\n- Loss of <b>bladder</b> control\n- Loss of bowel control"
            "\n  - numb groin\n\n1. Call us\n2. Go\n\n- a lone line")
    build_index([*TINY, Article(url=url, title="Red flags", sections=(Section("", text),),
                                date="2024-02-02")], FakeEmbedder(), settings)
    page = _html(create_app(settings, embedder=FakeEmbedder()).test_client().get(
        f"/demo?url={url}"))
    assert "<p>Go now if you notice:</p>" in page
    assert ("<ul><li>Loss of &lt;b&gt;bladder&lt;/b&gt; control</li><li>Loss of bowel control"
            "<ul><li>numb groin</li></ul></li></ul>") in page
    assert "<ol><li>Call us</li><li>Go</li></ol>" in page
    assert "<ul><li>a lone line</li></ul>" in page
    assert "<b>bladder" not in page
