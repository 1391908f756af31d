"""URL helpers: lookup keys, and the crawler's one parser for every URL it touches."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string


def url_key(url: str) -> str:
    """Return the lookup key of a URL: scheme, www., query, fragment and trailing slash ignored."""
    try:
        parts = urlsplit(url.strip())
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:  # "http://[::1", a port that is no number: a key no article has
        return "invalid:" + url.strip().lower()
    if host.startswith("www."):
        host = host[4:]
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    for index_name in ("/index.html", "/index.htm"):
        if path.endswith(index_name):
            path = path[: -len(index_name)]
    return f"{host}{path}".lower() if host else path.lower()


def host_of(url: str) -> str:
    """Return the host of a URL without a leading www., lowercased ("" if it has none)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # a malformed address such as "http://[::1"
        return ""
    return host[4:] if host.startswith("www.") else host


# --- One parser for every URL the crawler checks, fetches or stores (issue 11) -----------

DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class UnsafeURL(ValueError):
    """A URL the crawler will neither fetch nor store, with the reason."""


@dataclass(frozen=True)
class WebURL:
    """An http(s) URL in its one normalized form: what is checked is what is connected to."""

    scheme: str
    host: str  # lowercase, IDNA-encoded; IPv6 without brackets
    port: int
    path: str  # path and query, percent-encoded, at least "/"

    @property
    def origin(self) -> tuple[str, str, int]:
        """Return (scheme, host, port): two URLs may share a crawl only with equal origins."""
        return (self.scheme, self.host, self.port)

    @property
    def netloc(self) -> str:
        """Return host[:port] as it appears in the URL (default port left out)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.path}"


def parse_web_url(raw: str, base: str | None = None) -> WebURL:
    """Normalize raw (resolved against base) the way browsers do, or raise UnsafeURL.

    Backslashes become slashes and tabs/newlines vanish (WHATWG rules, via w3lib), so the
    host seen here is the host the HTTP library connects to; userinfo, percent-encoded or
    ambiguous numeric hosts ("2130706433", "0x7f.1") and odd ports are refused outright.
    """
    if raw is None or not str(raw).strip():
        raise UnsafeURL("empty address")
    try:
        text = safe_url_string(str(raw).strip())
        if base is not None:
            text = safe_url_string(urljoin(str(parse_web_url(base)), text))
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"malformed address: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsafeURL(f"scheme {scheme!r} is not http(s)")
    if "@" in parts.netloc:
        raise UnsafeURL("address with a user name or password")
    host = _check_host((parts.hostname or "").rstrip("."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return WebURL(scheme, host, port if port is not None else DEFAULT_PORTS[scheme], path)


def _check_host(host: str) -> str:
    """Return host if it is a plain name or a canonical IP address, else raise UnsafeURL."""
    if not host:
        raise UnsafeURL("address without a host")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _HOST_RE.match(host):
        raise UnsafeURL(f"host {host!r} is not a plain host name")
    if _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        raise UnsafeURL(f"host {host!r} is an ambiguous numeric address")
    return host


def safe_link(raw: str | None, page: str) -> str | None:
    """Return raw resolved against page, normalized, if it is on page's own origin, else None.

    For a local file page (no origin to compare) any normalized http(s) address is kept.
    """
    if not raw or not raw.strip():
        return None
    try:
        if urlsplit(page).scheme == "file":
            return str(parse_web_url(raw)) if urlsplit(raw.strip()).scheme else None
        link, own = parse_web_url(raw, base=page), parse_web_url(page)
    except (UnsafeURL, ValueError):
        return None
    return str(link) if link.origin == own.origin else None
