"""Count distinct visitors per query without storing anything that identifies them.

A query is shown (console, gaps report, `report --queries`) only once at least
Settings.privacy_min_visitors distinct visitors asked it, so one patient's unusual wording is
never displayed back. To count visitors each stored query row keeps
    token = HMAC-SHA256(day key, visitor address)[:16 hex digits]
where the day key is 32 random bytes made for the current UTC day and deleted the next day.
Why this and not the alternatives:
- a plain hash of the address would be reversible: the IPv4 space is 2^32 addresses, hashed
  in minutes; a keyed hash with a key kept as long as the rows would be reversible by anyone
  who copies both. With the key gone after a day, yesterday's tokens are random strings: not
  even their owner can link them to an address or to each other across days.
- a HyperLogLog sketch per query would also forget who asked, but needs a sketch per query
  (or Redis PFADD, unkeyed MurmurHash, whose registers can be probed with a guessed address);
  the token is one short column and COUNT(DISTINCT) does the rest, in SQLite and in Python.
The cost: a visitor who asks the same thing on three days counts as three visitor-days.
The key is never logged and never leaves its file (mode 0600, INDEX_DIR/privacy/, one file
named after its day), or, with replicas sharing a Redis, its Redis key (expiring after two
days), so every replica hashes a visitor the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

KEY_BYTES = 32
TOKEN_HEX = 16


def today() -> str:
    """Return the current UTC day as YYYY-MM-DD (the key's lifetime)."""
    return time.strftime("%Y-%m-%d", time.gmtime())


class FileKeys:
    """Day keys in files of one directory; older days' files are deleted on rotation."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def __call__(self, day: str) -> bytes:
        """Return the day's key, creating it (atomically, once across processes) if new."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / f"{day}.key"
        if not path.is_file():
            tmp = self.directory / f".{day}.{os.getpid()}.{threading.get_ident()}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(KEY_BYTES))
            try:
                os.link(tmp, path)  # fails if another worker made the day's key first
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        key = path.read_bytes()
        for old in self.directory.glob("*.key"):
            if old.name != path.name:
                old.unlink(missing_ok=True)  # rotated: yesterday's tokens become unlinkable
        return key


class RedisKeys:
    """Day keys shared by every replica through one Redis (SET NX, expiring after 2 days)."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def __call__(self, day: str) -> bytes:
        """Return the day's shared key, creating it if no replica has yet."""
        name = f"{self.prefix}:visitor-key:{day}"
        self.client.set(name, secrets.token_hex(KEY_BYTES), nx=True, ex=2 * 86400)
        return str(self.client.get(name)).encode()


class VisitorTokens:
    """Turn a visitor address into the day's unlinkable token (None: no visitor known)."""

    def __init__(self, keys: Callable[[str], bytes]) -> None:
        self._keys = keys
        self._day = ""
        self._key = b""
        self._lock = threading.Lock()

    def token(self, visitor: str | None) -> str | None:
        """Return HMAC(day key, visitor) shortened, or None without a visitor."""
        if not visitor:
            return None
        day = today()
        with self._lock:
            if day != self._day:
                self._key, self._day = self._keys(day), day
            key = self._key
        return hmac.new(key, visitor.encode("utf-8", "replace"),
                        hashlib.sha256).hexdigest()[:TOKEN_HEX]


def file_tokens(data_dir: Path) -> VisitorTokens:
    """Return tokens keyed by day-key files in data_dir/privacy/."""
    return VisitorTokens(FileKeys(Path(data_dir) / "privacy"))
