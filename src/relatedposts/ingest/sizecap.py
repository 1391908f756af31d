"""Size caps: a body is read under a byte limit counted after decompression, within the deadline."""

from __future__ import annotations

from collections.abc import Mapping

import requests
import urllib3

from relatedposts.errors import FetchTimeout, FetchTooLarge
from relatedposts.ingest.decompress import IDENTITY, content_encoding, decoder_for, inflate
from relatedposts.ingest.netguard import Deadline

CHUNK = 65536


def check_declared_length(headers: Mapping[str, str], limit: int) -> None:
    """Raise FetchTooLarge when an uncompressed body declares more than limit bytes."""
    # Only then is Content-Length the size we would read; compressed, it says nothing about it.
    declared = headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit and content_encoding(headers) in IDENTITY:
        raise FetchTooLarge(f"page too large ({declared} bytes > {limit})")


def read_capped(resp: requests.Response, limit: int, truncate: bool = False) -> bytes:
    """Read and decompress resp's body; past limit bytes raise FetchTooLarge (or truncate)."""
    decoder = decoder_for(content_encoding(resp.headers))
    raw, out = resp.raw, bytearray()
    while len(out) <= limit:
        if overdue():
            raise FetchTimeout("page took longer than its deadline")
        # decode_content=False: the bytes as sent, so our decoder and our cap see them all.
        chunk = (raw.read1(CHUNK, decode_content=False) if isinstance(raw, urllib3.HTTPResponse)
                 else raw.read1(CHUNK))
        if not chunk:
            if overdue():  # the deadline shut the socket: this "end" is no real end
                raise FetchTimeout("page took longer than its deadline")
            break
        out += inflate(decoder, chunk, limit + 1 - len(out)) if decoder else chunk
    if len(out) > limit:
        if truncate:
            return bytes(out[:limit])
        raise FetchTooLarge(f"page too large (over {limit} bytes)")
    return bytes(out)


def overdue() -> bool:
    """Return True when the current thread's page deadline has passed."""
    left = Deadline.remaining()
    return left is not None and left <= 0
