"""The block's HTML: the widget's classes, escaped text, only http(s) links, the AMP variant."""

from __future__ import annotations

from html.parser import HTMLParser

from relatedposts.blockhtml import block_items, render_block, web_url
from relatedposts.models import RelatedPost
from tests.ampcheck import amp_problems
from tests.support import XSS_TITLE

IMG = "https://clinic.example/img/a.jpg"


def post(url: str = "https://clinic.example/blog/a/", title: str = "A post",
         image: str | None = IMG, summary: str = "About a") -> RelatedPost:
    return RelatedPost(url=url, title=title, summary=summary, image=image, date=None, score=0.5)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs).get("class") or ""))

    def handle_data(self, data) -> None:
        if data.strip():
            self.text.append(data)


def parsed(html: str) -> _Tags:
    tags = _Tags()
    tags.feed(html)
    return tags


def test_hostile_titles_summaries_and_links_stay_text() -> None:
    evil = [post(title=XSS_TITLE, summary="<b onmouseover=alert(3)>x</b>"),
            post(url="javascript:alert(5)//", title="never a link"),
            post(url="https://clinic.example/b/", title="B", image="javascript:alert(4)"),
            post(url="https://clinic.example/c/\" onclick=\"alert(6)", title="C")]
    html = render_block(evil)
    tags = parsed(html)
    assert ("img", "rp-image") in tags.tags and ("b", "") not in tags.tags
    assert XSS_TITLE in tags.text and "<b onmouseover=alert(3)>x</b>" in tags.text
    assert "javascript:" not in html and "never a link" not in html
    assert 'onclick="' not in html and "&#34; onclick=&#34;" in html
    # Three posts shown; the javascript: image of the second is dropped, the others kept.
    assert [t[0] for t in tags.tags].count("li") == 3
    assert [t[0] for t in tags.tags].count("img") == 2


def test_the_markup_has_the_widgets_classes_in_its_order() -> None:
    tags = parsed(render_block([post(), post(image=None, summary="")])).tags
    assert tags == [("section", "rp-block"), ("h2", "rp-heading"), ("ul", "rp-list"),
                    ("li", "rp-item"), ("a", "rp-link"), ("img", "rp-image"),
                    ("span", "rp-title"), ("p", "rp-summary"),
                    ("li", "rp-item"), ("a", "rp-link"), ("span", "rp-title")]


def test_no_showable_post_renders_nothing_and_an_empty_heading_none() -> None:
    assert render_block([]) == ""
    assert render_block([post(url="ftp://x.example/", title="x"), post(title="")]) == ""
    assert "rp-heading" not in render_block([post()], heading="")
    assert "Read next &amp; more" in render_block([post()], heading="Read next & more")


def test_the_amp_variant_follows_the_amp_rules_it_claims() -> None:
    html = render_block([post(title=XSS_TITLE), post(image=None)], amp=True)
    assert amp_problems(html) == []
    assert '<amp-img class="rp-image"' in html and "<img" not in html
    assert amp_problems(render_block([post()])) == ["forbidden tag <img>"]  # the checker bites
    assert amp_problems('<amp-img src="https://x/" width="0" layout="x"></amp-img>') != []


def test_web_url_accepts_only_absolute_http_links() -> None:
    assert web_url(" https://a.example/x ") == "https://a.example/x"
    assert [web_url(v) for v in ("", None, "/x", "javascript:x", "https://", "http://[::")] == \
        [None] * 6
    assert [i.href for i in block_items([post(), post(url="mailto:a@b")])] == [
        "https://clinic.example/blog/a/"]
