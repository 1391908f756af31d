"""`relatedposts export --static DIR`: every article's block as HTML and JSON files, for static
site generators (Hugo, Jekyll, Eleventy) to include at build time.

An article https://site/blog/what-is-sciatica/ gets DIR/blog/what-is-sciatica/related.html (the
block widget.js and /fragment/related render, from the same template) and related.json (what
/api/related answers). Incremental: a file is rewritten only when its bytes change, so a second
run rewrites nothing and mtimes stay; files of articles no longer in the index are deleted. Only
files listed in DIR/.relatedposts-export.json (written by an earlier export) are ever deleted.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from relatedposts.blockhtml import DEFAULT_HEADING, render_block
from relatedposts.indexing import index as idx
from relatedposts.indexing.lookup import related_posts
from relatedposts.models import related_to_dict

LEDGER = ".relatedposts-export.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]")


@dataclass
class ExportReport:
    """What an export did: files written, left as they were, deleted; URLs skipped and why."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def article_dir(url: str) -> PurePosixPath:
    """Return the relative folder of an article's files: its URL path, made safe."""
    parts = [_UNSAFE.sub("_", unquote(p)) for p in urlsplit(url).path.split("/")]
    return PurePosixPath(*[p for p in parts if p and p not in (".", "..")] or ["."])


def export_static(data: idx.IndexData, dest: Path, limit: int,
                  heading: str = DEFAULT_HEADING) -> ExportReport:
    """Write every article's related.html and related.json under dest (see the module doc)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    wanted: dict[str, bytes] = {}
    for pos, article in enumerate(data.articles):
        folder = article_dir(article.url)
        if str(folder / "related.html") in wanted:
            report.skipped.append(f"{article.url}: same path as an earlier article")
            continue
        posts = list(related_posts(data, pos, limit))
        wanted[str(folder / "related.html")] = render_block(posts, heading).encode()
        body = json.dumps(related_to_dict(article, posts), indent=2, ensure_ascii=False)
        wanted[str(folder / "related.json")] = (body + "\n").encode()
    for name, content in sorted(wanted.items()):
        if _write_if_changed(dest / name, content):
            report.written.append(name)
        else:
            report.unchanged += 1
    report.removed = _remove_stale(dest, set(wanted))
    _write_if_changed(dest / LEDGER, (json.dumps(sorted(wanted), indent=0) + "\n").encode())
    return report


def _write_if_changed(path: Path, content: bytes) -> bool:
    """Write content atomically unless the file already holds exactly these bytes."""
    try:
        if path.read_bytes() == content:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)
    return True


def _remove_stale(dest: Path, keep: set[str]) -> list[str]:
    """Delete files an earlier export wrote that this one did not (and their empty folders)."""
    try:
        before = json.loads((dest / LEDGER).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    removed = []
    for name in sorted(set(before) - keep) if isinstance(before, list) else []:
        path = dest / name
        if ".." in PurePosixPath(name).parts or not path.is_file():
            continue
        path.unlink()
        removed.append(name)
        folder = path.parent
        while folder != dest and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    return removed
