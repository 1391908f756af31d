"""The version store: INDEX_DIR/versions/<name>/, the CURRENT pointer and the HISTORY file.

The one owner of which index versions exist and which is live: it hands out the temporary
directory a build writes into, publishes a finished version (rename, point CURRENT at it,
record it in HISTORY, prune old ones), rolls back, and names the last good versions a
service can fall back to. What is inside a version directory is index.py's business.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from relatedposts.errors import IndexFormatError, IndexNotReady, RelatedPostsError
from relatedposts.indexing.buildlock import build_lock
from relatedposts.indexing.index import BUILD_HINT, Manifest, read_manifest

CURRENT = "CURRENT"
HISTORY = "HISTORY"  # versions made live, oldest first: what rollback goes back through
HISTORY_KEPT = 100
TMP_PREFIX = ".tmp-"


class VersionStore:
    """The versions of one index directory and its live pointer."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.versions = self.root / "versions"

    def current(self) -> Path:
        """Return the live version directory, or raise IndexNotReady naming the build command."""
        name = self.current_name()
        if name is None:
            raise IndexNotReady(f"no index built yet in {self.root}: {BUILD_HINT}")
        if name and not self.inside(name):
            raise IndexFormatError(f"{self.root / CURRENT} names {name!r}, outside the version "
                                   f"store {self.versions}: refused")
        path = self.versions / name
        if not name or not path.is_dir():
            raise IndexNotReady(f"{self.root / CURRENT} names missing version {name!r}: "
                                f"{BUILD_HINT}")
        return path

    def inside(self, name: str) -> bool:
        """Return whether name is one plain entry of versions/ that stays inside it."""
        if name in (".", "..") or Path(name).name != name or "\\" in name:
            return False  # '../x', '/abs', 'a/b': CURRENT holds a version's name, never a path
        path = self.versions / name
        # A symlink escaping the store resolves elsewhere; one to a sibling version is fine.
        return path.resolve().parent == self.versions.resolve()

    def current_name(self) -> str | None:
        """Return the name CURRENT holds (even of a broken version), or None without CURRENT."""
        try:
            return (self.root / CURRENT).read_text("utf-8").strip()
        except OSError:
            return None

    def live_manifest(self) -> Manifest | None:
        """Return the live version's manifest, or None when there is no readable live version."""
        try:
            return read_manifest(self.current())
        except (IndexNotReady, IndexFormatError):
            return None

    def pointer_stamp(self) -> tuple[int, int] | None:
        """Return CURRENT's (mtime, inode); a rename or a rewrite changes it."""
        try:
            st = os.stat(self.root / CURRENT)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_ino

    def finished(self) -> list[Path]:
        """Return finished version directories, oldest first (names sort by build time)."""
        if not self.versions.is_dir():
            return []
        return sorted(p for p in self.versions.iterdir() if p.is_dir()
                      and not p.name.startswith(".") and (p / "manifest.json").is_file()
                      and self.inside(p.name))

    def older_than_current(self) -> list[Path]:
        """Return the finished versions older than the one CURRENT names, newest first."""
        name = self.current_name()
        if name is None:
            return []  # nothing was ever made live: there is no "last good" version
        if not self.inside(name):
            return list(reversed(self.finished()))  # a pointer out of the store says nothing
        return [v for v in reversed(self.finished()) if v.name < name]

    def set_current(self, version_dir: Path) -> None:
        """Atomically point CURRENT at a version (write a temp file, fsync, rename)."""
        pointer = self.root / CURRENT
        tmp = pointer.with_name(f".{CURRENT}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(version_dir.name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, pointer)

    def history(self) -> list[str]:
        """Return the versions made live by builds and rollbacks, oldest first."""
        try:
            text = (self.root / HISTORY).read_text("utf-8")
        except OSError:
            return []
        return [line.strip() for line in text.splitlines() if line.strip()]

    def write_history(self, names: list[str]) -> None:
        """Atomically replace the history of live versions (the last HISTORY_KEPT are kept)."""
        path = self.root / HISTORY
        tmp = path.with_name(f".{HISTORY}.{os.getpid()}.tmp")
        tmp.write_text("".join(f"{n}\n" for n in names[-HISTORY_KEPT:]), "utf-8")
        os.replace(tmp, path)

    def temp_dir(self, name: str) -> Path:
        """Return versions/.tmp-<name>, where a build writes before it is verified."""
        self.versions.mkdir(parents=True, exist_ok=True)
        return self.versions / f"{TMP_PREFIX}{name}"

    def clear_stale(self) -> None:
        """Delete temp directories left by a build that died (call with the build lock held)."""
        for tmp in self.versions.glob(f"{TMP_PREFIX}*"):
            shutil.rmtree(tmp, ignore_errors=True)

    def publish(self, tmp: Path, name: str, activate: bool, keep: int) -> Path:
        """Move a verified temp directory into place; when activate, make it live and prune."""
        final = self.versions / name
        tmp.rename(final)
        if activate:
            self.set_current(final)
            self.write_history([*self.history(), final.name])
            self.prune(keep)
        return final

    def prune(self, keep: int) -> list[str]:
        """Delete all but the newest `keep` versions (never the live one) and stale temp dirs."""
        live = self.current().name
        removed = []
        versions = self.finished()
        for old in versions[: max(0, len(versions) - keep)]:
            if old.name != live:
                shutil.rmtree(old, ignore_errors=True)
                removed.append(old.name)
        self.clear_stale()
        return removed

    def rollback(self, problems: Callable[[Path], list[str]]) -> tuple[str, str]:
        """Make the version live before this one live again; return (from, to) names.

        problems(path) says why a candidate must not go live; unusable ones are skipped.
        """
        with build_lock(self.root):
            live = self.current().name
            history = self.history()
            while history and history[-1] == live:
                history.pop()
            names = [n for n in reversed(history) if n != live] or [
                v.name for v in reversed(self.finished()) if v.name < live]
            unusable = []
            for name in names:
                path = self.versions / name
                found = problems(path) if path.is_dir() else ["deleted"]
                if not found:
                    self.set_current(path)
                    self.write_history(history[:history.index(name) + 1] if history else [name])
                    return live, name
                unusable.append(f"{name}: {found[0]}")
        detail = f" (unusable: {'; '.join(unusable)})" if unusable else ""
        raise RelatedPostsError(f"no previous version to roll back to in {self.root}{detail}; "
                                f"{live} stays live")


def current_version(index_dir: str | Path) -> Path:
    """Return the live version directory of index_dir (see VersionStore.current)."""
    return VersionStore(index_dir).current()
