"""visitor_key: an IPv6 /64 is one visitor; IPv4 addresses stay apart."""

from __future__ import annotations

from relatedposts.visitors import visitor_key


def test_addresses_of_one_ipv6_64_are_one_visitor() -> None:
    keys = {visitor_key(f"2001:db8:1:2:{n:x}::{n:x}") for n in range(1, 500)}
    assert keys == {"2001:db8:1:2::/64"}
    assert visitor_key("2001:db8:1:3::1") != visitor_key("2001:db8:1:2::1")


def test_ipv4_addresses_and_mapped_ones() -> None:
    assert visitor_key("203.0.113.7") != visitor_key("203.0.113.8")
    assert visitor_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert visitor_key("not an address") == "not an address"
