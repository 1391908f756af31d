"""Decode a page's bytes: the HTTP header's charset, then a BOM or <meta>, then detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"))
# WHATWG: labels that browsers read as another encoding than their name says.
ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252",
           "us-ascii": "cp1252", "iso8859-1": "cp1252", "l1": "cp1252"}


def decode_html(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used) for an HTML page's bytes."""
    for candidate in (header_charset, _bom(body), _meta(body)):
        name = _codec(candidate)
        if name:
            start = next((len(b) for b, n in BOMS if body.startswith(b) and _codec(n) == name),
                         0)
            return body[start:].decode(name, errors="replace"), name
    try:
        return body.decode("utf-8"), "utf-8"  # strict: plain UTF-8 needs no guessing
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()  # detection on a bounded prefix
    name = _codec(best.encoding if best is not None else None) or "cp1252"
    return body.decode(name, errors="replace"), name


def _bom(body: bytes) -> str | None:
    return next((name for bom, name in BOMS if body.startswith(bom)), None)


def _meta(body: bytes) -> str | None:
    match = META_RE.search(body[:4096])
    if not match:
        return None
    label = match.group(1).decode("ascii", errors="ignore")
    # WHATWG: a <meta> read in ASCII-compatible bytes cannot truly mean UTF-16.
    return "utf-8" if label.lower().startswith("utf-16") else label


def _codec(label: str | None) -> str | None:
    """Return the Python codec for a charset label, or None if it names none we know."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None
