"""One build at a time per index directory: an flock on INDEX_DIR/.build.lock.

The kernel drops the lock when its holder dies (even by kill -9), so a stale lock file never
blocks the next build. Within one thread the lock is re-entrant (rebuild holds it across scrape
and build); another thread or process gets BuildBusy at once instead of waiting. The console's
Rebuild now takes it on a descriptor of its own (take_lock) and passes that to the rebuild
process, which adopts it (adopt_lock): no other build can start between the click and the child.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from relatedposts.errors import RelatedPostsError

LOCK_FILE = ".build.lock"
_local = threading.local()


class BuildBusy(RelatedPostsError):
    """Another build or rollback holds the index directory's lock."""

    status = 409


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the build lock of index_dir for the block; raise BuildBusy if someone else has it."""
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    key = str(root.resolve())
    held: set[str] = _local.__dict__.setdefault("held", set())
    if key in held:
        yield
        return
    fd = take_lock(root)
    try:
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
    finally:
        os.close(fd)


def take_lock(index_dir: Path) -> int:
    """Take the build lock on a fresh descriptor and return it; raise BuildBusy if held.

    Not re-entrant: a descriptor of its own conflicts with every other holder, even one in
    this thread. The console hands the descriptor to the rebuild process it starts
    (adopt_lock), so no other click, worker or cron rebuild can slip in between.
    """
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise BuildBusy(f"another build is running on {root} (pid {owner}): wait for it "
                        "to finish, then try again") from None
    _write_owner(fd)
    return fd


def _write_owner(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


@contextmanager
def adopt_lock(index_dir: Path, fd: int) -> Iterator[None]:
    """Hold, for this thread, the build lock a parent process took and passed down as fd."""
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # our own description: a no-op check
    _write_owner(fd)
    key = str(Path(index_dir).resolve())
    held: set[str] = _local.__dict__.setdefault("held", set())
    held.add(key)
    try:
        yield
    finally:
        held.discard(key)
        os.close(fd)


@contextmanager
def wait_build_lock(index_dir: Path, timeout: float) -> Iterator[None]:
    """Hold the build lock, waiting up to timeout seconds for a running build to finish.

    A publish-time ingest queues behind a build this way; past the timeout it raises the
    BuildBusy of the build still holding the lock.
    """
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            lock = build_lock(index_dir)
            lock.__enter__()
        except BuildBusy:
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(0.5, delay * 1.5)
            continue
        break
    try:
        yield
    finally:
        lock.__exit__(None, None, None)
