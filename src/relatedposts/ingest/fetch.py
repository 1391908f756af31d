"""The Fetcher: one page fetched politely and safely, composed of the crawler's components.

Every URL goes through one parser (relatedposts.urls.parse_web_url) before it is checked,
requested or followed; the connection itself is checked again on the address it reaches
(netguard.py). The Fetcher composes, in the order a request meets them: the origin and
robots.txt checks (robots.py), redirects (redirects.py), pacing (pacing.py), retries
(retry.py), the total deadline (netguard.Deadline) and the size cap after decompression
(sizecap.py, decompress.py), so no server can hold the crawl.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import requests
import urllib3

from relatedposts.config import Settings
from relatedposts.errors import (
    FetchError,
    FetchHTTPStatus,
    FetchRefused,
    FetchTimeout,
    NotAPage,
)
from relatedposts.ingest.netguard import AddressPolicy, Deadline, guarded_session, resolve
from relatedposts.ingest.pacing import Pacer
from relatedposts.ingest.redirects import MAX_REDIRECTS, follow_redirects
from relatedposts.ingest.retry import with_retries
from relatedposts.ingest.robots import ROBOTS_MAX_BYTES, RobotsCache
from relatedposts.ingest.sizecap import check_declared_length, read_capped
from relatedposts.urls import UnsafeURL, WebURL, parse_web_url

__all__ = ["MAX_REDIRECTS", "PAGE_TYPES", "Fetcher", "Response", "origin_of", "read_capped"]

MALFORMED = (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
             requests.exceptions.MissingSchema, ValueError)
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml",
              "text/plain", "application/x-gzip", "application/gzip")


@dataclass(frozen=True)
class Response:
    """A fetched page: final URL, body bytes and the validators for conditional requests."""

    url: str
    status: int
    content_type: str
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    charset: str | None = None  # from the Content-Type header, if it names one
    headers: Mapping[str, str] = field(default_factory=dict)  # of a 200 (X-WP-TotalPages...)

    @property
    def not_modified(self) -> bool:
        """Return True when the server answered 304 to a conditional request."""
        return self.status == 304


def origin_of(source: str) -> WebURL:
    """Return the origin URL of a source URL (a bare host stands for http://host/)."""
    url = parse_web_url(source if "://" in source else f"http://{source}/")
    return WebURL(url.scheme, url.host, url.port, "/")


class Fetcher:
    """Fetch pages from the sources' own origins only, obeying robots.txt and rate limits."""

    def __init__(self, settings: Settings, origins: Iterable[str],
                 session: requests.Session | None = None) -> None:
        self.settings = settings
        self.origins = {origin_of(o) for o in origins}
        self.policy = AddressPolicy(self.origins)
        self.session = guarded_session(self.policy, session, max(4, settings.crawl_concurrency))
        self.session.headers["User-Agent"] = settings.fetch_user_agent
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
        self.pacer = Pacer(settings.crawl_delay)
        self.robots = RobotsCache(self._fetch_robots)

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None,
            types: tuple[str, ...] = PAGE_TYPES) -> Response:
        """Fetch url within the page deadline; raise FetchError with the reason on failure.

        types are the content types accepted (pages by default; an API asks for JSON).
        """
        headers = {k: v for k, v in (("If-None-Match", etag),
                                     ("If-Modified-Since", last_modified)) if v}
        Deadline.start(self.settings.fetch_deadline)
        try:
            resp = self._fetch(url, headers, self.settings.fetch_max_page_bytes)
        finally:
            Deadline.cancel_watches()
            Deadline.stop()
        if resp.status == 304:
            return resp
        if resp.status != 200:
            raise FetchHTTPStatus(f"HTTP {resp.status}", resp.status)
        if resp.content_type and resp.content_type not in types:
            what = "HTML" if types == PAGE_TYPES else " or ".join(types)
            raise NotAPage(f"not {what} ({resp.content_type})", resp.content_type)
        return resp

    def check_allowed(self, url: str, robots: bool = True) -> str:
        """Return url normalized, or raise FetchRefused unless it is ours, safe and allowed."""
        parsed = self.own_url(url)
        for ip in resolve(parsed.host, parsed.port):  # early, for a clear reason; the
            self.policy.check(parsed.host, ip, parsed.port)  # connection checks again
        if not robots:
            return str(parsed)
        rules = self.robots.rules_for(str(WebURL(parsed.scheme, parsed.host, parsed.port, "/")))
        if not rules.allows(str(parsed), self.settings.fetch_user_agent):
            why = f" ({rules.why})" if rules.why else ""
            raise FetchRefused(f"refused: disallowed by robots.txt{why}")
        return str(parsed)

    def own_url(self, url: str) -> WebURL:
        """Return url parsed, or raise FetchRefused unless it is on one of the sources' origins."""
        try:
            parsed = parse_web_url(url)
        except UnsafeURL as exc:
            raise FetchRefused(f"refused: {exc}") from exc
        if WebURL(parsed.scheme, parsed.host, parsed.port, "/") not in self.origins:
            raise FetchRefused(f"refused: {parsed.netloc} is not the site's own origin")
        return parsed

    def _fetch(self, url: str, headers: dict[str, str], limit: int, truncate: bool = False,
               robots: bool = True) -> Response:
        """Follow redirects on our origin (robots.txt itself: unchecked, no retries); read."""
        final, resp = follow_redirects(
            url, lambda u: self.check_allowed(u, robots),
            lambda u: with_retries(lambda: self._send(u, headers),
                                   self.settings.retry_max if robots else 0, self._failure))
        return self._read(final, resp, limit, truncate)

    def _fetch_robots(self, url: str) -> tuple[int, bytes]:
        """Fetch a robots.txt: its first ROBOTS_MAX_BYTES are all we read (RFC 9309)."""
        answer = self._fetch(url, {}, ROBOTS_MAX_BYTES, truncate=True, robots=False)
        return answer.status, answer.body

    def _send(self, url: str, headers: dict[str, str]) -> requests.Response:
        """Send one GET after the politeness delay, its read timeout cut to the deadline."""
        self.pacer.wait()
        left = Deadline.remaining()
        if left is not None and left <= 0:
            raise self._overdue()
        read_timeout = self.settings.fetch_timeout if left is None else min(
            self.settings.fetch_timeout, left)
        try:
            return self.session.get(url, headers=headers, stream=True, allow_redirects=False,
                                    timeout=(self.settings.fetch_timeout, read_timeout))
        except MALFORMED as exc:  # requests could not parse a Location ("http://[::1")
            raise FetchRefused(f"refused: malformed address or redirect from {url}") from exc

    def _overdue(self) -> FetchTimeout:
        return FetchTimeout(f"page took longer than {self.settings.fetch_deadline:g}s")

    def _failure(self, exc: Exception) -> FetchError:
        """Turn a requests error into a FetchError with a short reason."""
        left = Deadline.remaining()
        if left is not None and left <= 0:
            return self._overdue()
        if isinstance(exc, requests.Timeout):
            return FetchTimeout("timeout")
        return FetchError(f"connection failed: {type(exc).__name__}")

    def _read(self, url: str, resp: requests.Response, limit: int, truncate: bool) -> Response:
        """Read the body (only of a 200) under the size cap, decompressing as we go."""
        with resp:
            ctype_header = resp.headers.get("Content-Type", "")
            ctype = ctype_header.split(";")[0].strip().lower()
            meta = (resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
            if resp.status_code != 200:
                return Response(url, resp.status_code, ctype, b"", *meta)
            if not truncate:  # a truncated read (robots.txt) takes the start of any body
                check_declared_length(resp.headers, limit)
            try:
                body = read_capped(resp, limit, truncate)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                raise self._failure(exc) from exc
            return Response(url, 200, ctype, body, *meta, charset=_charset(ctype_header),
                            headers=resp.headers)  # case-insensitive


def _charset(content_type: str) -> str | None:
    """Return the charset parameter of a Content-Type header, if any."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip(' "\''):
            return value.strip(' "\'').lower()
    return None
