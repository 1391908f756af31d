"""A polite, safe HTTP fetcher: same host only, robots.txt, timeouts, size cap, retries."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import urllib.robotparser
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests

from relatedposts.config import Settings
from relatedposts.errors import FetchError
from relatedposts.urls import host_of

MAX_REDIRECTS = 5
RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Response:
    """A fetched page: final URL, body bytes and the validators for conditional requests."""

    url: str
    status: int
    content_type: str
    body: bytes
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """Return True when the server answered 304 to a conditional request."""
        return self.status == 304


class Fetcher:
    """Fetch pages from the configured hosts only, obeying robots.txt and rate limits."""

    def __init__(self, settings: Settings, allowed_hosts: set[str],
                 session: requests.Session | None = None) -> None:
        self.settings = settings
        self.allowed_hosts = {h.lower().removeprefix("www.") for h in allowed_hosts}
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._lock = threading.Lock()
        self._last_request = 0.0
        self._private_ok = {h for h in self.allowed_hosts if _is_internal(h)}

    def get(self, url: str, etag: str | None = None,
            last_modified: str | None = None) -> Response:
        """Fetch url following safe redirects; raise FetchError with the reason on failure."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(MAX_REDIRECTS + 1):
            self.check_allowed(url)
            resp = self._request_with_retries(url, headers)
            if resp.is_redirect or resp.status_code in (301, 302, 303, 307, 308):
                location = resp.headers.get("Location")
                resp.close()
                if not location:
                    raise FetchError(f"redirect without Location from {url}")
                url = urljoin(url, location)
                continue
            return self._read(url, resp)
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")

    def check_allowed(self, url: str) -> None:
        """Raise FetchError unless url is http(s), on an allowed host, safe, and robots-allowed."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"refused: scheme {parts.scheme!r} is not http(s)")
        host = host_of(url)
        if host not in self.allowed_hosts:
            raise FetchError(f"refused: {host or 'no host'} is not the site's own host")
        if host not in self._private_ok and _is_internal(host):
            raise FetchError(f"refused: {host} resolves to a private or loopback address")
        if not self._robots_allows(url):
            raise FetchError("refused: disallowed by robots.txt")

    def _request_with_retries(self, url: str, headers: dict[str, str]) -> requests.Response:
        """Send one GET, retrying 429/5xx and connection errors with backoff."""
        attempt = 0
        while True:
            self._pace()
            try:
                resp = self.session.get(url, headers=headers, stream=True, allow_redirects=False,
                                        timeout=self.settings.fetch_timeout)
            except ValueError as exc:  # requests could not parse it (Location "http://[::1")
                raise FetchError(f"malformed address or redirect from {url}") from exc
            except requests.Timeout as exc:
                if attempt >= self.settings.max_retries:
                    raise FetchError("timeout") from exc
            except requests.RequestException as exc:
                if attempt >= self.settings.max_retries:
                    raise FetchError(f"connection failed: {type(exc).__name__}") from exc
            else:
                if resp.status_code not in RETRY_STATUSES or attempt >= self.settings.max_retries:
                    return resp
                delay = _retry_after(resp.headers.get("Retry-After"))
                resp.close()
                if delay is not None:
                    time.sleep(min(delay, 30.0))
                    attempt += 1
                    continue
            time.sleep(min(0.5 * 2**attempt, 8.0))
            attempt += 1

    def _read(self, url: str, resp: requests.Response) -> Response:
        """Read the body under the size cap and check the status and content type."""
        with resp:
            if resp.status_code == 304:
                return Response(url, 304, "", b"", resp.headers.get("ETag"),
                                resp.headers.get("Last-Modified"))
            if resp.status_code != 200:
                raise FetchError(f"HTTP {resp.status_code}")
            ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if ctype and ctype not in ("text/html", "application/xhtml+xml", "text/xml",
                                       "application/xml", "text/plain"):
                raise FetchError(f"not HTML ({ctype})")
            declared = resp.headers.get("Content-Length")
            limit = self.settings.max_page_bytes
            if declared and declared.isdigit() and int(declared) > limit:
                raise FetchError(f"page too large ({declared} bytes > {limit})")
            body = bytearray()
            for part in resp.iter_content(65536):
                body.extend(part)
                if len(body) > limit:
                    raise FetchError(f"page too large (over {limit} bytes)")
            return Response(url, 200, ctype, bytes(body), resp.headers.get("ETag"),
                            resp.headers.get("Last-Modified"))

    def _pace(self) -> None:
        """Keep at least crawl_delay seconds between requests across threads."""
        if self.settings.crawl_delay <= 0:
            return
        with self._lock:
            wait = self._last_request + self.settings.crawl_delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_request = time.monotonic()

    def _robots_allows(self, url: str) -> bool:
        """Return whether robots.txt of url's origin lets our User-Agent fetch it."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin not in self._robots:
                self._robots[origin] = self._load_robots(origin)
            parser = self._robots[origin]
        return parser is None or parser.can_fetch(self.settings.user_agent, url)

    def _load_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """Fetch and parse robots.txt; a missing one allows everything, a 5xx nothing."""
        try:
            resp = self.session.get(origin + "/robots.txt", timeout=self.settings.fetch_timeout,
                                    allow_redirects=False)
        except requests.RequestException:
            return None
        parser = urllib.robotparser.RobotFileParser()
        if resp.status_code >= 500:  # RFC 9309: the site is in trouble, crawl nothing now
            parser.parse(["User-agent: *", "Disallow: /"])
            return parser
        if resp.status_code != 200:
            return None
        parser.parse(resp.text[:500_000].splitlines())
        return parser


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


def _is_internal(host: str) -> bool:
    """Return True when host is or resolves to a loopback, private or link-local address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved:
            return True
    return False
