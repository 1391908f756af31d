"""The editor's overrides for related lists: pin posts, block posts, exclude posts everywhere.

File format (JSON, in the corpus directory's parent by default: corpus/overrides.json):

    {
      "pin":     {"ARTICLE_URL": ["URL shown first", "URL shown second"]},
      "block":   {"ARTICLE_URL": ["URL never shown in this article's list"]},
      "exclude": ["URL never shown in any list"]
    }

URLs are matched like /api/related matches them (scheme, www., trailing slash ignored).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from relatedposts.errors import RelatedPostsError
from relatedposts.urls import url_key


@dataclass(frozen=True)
class Overrides:
    """Pins, blocks and exclusions resolved to article positions."""

    pins: dict[int, list[int]] = field(default_factory=dict)
    blocks: dict[int, set[int]] = field(default_factory=dict)
    excluded: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """Return how many of each override were applied."""
        return {"pinned": sum(len(v) for v in self.pins.values()),
                "blocked": sum(len(v) for v in self.blocks.values()),
                "excluded": len(self.excluded), "warnings": len(self.warnings)}


def load_overrides(path: Path | None, urls: list[str]) -> Overrides:
    """Read and validate the overrides file against the article URLs; a missing file is empty."""
    if path is None or not Path(path).is_file():
        return Overrides()
    try:
        raw = json.loads(Path(path).read_text("utf-8"))
    except ValueError as exc:
        raise RelatedPostsError(f"overrides file {path} is not valid JSON: {exc}",
                                status=400) from exc
    _check_shape(raw, path)
    positions = {url_key(u): i for i, u in enumerate(urls)}
    warnings: list[str] = []

    def resolve(url: str, where: str) -> int | None:
        pos = positions.get(url_key(url))
        if pos is None:
            warnings.append(f"{where}: {url} is not in the index (ignored)")
        return pos

    pins: dict[int, list[int]] = {}
    for src, targets in raw.get("pin", {}).items():
        a = resolve(src, "pin")
        got = [t for t in (resolve(u, f"pin for {src}") for u in targets) if t is not None]
        if a is not None:
            pins[a] = [t for t in dict.fromkeys(got) if t != a]
    blocks: dict[int, set[int]] = {}
    for src, targets in raw.get("block", {}).items():
        a = resolve(src, "block")
        if a is not None:
            blocks[a] = {t for t in (resolve(u, f"block for {src}") for u in targets)
                         if t is not None}
    excluded = {t for t in (resolve(u, "exclude") for u in raw.get("exclude", []))
                if t is not None}
    return Overrides(pins, blocks, excluded, warnings)


def pin_problems(overrides: Overrides) -> list[str]:
    """Return each pin naming a URL the corpus lacks, in words, as a reason to refuse a build."""
    return [f"overrides file: {w.removesuffix(' (ignored)')}; correct the URL, or pass --force "
            "to build without that pin" for w in overrides.warnings if w.startswith("pin")]


def _check_shape(raw: object, path: Path) -> None:
    """Raise a clear error unless raw has the documented shape."""
    def bad(msg: str) -> RelatedPostsError:
        return RelatedPostsError(f"overrides file {path}: {msg}", status=400)

    if not isinstance(raw, dict):
        raise bad("expected a JSON object with 'pin', 'block' and/or 'exclude'")
    unknown = set(raw) - {"pin", "block", "exclude", "_comment"}
    if unknown:
        raise bad(f"unknown keys {sorted(unknown)}; use 'pin', 'block', 'exclude'")
    for key in ("pin", "block"):
        value = raw.get(key, {})
        if not isinstance(value, dict) or not all(
                isinstance(v, list) and all(isinstance(u, str) for u in v)
                for v in value.values()):
            raise bad(f"'{key}' must map an article URL to a list of URLs")
    excl = raw.get("exclude", [])
    if not isinstance(excl, list) or not all(isinstance(u, str) for u in excl):
        raise bad("'exclude' must be a list of URLs")
