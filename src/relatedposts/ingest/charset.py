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
# The WHATWG Encoding Standard's encodings, as Python codecs: a label naming anything else
# (rot13, base64, zlib, idna, utf-7...) is ignored as browsers ignore it. Python's codec
# registry also holds bytes-to-bytes transforms whose decode raises instead of decoding text.
WHATWG = ("utf-8", "ibm866", "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5",
          "iso-8859-6", "iso-8859-7", "iso-8859-8", "iso-8859-10", "iso-8859-13", "iso-8859-14",
          "iso-8859-15", "iso-8859-16", "koi8-r", "koi8-u", "mac-roman", "cp874", "cp1250",
          "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
          "mac-cyrillic", "gbk", "gb18030", "big5", "euc-jp", "iso-2022-jp", "shift_jis",
          "euc-kr", "utf-16-be", "utf-16-le", "utf-16")
TEXT_CODECS = frozenset(codecs.lookup(name).name for name in WHATWG)


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
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return name if name in TEXT_CODECS else None
