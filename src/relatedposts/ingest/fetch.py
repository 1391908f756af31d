"""A polite, safe HTTP fetcher: the site's own origin only, robots.txt, deadlines, size caps.

Every URL goes through one parser (relatedposts.urls.parse_web_url) before it is checked,
requested or followed; the connection itself is checked again on the address it reaches
(ingest/netguard.py). Bodies are read under a byte cap after decompression, and each page
has a total deadline besides the per-read timeout, so no server can hold the crawl.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests
import urllib3

from relatedposts.config import Settings
from relatedposts.errors import FetchError
from relatedposts.ingest.netguard import AddressPolicy, Deadline, guarded_session, resolve
from relatedposts.ingest.robots import (
    ROBOTS_MAX_BYTES,
    Robots,
    robots_from_answer,
    robots_unfetched,
)
from relatedposts.urls import UnsafeURL, WebURL, parse_web_url

MAX_REDIRECTS = 5
RETRY_STATUSES = {429, 500, 502, 503, 504}
REDIRECTS = {301, 302, 303, 307, 308}
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
        self.session.headers["User-Agent"] = settings.user_agent
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
        self._robots: dict[str, Robots] = {}
        self._lock = threading.Lock()
        self._robots_lock = threading.Lock()
        self._last_request = 0.0

    def get(self, url: str, etag: str | None = None,
            last_modified: str | None = None) -> Response:
        """Fetch url within the page deadline; raise FetchError with the reason on failure."""
        headers = {k: v for k, v in (("If-None-Match", etag),
                                     ("If-Modified-Since", last_modified)) if v}
        Deadline.start(self.settings.fetch_deadline)
        try:
            resp = self._fetch(url, headers, self.settings.max_page_bytes)
        finally:
            Deadline.cancel_watches()
            Deadline.stop()
        if resp.status == 304:
            return resp
        if resp.status != 200:
            raise FetchError(f"HTTP {resp.status}")
        if resp.content_type and resp.content_type not in PAGE_TYPES:
            raise FetchError(f"not HTML ({resp.content_type})")
        return resp

    def check_allowed(self, url: str, robots: bool = True) -> str:
        """Return url normalized, or raise FetchError unless it is ours, safe and allowed."""
        parsed = self.own_url(url)
        for ip in resolve(parsed.host, parsed.port):  # early, for a clear reason; the
            self.policy.check(parsed.host, ip, parsed.port)  # connection checks again
        rules = self._robots_for(parsed) if robots else None
        if rules is not None and not rules.allows(str(parsed), self.settings.user_agent):
            why = f" ({rules.why})" if rules.why else ""
            raise FetchError(f"refused: disallowed by robots.txt{why}")
        return str(parsed)

    def own_url(self, url: str) -> WebURL:
        """Return url parsed, or raise FetchError unless it is on one of the sources' origins."""
        try:
            parsed = parse_web_url(url)
        except UnsafeURL as exc:
            raise FetchError(f"refused: {exc}") from exc
        if WebURL(parsed.scheme, parsed.host, parsed.port, "/") not in self.origins:
            raise FetchError(f"refused: {parsed.netloc} is not the site's own origin")
        return parsed

    def _fetch(self, url: str, headers: dict[str, str], limit: int, truncate: bool = False,
               robots: bool = True) -> Response:
        """Follow at most MAX_REDIRECTS redirects on our origin; read the final body."""
        for _ in range(MAX_REDIRECTS + 1):
            url = self.check_allowed(url, robots)
            resp = self._request(url, headers, retries=robots)
            if resp.status_code in REDIRECTS:
                location = resp.headers.get("Location")
                resp.close()
                if not location:
                    raise FetchError(f"redirect without Location from {url}")
                try:
                    url = str(parse_web_url(location, base=url))
                except UnsafeURL as exc:
                    raise FetchError(f"refused: redirect from {url}: {exc}") from exc
                continue
            return self._read(url, resp, limit, truncate)
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")

    def _request(self, url: str, headers: dict[str, str], retries: bool) -> requests.Response:
        """Send one GET, retrying 429/5xx and connection errors with backoff."""
        attempt, most = 0, self.settings.max_retries if retries else 0
        while True:
            self._pace()
            left = Deadline.remaining()
            if left is not None and left <= 0:
                raise FetchError(f"page took longer than {self.settings.fetch_deadline:g}s")
            read_timeout = self.settings.fetch_timeout if left is None else min(
                self.settings.fetch_timeout, left)
            try:
                resp = self.session.get(url, headers=headers, stream=True, allow_redirects=False,
                                        timeout=(self.settings.fetch_timeout, read_timeout))
            except MALFORMED as exc:  # requests could not parse a Location ("http://[::1")
                raise FetchError(f"refused: malformed address or redirect from {url}") from exc
            except requests.RequestException as exc:
                if attempt >= most:
                    raise self._failure(exc) from exc
            else:
                if resp.status_code not in RETRY_STATUSES or attempt >= most:
                    return resp
                delay = _retry_after(resp.headers.get("Retry-After"))
                resp.close()
                if delay is not None:
                    time.sleep(min(delay, 30.0))
                    attempt += 1
                    continue
            time.sleep(min(0.5 * 2**attempt, 8.0))
            attempt += 1

    def _failure(self, exc: Exception) -> FetchError:
        """Turn a requests error into a FetchError with a short reason."""
        left = Deadline.remaining()
        if left is not None and left <= 0:
            return FetchError(f"page took longer than {self.settings.fetch_deadline:g}s")
        if isinstance(exc, requests.Timeout):
            return FetchError("timeout")
        return FetchError(f"connection failed: {type(exc).__name__}")

    def _read(self, url: str, resp: requests.Response, limit: int, truncate: bool) -> Response:
        """Read the body (only of a 200) under the size cap, decompressing as we go."""
        with resp:
            ctype_header = resp.headers.get("Content-Type", "")
            ctype = ctype_header.split(";")[0].strip().lower()
            meta = (resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
            if resp.status_code != 200:
                return Response(url, resp.status_code, ctype, b"", *meta)
            declared = resp.headers.get("Content-Length", "")
            encoded = resp.headers.get("Content-Encoding", "identity").strip().lower()
            if (not truncate and declared.isdigit() and int(declared) > limit
                    and encoded in ("", "identity")):
                raise FetchError(f"page too large ({declared} bytes > {limit})")
            try:
                body = read_capped(resp, limit, truncate)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                raise self._failure(exc) from exc
            return Response(url, 200, ctype, body, *meta, charset=_charset(ctype_header))

    def _pace(self) -> None:
        """Keep at least crawl_delay seconds between requests across threads."""
        if self.settings.crawl_delay <= 0:
            return
        with self._lock:
            wait = self._last_request + self.settings.crawl_delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_request = time.monotonic()

    def _robots_for(self, url: WebURL) -> Robots:
        """Return the robots.txt rules of url's origin, fetched once."""
        origin = str(WebURL(url.scheme, url.host, url.port, "/"))
        with self._robots_lock:
            if origin not in self._robots:
                try:
                    answer = self._fetch(origin + "robots.txt", {}, ROBOTS_MAX_BYTES,
                                         truncate=True, robots=False)
                    self._robots[origin] = robots_from_answer(answer.status, answer.body)
                except FetchError as exc:
                    self._robots[origin] = robots_unfetched(exc.message)
            return self._robots[origin]


def read_capped(resp: requests.Response, limit: int, truncate: bool = False) -> bytes:
    """Read and decompress resp's body; past limit bytes raise FetchError (or truncate)."""
    encoding = resp.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        decoder = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    elif encoding in ("", "identity"):
        decoder = None
    else:
        raise FetchError(f"unsupported Content-Encoding {encoding!r}")
    raw, out = resp.raw, bytearray()
    while len(out) <= limit:
        if _overdue():
            raise FetchError("page took longer than its deadline")
        chunk = (raw.read1(65536, decode_content=False) if isinstance(raw, urllib3.HTTPResponse)
                 else raw.read1(65536))
        if not chunk:
            if _overdue():  # the deadline shut the socket: this "end" is no real end
                raise FetchError("page took longer than its deadline")
            break
        try:  # max_length: a gzip bomb never inflates past the cap, even within one chunk
            out += decoder.decompress(chunk, limit + 1 - len(out)) if decoder else chunk
        except zlib.error as exc:
            raise FetchError(f"body does not decompress ({exc})") from exc
    if len(out) > limit:
        if truncate:
            return bytes(out[:limit])
        raise FetchError(f"page too large (over {limit} bytes)")
    return bytes(out)


def _overdue() -> bool:
    left = Deadline.remaining()
    return left is not None and left <= 0


def _charset(content_type: str) -> str | None:
    """Return the charset parameter of a Content-Type header, if any."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip(' "\''):
            return value.strip(' "\'').lower()
    return None


def _retry_after(value: str | None) -> float | None:
    """Parse a Retry-After header given as seconds or as an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
