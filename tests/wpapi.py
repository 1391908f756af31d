"""A fake WordPress REST API on the scriptable local site: posts, pages of them, and lies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.localsite import LocalSite, Page

TEXT = ("Sciatica is shooting leg pain from an irritated nerve root; walking, gentle "
        "stretches and time settle most cases within weeks.")


def post(base: str, n: int, title: str = "", text: str = TEXT, link: str = "",
         categories: tuple[str, ...] = ("Back pain",), tags: tuple[str, ...] = ("sciatica",),
         image: str | None = "") -> dict[str, Any]:
    """Return one post as the REST API shows it with _embed."""
    terms = [[{"taxonomy": "category", "name": c} for c in categories],
             [{"taxonomy": "post_tag", "name": t} for t in tags]]
    embedded: dict[str, Any] = {"wp:term": terms}
    if image is not None:
        embedded["wp:featuredmedia"] = [{"source_url": image or
                                         f"{base}/wp-content/uploads/p{n}.jpg"}]
    return {"id": n, "link": link or f"{base}/post-{n}/",
            "date": f"2024-03-0{n % 9 + 1}T09:00:00",
            "date_gmt": f"2024-03-0{n % 9 + 1}T08:00:00",
            "title": {"rendered": title or f"Post number {n}"},
            "content": {"rendered": f"<p>{text} Post {n}.</p><p>{text}</p>"},
            "_embedded": embedded}


@dataclass
class FakeAPI:
    """Answers /wp-json/wp/v2/posts (or ?rest_route=) from a list of posts, paged."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    pretty: bool = True  # False: /wp-json/ is a 404, as on a site with plain permalinks
    total_pages: str | None = None  # the X-WP-TotalPages sent; None: the true count
    endless: bool = False  # every page is full of new posts, forever
    per_page_cap: int = 100  # what WordPress itself allows
    raw: dict[int, bytes] = field(default_factory=dict)  # page -> body sent instead
    requests: list[dict[str, list[str]]] = field(default_factory=list)

    def install(self, site: LocalSite) -> None:
        """Make site answer API paths from this fake (other paths as before)."""
        plain = site.answer
        site.answer = lambda path, headers, earlier: self.answer(site, path) or plain(
            path, headers, earlier)

    def answer(self, site: LocalSite, path: str) -> Page | None:
        """Return the API's page for path, or None when path is not the API's."""
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        pretty = parts.path == "/wp-json/wp/v2/posts"
        if not pretty and query.get("rest_route") != ["/wp/v2/posts"]:
            return None
        if pretty and not self.pretty:
            return Page(b"<html><body>Page not found</body></html>", 404)
        self.requests.append(query)
        page = int(query.get("page", ["1"])[0])
        per_page = min(int(query.get("per_page", ["10"])[0]), self.per_page_cap)
        if page in self.raw:
            return Page(self.raw[page], content_type="application/json; charset=UTF-8")
        if self.endless:
            chunk = [post(site.base, (page - 1) * per_page + i) for i in range(per_page)]
        else:
            chunk = self.posts[(page - 1) * per_page:page * per_page]
        total = self.total_pages or str(max(1, -(-len(self.posts) // per_page)))
        if not self.endless and page > 1 and not chunk:
            return Page(b'{"code":"rest_post_invalid_page_number"}', 400, "application/json")
        headers = {"X-WP-Total": str(len(self.posts)), "X-WP-TotalPages": total}
        if self.endless and self.total_pages is None:
            headers = {}
        return Page(json.dumps(chunk).encode(), headers=headers,
                    content_type="application/json; charset=UTF-8")
