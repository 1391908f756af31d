"""is_public on addresses that embed or stand for internal IPv4 ones (no socket is opened)."""

from __future__ import annotations

import pytest

from relatedposts.ingest.netguard import is_public


@pytest.mark.parametrize("ip", [
    "64:ff9b::a00:1",        # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",       # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",    # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b:1::808:808",    # the local-use NAT64 prefix (RFC 8215): a private translator
    "2002:a00:1::1",         # 6to4 of 10.0.0.1
    "2002:7f00:1::1",        # 6to4 of 127.0.0.1
    "2002:c0a8:101::1",      # 6to4 of 192.168.1.1
    "::10.0.0.1",            # IPv4-compatible (deprecated)
    "::127.0.0.1",
    "::8.8.8.8",             # deprecated form: never a real destination
    "fec0::1",               # site-local (deprecated, still routed inside some networks)
    "feff::1",
])
def test_addresses_standing_for_internal_ones_are_not_public(ip) -> None:
    assert is_public(ip) is False


@pytest.mark.parametrize("ip", ["8.8.8.8", "2606:4700::1111", "64:ff9b::808:808",
                                "2002:808:808::1", "::ffff:8.8.8.8"])
def test_public_addresses_and_translations_of_public_ones_stay_public(ip) -> None:
    assert is_public(ip) is True
