"""Where the crawler may connect: the check is made on the address actually connected to.

A URL check alone is not enough: a name can resolve elsewhere between the check and the
connection (DNS rebinding), and a second parser can read a URL differently. So requests
gets an adapter whose connections resolve the host themselves, refuse loopback, private,
link-local, metadata and other non-public addresses (except the site's own origin when the
operator pointed the crawl at one), and connect to exactly the address they checked.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import parse_url
from urllib3.util.connection import create_connection

from relatedposts.errors import FetchError, FetchRefused
from relatedposts.urls import DEFAULT_PORTS, UnsafeURL, WebURL, parse_web_url

# IPv6 ranges that stand for an IPv4 address or a private network, which Python's is_global
# (3.11) calls global: a NAT64 or 6to4 gateway would carry a request to the address inside.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NOT_PUBLIC_V6 = (ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64 (RFC 8215)
                 ipaddress.ip_network("fec0::/10"),  # site-local (deprecated, still routed)
                 ipaddress.ip_network("::/96"))  # IPv4-compatible ::a.b.c.d (deprecated)


def is_public(ip: str) -> bool:
    """Return True when ip is a public unicast address (no loopback, private, link-local...)."""
    addr: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(addr, ipaddress.IPv6Address):
        if any(addr in net for net in NOT_PUBLIC_V6):
            return False
        embedded = addr.ipv4_mapped or addr.sixtofour
        if addr in NAT64:
            embedded = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
        if embedded is not None:
            addr = embedded  # judged by the IPv4 address the gateway would connect to
    return addr.is_global and not addr.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Return the IP addresses host resolves to (empty when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressPolicy:
    """Public addresses are fine; internal ones only where a source's own origin lives."""

    def __init__(self, origins: Iterable[WebURL]) -> None:
        self.internal_ok: set[tuple[str, str, int]] = set()
        for url in origins:  # resolved once, up front: a later change of answer is refused
            self.internal_ok.update((url.host, ip, url.port) for ip in
                                    resolve(url.host, url.port) if not is_public(ip))

    def check(self, host: str, ip: str, port: int) -> None:
        """Raise FetchRefused unless connecting to ip:port (for host) is allowed."""
        if not is_public(ip) and (host.lower(), ip, port) not in self.internal_ok:
            raise FetchRefused(f"refused: {host} resolves to a private or loopback address "
                             f"({ip}:{port})")


class Deadline:
    """A per-thread total deadline: sockets of an overdue page are shut down."""

    _local = threading.local()

    @classmethod
    def start(cls, seconds: float) -> None:
        """Give the current thread's next requests until now + seconds in total."""
        cls._local.until = time.monotonic() + seconds

    @classmethod
    def remaining(cls) -> float | None:
        """Return the seconds left (None when no deadline is running)."""
        until = getattr(cls._local, "until", None)
        return None if until is None else until - time.monotonic()

    @classmethod
    def stop(cls) -> None:
        """End the current thread's deadline."""
        cls._local.until = None

    @classmethod
    def watch(cls, sock: socket.socket | None) -> None:
        """Shut sock down when the deadline passes, so no blocked read outlives it."""
        left = cls.remaining()
        if sock is None or left is None:
            return
        timer = threading.Timer(max(0.0, left), _shutdown, (sock,))
        timer.daemon = True
        timer.start()
        cls._local.timers = [*getattr(cls._local, "timers", []), timer]

    @classmethod
    def cancel_watches(cls) -> None:
        """Cancel the shutdown timers of the current thread."""
        for timer in getattr(cls._local, "timers", []):
            timer.cancel()
        cls._local.timers = []


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing is waiting on it
        sock.shutdown(socket.SHUT_RDWR)


def _guarded_connection(base: type[HTTPConnection], policy: AddressPolicy) -> type:
    """Return a connection class that connects only to an address the policy allows."""

    class Guarded(base):  # type: ignore[valid-type, misc]
        def _new_conn(self) -> socket.socket:
            ips = resolve(self._dns_host, self.port)
            if not ips:
                raise FetchError(f"connection failed: {self._dns_host} does not resolve")
            for ip in ips:
                policy.check(self._dns_host, ip, self.port)
            timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
            left = Deadline.remaining()
            if left is not None:
                timeout = max(0.01, min(timeout or left, left))
            error: OSError | None = None
            for ip in ips:  # the very addresses checked, never a fresh lookup
                try:
                    return create_connection((ip, self.port), timeout,
                                             source_address=self.source_address,
                                             socket_options=self.socket_options)
                except OSError as exc:
                    error = exc
            raise error or OSError("no address to connect to")

        def getresponse(self) -> Any:  # a reused keep-alive connection is watched too
            Deadline.watch(self.sock)
            return super().getresponse()

    return Guarded


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose every connection goes through the AddressPolicy."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(max_retries=0, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Make the pool manager build guarded connections for http and https."""
        super().init_poolmanager(*args, **kwargs)
        http = type("GuardedHTTPPool", (HTTPConnectionPool,), {
            "ConnectionCls": _guarded_connection(HTTPConnection, self.policy)})
        https = type("GuardedHTTPSPool", (HTTPSConnectionPool,), {
            "ConnectionCls": _guarded_connection(HTTPSConnection, self.policy)})
        self.poolmanager.pool_classes_by_scheme = {"http": http, "https": https}

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        """Refuse a request unless urllib3 reads its host and port exactly as our parser does."""
        try:
            ours = parse_web_url(request.url or "")
            theirs = parse_url(request.url or "")
        except (UnsafeURL, ValueError) as exc:
            raise FetchRefused(f"refused: {exc}") from exc
        host = (theirs.host or "").strip("[]").lower()
        if (host, theirs.port or DEFAULT_PORTS.get(theirs.scheme or "", 0)) != (
                ours.host, ours.port):
            raise FetchRefused(f"refused: {request.url} reads as two different hosts")
        return super().send(request, *args, **kwargs)


def guarded_session(policy: AddressPolicy, session: requests.Session | None = None,
                    pool: int = 10) -> requests.Session:
    """Return session (or a new one) with guarded adapters and no proxies from the env."""
    session = session or requests.Session()
    session.trust_env = False  # a proxy from the environment would connect for us, unchecked
    adapter = GuardedAdapter(policy, pool_connections=pool, pool_maxsize=pool)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
