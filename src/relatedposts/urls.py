"""URL helpers: normalization for lookups and same-host checks for crawling."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit


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


def absolute(base: str, href: str | None) -> str | None:
    """Resolve href against base; return None for empty or non-web links."""
    if not href or not href.strip():
        return None
    try:
        joined = urljoin(base, href.strip())
        return joined if urlsplit(joined).scheme in ("http", "https", "file") else None
    except ValueError:  # a malformed address such as "http://[::1"
        return None


def web_link(url: str | None, page: str | None = None) -> str | None:
    """Return url if it is http(s) (and, for an http(s) page, on the page's host), else None."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return None
    if page and urlsplit(page).scheme in ("http", "https") and host_of(url) != host_of(page):
        return None
    return url


def host_of(url: str) -> str:
    """Return the host of a URL without a leading www., lowercased ("" if it has none)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # a malformed address such as "http://[::1"
        return ""
    return host[4:] if host.startswith("www.") else host


def same_site(url: str, hosts: set[str]) -> bool:
    """Return True when url is on one of the given hosts."""
    return host_of(url) in hosts


def strip_fragment(url: str) -> str:
    """Return url without its #fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
