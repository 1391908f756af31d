"""URL helpers: normalization for lookups and same-host checks for crawling."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit


def url_key(url: str) -> str:
    """Return the lookup key of a URL: scheme, www., query, fragment and trailing slash ignored."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    for index_name in ("/index.html", "/index.htm"):
        if path.endswith(index_name):
            path = path[: -len(index_name)]
    return f"{host}{path}".lower() if host else path.lower()


def absolute(base: str, href: str | None) -> str | None:
    """Resolve href against base; return None for empty or non-web links."""
    if not href or not href.strip():
        return None
    joined = urljoin(base, href.strip())
    return joined if urlsplit(joined).scheme in ("http", "https", "file") else None


def host_of(url: str) -> str:
    """Return the host of a URL without a leading www., lowercased."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def same_site(url: str, hosts: set[str]) -> bool:
    """Return True when url is on one of the given hosts."""
    return host_of(url) in hosts


def strip_fragment(url: str) -> str:
    """Return url without its #fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
