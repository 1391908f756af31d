"""Redirects: each hop checked like a link, at most MAX_REDIRECTS, failures typed."""

from __future__ import annotations

import pytest

from relatedposts.config import Settings
from relatedposts.errors import FetchError, FetchRefused, FetchTimeout, TooManyRedirects
from relatedposts.ingest.fetch import Fetcher
from relatedposts.ingest.redirects import MAX_REDIRECTS, follow_redirects, next_url
from relatedposts.ingest.robots import robots_unfetched
from tests.localsite import Page

BASE = "http://127.0.0.1:9"  # never connected to: send() below is a fake


class Answer:
    def __init__(self, status: int, location: str | None = None) -> None:
        self.status_code = status
        self.headers = {"Location": location} if location else {}
        self.closed = False

    def close(self) -> None:
        self.closed = True


def _site(routes: dict[str, Answer]):
    sent: list[str] = []

    def send(url: str) -> Answer:
        sent.append(url)
        return routes[url]

    return send, sent


def test_redirects_are_followed_and_every_hop_checked() -> None:
    hop, final = Answer(301, "/b"), Answer(200)
    send, sent = _site({f"{BASE}/a": hop, f"{BASE}/b": Answer(302, f"{BASE}/c"),
                        f"{BASE}/c": final})
    checked: list[str] = []
    url, resp = follow_redirects(f"{BASE}/a", lambda u: checked.append(u) or u, send)
    assert (url, resp) == (f"{BASE}/c", final)
    assert checked == sent == [f"{BASE}/a", f"{BASE}/b", f"{BASE}/c"]
    assert hop.closed and not final.closed


def test_a_redirect_off_the_origin_is_refused_before_it_is_sent() -> None:
    fetcher = Fetcher(Settings(), [BASE + "/"])
    send, sent = _site({f"{BASE}/a": Answer(302, "https://example.com/blog/")})
    with pytest.raises(FetchRefused) as info:
        follow_redirects(f"{BASE}/a", lambda u: fetcher.check_allowed(u, robots=False), send)
    assert info.value.message == "refused: example.com is not the site's own origin"
    assert sent == [f"{BASE}/a"]


def test_an_unsafe_location_is_refused() -> None:
    with pytest.raises(FetchRefused, match="^refused: redirect from "):
        next_url(f"{BASE}/a", "file:///etc/passwd")


def test_a_redirect_without_location_fails_but_is_no_refusal() -> None:
    with pytest.raises(FetchError) as info:
        next_url(f"{BASE}/a", None)
    assert not isinstance(info.value, FetchRefused)
    assert info.value.message == f"redirect without Location from {BASE}/a"


def test_a_loop_stops_after_max_redirects() -> None:
    send, sent = _site({f"{BASE}/loop": Answer(302, "/loop")})
    with pytest.raises(TooManyRedirects, match=r"^too many redirects \(more than 5\)$"):
        follow_redirects(f"{BASE}/loop", lambda u: u, send)
    assert len(sent) == MAX_REDIRECTS + 1


@pytest.mark.parametrize(("error", "allow_all"), [
    (TooManyRedirects("too many redirects (more than 5)"), True),
    (FetchRefused("refused: example.com is not the site's own origin"), True),
    (FetchTimeout("timeout"), False),
    (FetchError("connection failed: ConnectionError"), False)])
def test_robots_txt_lost_to_redirects_counts_as_absent(error, allow_all) -> None:
    rules = robots_unfetched(error)
    assert rules.allow_all is allow_all
    assert error.message in rules.why


def test_the_fetcher_refuses_a_redirect_off_the_origin(settings, site) -> None:
    site.pages["/robots.txt"] = Page(b"", content_type="text/plain")
    site.pages["/moved"] = Page(status=301, headers={"Location": "https://example.com/blog/"})
    with pytest.raises(FetchRefused, match="^refused: example.com is not the site's own origin$"):
        Fetcher(settings, [site.base]).get(f"{site.base}/moved")
    assert site.paths().count("/moved") == 1  # the local site only: example.com never asked
