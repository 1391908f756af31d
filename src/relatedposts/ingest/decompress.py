"""Content-Encoding: gzip and deflate bodies inflated a bounded amount at a time."""

from __future__ import annotations

import zlib
from collections.abc import Mapping

from relatedposts.errors import FetchError

COMPRESSED = ("gzip", "x-gzip", "deflate")
IDENTITY = ("", "identity")


def content_encoding(headers: Mapping[str, str]) -> str:
    """Return the Content-Encoding of a response's headers, lowercased ('identity' if none)."""
    return headers.get("Content-Encoding", "identity").strip().lower()


def gzip_decoder() -> zlib._Decompress:
    """Return a decoder for a gzip or a zlib stream (the header says which)."""
    return zlib.decompressobj(wbits=47)  # 32 + 15: detect gzip or zlib, full window


def decoder_for(encoding: str) -> zlib._Decompress | None:
    """Return the decoder for a Content-Encoding (None: identity), or raise FetchError."""
    if encoding in COMPRESSED:
        return gzip_decoder()  # "deflate" is zlib-wrapped in practice; detection covers both
    if encoding in IDENTITY:
        return None
    raise FetchError(f"unsupported Content-Encoding {encoding!r}")


def inflate(decoder: zlib._Decompress, chunk: bytes, room: int) -> bytes:
    """Return at most room bytes inflated from chunk, or raise FetchError if it is corrupt.

    max_length is what stops a gzip bomb: a few KiB that would inflate to gigabytes never
    produce more than room bytes, even within one chunk.
    """
    try:
        return decoder.decompress(chunk, room)
    except zlib.error as exc:
        raise FetchError(f"body does not decompress ({exc})") from exc
