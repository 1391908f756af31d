"""Who a visitor is, for every per-visitor limit: an IPv4 address, or an IPv6 /64.

An IPv6 host is usually given a whole /64 and may pick any address in it: counting each
address apart would let one visitor rotate through 2^64 of them (and flush the click store or
the search budget). Anything that is not an address is returned unchanged.
"""

from __future__ import annotations

import ipaddress


def visitor_key(address: str) -> str:
    """Return the key one visitor's requests are counted under (an IPv6 address's /64)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
