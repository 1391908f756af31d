"""URL keys: one key per page, whatever the spelling of its URL."""

from __future__ import annotations

import pytest

from relatedposts.urls import url_key


@pytest.mark.parametrize("url, key", [
    ("https://clinic.example/blog/sciatica/", "clinic.example/blog/sciatica"),
    ("http://www.Clinic.Example/blog/sciatica", "clinic.example/blog/sciatica"),
    ("  https://clinic.example/blog/sciatica/?utm=x#top ", "clinic.example/blog/sciatica"),
    ("https://clinic.example/blog/index.html", "clinic.example/blog"),
    ("https://clinic.example/blog/index.htm", "clinic.example/blog"),
    ("https://clinic.example:443/a", "clinic.example/a"),
    ("https://clinic.example:8443/a", "clinic.example:8443/a"),
    ("https://clinic.example/Blog/Sciatica", "clinic.example/blog/sciatica"),
    ("/blog/sciatica/", "/blog/sciatica"),
    ("http://[::1", "invalid:http://[::1"),
    ("http://clinic.example:notaport/a", "invalid:http://clinic.example:notaport/a"),
    ("", ""),
])
def test_url_key(url: str, key: str) -> None:
    assert url_key(url) == key


def test_url_key_keeps_different_pages_apart() -> None:
    assert url_key("https://a.example/x") != url_key("https://b.example/x")
    assert url_key("https://a.example/x") != url_key("https://a.example/x/y")
