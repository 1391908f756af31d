"""Content-Encoding: the decoder chosen by name, inflation bounded by max_length."""

from __future__ import annotations

import gzip
import zlib

import pytest

from relatedposts.errors import FetchError
from relatedposts.ingest.decompress import content_encoding, decoder_for, inflate


def test_the_encoding_is_read_case_and_space_insensitively() -> None:
    assert content_encoding({"Content-Encoding": " GZip "}) == "gzip"
    assert content_encoding({}) == "identity"


@pytest.mark.parametrize("encoding", ["", "identity"])
def test_identity_needs_no_decoder(encoding) -> None:
    assert decoder_for(encoding) is None


@pytest.mark.parametrize(("encoding", "pack"), [("gzip", gzip.compress),
                                                ("x-gzip", gzip.compress),
                                                ("deflate", zlib.compress)])
def test_gzip_and_deflate_are_inflated(encoding, pack) -> None:
    decoder = decoder_for(encoding)
    assert decoder is not None
    assert inflate(decoder, pack(b"hello clinic"), 100) == b"hello clinic"


def test_inflation_stops_at_room_within_one_chunk() -> None:
    decoder = decoder_for("gzip")
    assert decoder is not None
    assert len(inflate(decoder, gzip.compress(b"\0" * 10_000_000), 5000)) == 5000


def test_unknown_and_corrupt_encodings_fail() -> None:
    with pytest.raises(FetchError, match="^unsupported Content-Encoding 'compress'$"):
        decoder_for("compress")
    decoder = decoder_for("deflate")
    assert decoder is not None
    with pytest.raises(FetchError, match=r"^body does not decompress \("):
        inflate(decoder, b"\x78\x9cnot really", 100)
