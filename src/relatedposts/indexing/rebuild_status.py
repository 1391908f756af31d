"""A rebuild's progress and result in a small JSON file next to the index (rebuild-status.json).

Written only by whoever holds the build lock (the console while it starts a rebuild, then the
rebuild process), each time whole through os.replace, so a reader in any worker process sees
the last complete state and never half a file. Progress is written at most every
WRITE_EVERY seconds; a change of stage and the result always.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

STATUS_FILE = "rebuild-status.json"
WRITE_EVERY = 0.25  # seconds between progress writes (a large site steps thousands of times)
STAGES = {"starting": "Starting", "scraping": "Scraping the site", "embedding":
          "Embedding passages", "indexing": "Computing related lists and the keyword index",
          "publishing": "Verifying and publishing the new version", "done": "Done"}


def status_path(index_dir: Path) -> Path:
    """Return where the rebuild status of index_dir is kept."""
    return Path(index_dir) / STATUS_FILE


def read_status(path: Path) -> dict[str, Any] | None:
    """Return the last written status, or None when there is none (or it is not ours)."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_status(path: Path, data: dict[str, Any]) -> None:
    """Replace the status file with data, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1), "utf-8")
    os.replace(tmp, path)


class RebuildStatus:
    """The running rebuild's state; also a progress bar for scrape() (reset/update)."""

    def __init__(self, path: Path, **fields: Any) -> None:
        self.path = Path(path)
        # Keep what the console wrote when it took the lock for us (the job and its start);
        # a finished job's result is never carried into a new one.
        before = read_status(self.path) or {}
        kept = {k: before[k] for k in ("job", "started", "by")
                if k in before and before.get("state") == "running"}
        self.data: dict[str, Any] = {"job": f"{os.getpid()}-{int(time.time())}", "by":
                                     "command line", "started": time.time()} | kept | fields
        self.data.update(state="running", pid=os.getpid())
        self._written = 0.0
        self.stage("starting")

    def stage(self, name: str, done: int = 0, total: int | None = None) -> None:
        """Enter a stage (scraping, embedding, indexing, publishing) and write it at once."""
        self.data.update(stage=name, done=done, total=total)
        self._write(force=True)

    def step(self, done: int, total: int | None) -> None:
        """Record progress within the stage (written at most every WRITE_EVERY seconds)."""
        new_total = total != self.data.get("total")
        self.data.update(done=done, total=total)
        self._write(force=new_total or done == total)

    def progress(self, name: str, done: int, total: int | None) -> None:
        """Report a build's progress (build_index's on_progress): a new stage or a step."""
        if name != self.data.get("stage"):
            self.stage(name, done, total)
        else:
            self.step(done, total)

    def reset(self, total: int | None = None) -> None:
        """Start counting pages to scrape (scrape()'s progress protocol)."""
        self.step(0, total)

    def update(self, n: float | None = 1) -> None:
        """Count n more pages scraped (scrape()'s progress protocol)."""
        self.step(int(self.data.get("done") or 0) + int(n or 0), self.data.get("total"))

    def finish(self, code: int, error: str = "", **result: Any) -> None:
        """Write the outcome: the exit status, the error in words, what the rebuild did."""
        self.data.update(state="failed" if code else "done", exit_code=code, error=error,
                         finished=time.time(), stage="done" if not code else
                         self.data.get("stage"), **result)
        self._write(force=True)

    def _write(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._written >= WRITE_EVERY:
            self._written = now
            write_status(self.path, self.data)
