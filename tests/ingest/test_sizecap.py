"""Size caps: bodies read under a byte limit after decompression, gzip bombs included."""

from __future__ import annotations

import gzip
import io
import time

import pytest

from relatedposts.errors import FetchError, FetchTimeout, FetchTooLarge
from relatedposts.ingest.netguard import Deadline
from relatedposts.ingest.sizecap import check_declared_length, read_capped


class Body:
    """The part of a streamed requests.Response that read_capped reads."""

    def __init__(self, data: bytes, encoding: str | None = None) -> None:
        self.raw = io.BytesIO(data)  # read1 like a socket: at most what was asked
        self.headers = {"Content-Encoding": encoding} if encoding else {}


def test_a_body_under_the_cap_is_read_whole() -> None:
    data = b"x" * 200_000  # several chunks
    assert read_capped(Body(data), 200_000) == data


def test_a_body_over_the_cap_is_refused_or_truncated() -> None:
    with pytest.raises(FetchTooLarge, match=r"^page too large \(over 1000 bytes\)$"):
        read_capped(Body(b"x" * 1001), 1000)
    assert read_capped(Body(b"abcdef"), 4, truncate=True) == b"abcd"


def test_a_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # 50 MB of zeros in about 50 KB
    assert len(bomb) < 100_000
    started = time.monotonic()
    with pytest.raises(FetchTooLarge, match=r"over 1000000 bytes"):
        read_capped(Body(bomb, "gzip"), 1_000_000)
    assert time.monotonic() - started < 2.0  # never inflated to 50 MB
    assert read_capped(Body(bomb, "gzip"), 1000, truncate=True) == b"\0" * 1000


def test_the_cap_counts_inflated_bytes() -> None:
    page = b"<p>hello</p>" * 1000
    assert read_capped(Body(gzip.compress(page), "x-gzip"), len(page)) == page
    with pytest.raises(FetchTooLarge):
        read_capped(Body(gzip.compress(page), "gzip"), len(page) - 1)


def test_deflate_is_read() -> None:
    import zlib

    assert read_capped(Body(zlib.compress(b"deflated page"), "Deflate"), 100) == b"deflated page"


def test_a_corrupt_or_unknown_encoding_fails() -> None:
    with pytest.raises(FetchError, match="^body does not decompress"):
        read_capped(Body(b"not gzip at all", "gzip"), 100)
    with pytest.raises(FetchError, match="^unsupported Content-Encoding 'br'$"):
        read_capped(Body(b"...", "br"), 100)


def test_an_overdue_page_is_not_read() -> None:
    Deadline.start(-1.0)
    try:
        with pytest.raises(FetchTimeout, match="^page took longer than its deadline$"):
            read_capped(Body(b"x" * 10), 100)
    finally:
        Deadline.stop()


def test_a_declared_length_over_the_cap_is_refused_up_front() -> None:
    with pytest.raises(FetchTooLarge, match=r"^page too large \(2000 bytes > 1000\)$"):
        check_declared_length({"Content-Length": "2000"}, 1000)
    check_declared_length({"Content-Length": "1000"}, 1000)
    check_declared_length({"Content-Length": "junk"}, 1000)
    # Compressed, the length says nothing of the inflated size: read_capped decides.
    check_declared_length({"Content-Length": "2000", "Content-Encoding": "gzip"}, 1000)
