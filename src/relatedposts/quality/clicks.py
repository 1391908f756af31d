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

from relatedposts.logs.events import LISTS, ClickCounts, counts_of


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
    return report_of(counts_of(entries))


def report_of(counts: ClickCounts) -> ClickReport:
    """Turn click and impression counts (events.py: SQL or by hand) into a ClickReport."""
    report = ClickReport(clicks=counts.total)
    for name in LISTS:
        clicks, shown = counts.clicks[name], counts.shown[name]
        report.by_position[name] = _rates(clicks["position"], shown["position"], numeric=True)
        report.by_article[name] = _rates(clicks["article"], shown["article"], numeric=False)
    return report


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
