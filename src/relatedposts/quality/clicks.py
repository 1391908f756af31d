"""Click-through from the event store: per article and per list position, clicks / impressions.

Impressions are counted where the service knows them (lists served by /api/related and the
search page). Browsers and CDNs may cache /api/related for five minutes, so impressions are a
floor and a click-through rate can exceed what a server-side count alone would suggest; it is
None where no impression was counted at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

LISTS = ("related", "search")


@dataclass(frozen=True)
class Rate:
    """Clicks, impressions and their ratio for one article or one position."""

    key: str
    clicks: int
    impressions: int
    ctr: float | None


@dataclass
class ClickReport:
    """Click-through per list: by position (1 = first shown) and by clicked article."""

    clicks: int = 0
    by_position: dict[str, list[Rate]] = field(default_factory=dict)
    by_article: dict[str, list[Rate]] = field(default_factory=dict)


def _rates(clicks: Counter[str], shown: Counter[str], numeric: bool) -> list[Rate]:
    """Return one Rate per key seen in either counter, ordered by position or by clicks."""
    keys = set(clicks) | set(shown)
    rows = [Rate(k, clicks[k], shown[k], round(clicks[k] / shown[k], 4) if shown[k] else None)
            for k in keys]
    if numeric:
        return sorted(rows, key=lambda r: int(r.key) if r.key.isdigit() else 10**6)
    return sorted(rows, key=lambda r: (-r.clicks, -r.impressions, r.key))


def click_report(entries: list[dict[str, Any]]) -> ClickReport:
    """Aggregate stored click and impression events into a ClickReport."""
    clicks = {name: (Counter[str](), Counter[str]()) for name in LISTS}  # position, article
    shown = {name: (Counter[str](), Counter[str]()) for name in LISTS}
    total = 0
    for e in entries:
        name = e.get("list")
        if name not in LISTS:
            continue
        if e.get("type") == "click":
            clicks[name][0][str(e.get("position"))] += 1
            clicks[name][1][str(e.get("to"))] += 1
            total += 1
        elif e.get("type") == "impressions":
            shown[name][0].update(_counts(e.get("positions")))
            shown[name][1].update(_counts(e.get("shown")))
    report = ClickReport(clicks=total)
    for name in LISTS:
        report.by_position[name] = _rates(clicks[name][0], shown[name][0], numeric=True)
        report.by_article[name] = _rates(clicks[name][1], shown[name][1], numeric=False)
    return report


def _counts(raw: object) -> Counter[str]:
    """Return a {key: count} mapping from a stored line, ignoring anything malformed."""
    if not isinstance(raw, dict):
        return Counter()
    return Counter({str(k): v for k, v in raw.items() if type(v) is int and v > 0})


def click_lines(report: ClickReport, top: int = 10) -> list[str]:
    """Render a ClickReport for the terminal."""
    lines = [f"clicks recorded: {report.clicks}"]
    for name in LISTS:
        lines.append(f"{name} list, by position (clicks / impressions):")
        lines += [f"  {r.key:>3}  {r.clicks:5d} / {r.impressions:<6d} "
                  f"{'' if r.ctr is None else f'{r.ctr:.1%}'}"
                  for r in report.by_position[name]]
        lines.append(f"{name} list, most clicked articles:")
        lines += [f"  {r.clicks:5d} / {r.impressions:<6d} {r.key}"
                  for r in report.by_article[name][:top] if r.clicks]
    return lines
