"""What the console shows, gathered from the index, the logs and the overrides file.

Gaps and link suggestions need the model, so they are computed once per index version and
query-log state and kept in memory (a worker recomputes after a rebuild or new searches).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relatedposts.console.plots import bar_chart
from relatedposts.errors import BadRequest, IndexNotReady
from relatedposts.indexing import index as idx
from relatedposts.indexing.overrides import search_rule_key
from relatedposts.indexing.versions import VersionStore
from relatedposts.live.service import Service
from relatedposts.logs.querylog import QueryLog, QueryReport
from relatedposts.quality.clicks import ClickReport, report_of
from relatedposts.quality.gaps import Gap, find_gaps
from relatedposts.quality.links import LinkSuggestion, suggest_links
from relatedposts.quality.related_report import Report, build_report
from relatedposts.urls import url_key

DAYS_PLOTTED = 30
LINKS_SHOWN = 25
WAIT_SECONDS = 8.0
log = logging.getLogger(__name__)
_cache: dict[tuple[str, Any], Any] = {}
_pending: dict[tuple[str, Any], threading.Thread] = {}
_cache_lock = threading.Lock()


@dataclass
class ConsoleView:
    """Everything the console template renders."""

    version: str
    manifest: dict[str, Any]
    history: list[dict[str, Any]]
    report: Report | None
    coverage: float
    queries: QueryReport
    searches_plot: Any
    gaps: list[Gap] | None  # None: still being computed
    clicks: ClickReport
    clicks_plot: Any
    links: list[LinkSuggestion] | None
    overrides: dict[str, Any]
    titles: dict[str, str] = field(default_factory=dict)


def _cached(key: tuple[str, Any], compute: Any) -> Any:
    """Return compute()'s value for key, or None while it is still computing.

    The computation runs in a background thread, so a large site's first visit (links over
    800 articles take minutes on two busy cores) does not hold a worker past its timeout;
    a small site's answer is waited for (WAIT_SECONDS) and shown at once.
    """
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        worker = _pending.get(key)
        if worker is None:
            worker = threading.Thread(target=_compute, args=(key, compute), daemon=True,
                                      name="relatedposts-console")
            _pending[key] = worker
            worker.start()
    worker.join(WAIT_SECONDS)
    with _cache_lock:
        return _cache.get(key)


def _compute(key: tuple[str, Any], compute: Any) -> None:
    try:
        value = compute()
    except Exception:  # noqa: BLE001 - the console shows "not available", the log says why
        log.exception("console: computing %s failed", key[0])
        value = None
    with _cache_lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = value
        _pending.pop(key, None)


def history(service: Service) -> list[dict[str, Any]]:
    """Return the kept versions, newest first, marking the live one."""
    live = service.live.data.manifest.version
    out = []
    for path in reversed(VersionStore(service.settings.index_dir).finished()):
        try:
            m = idx.read_manifest(path)
        except Exception:  # noqa: BLE001 - a broken version is listed as such, not fatal
            out.append({"version": path.name, "built_at": "", "articles": 0, "live": False,
                        "broken": True})
            continue
        out.append({"version": m.version, "built_at": m.built_at, "articles": m.articles,
                    "live": m.version == live, "broken": False})
    return out


def searches_per_day(query_log: QueryLog) -> list[tuple[str, float]]:
    """Return (MM-DD, searches) for the last DAYS_PLOTTED days that have searches."""
    return [(d[5:], float(n)) for d, n in query_log.per_day(DAYS_PLOTTED)]


def read_overrides(path: Path) -> dict[str, Any]:
    """Return the overrides file as a dict (empty when missing)."""
    if not path.is_file():
        return {"pin": {}, "block": {}, "exclude": []}
    try:
        raw = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise BadRequest(f"the overrides file is not valid JSON: {exc}") from exc
    return {"pin": raw.get("pin", {}), "block": raw.get("block", {}),
            "exclude": raw.get("exclude", []), **{k: v for k, v in raw.items()
                                                  if k not in ("pin", "block", "exclude")}}


def change_overrides(service: Service, action: str, source: str, target: str,
                     remove: bool) -> str:
    """Validate and apply one pin/block/exclude change to the overrides file."""
    if action not in ("pin", "block", "exclude"):
        raise BadRequest("choose pin, block or exclude")
    tgt = service.find_article(target)[1].url if target.strip() else ""
    if not tgt:
        raise BadRequest("give the article to pin, block or exclude")
    path = Path(service.settings.overrides_file)
    data = read_overrides(path)
    if action == "exclude":
        items = [u for u in data["exclude"] if url_key(u) != url_key(tgt)]
        data["exclude"] = items if remove else [*items, tgt]
        done = f"{'no longer excluded' if remove else 'excluded from every list'}: {tgt}"
    else:
        src = service.find_article(source)[1].url if source.strip() else ""
        if not src:
            raise BadRequest(f"give the article whose list to {action} in")
        if url_key(src) == url_key(tgt):
            raise BadRequest("an article cannot be in its own list")
        items = [u for u in data[action].get(src, []) if url_key(u) != url_key(tgt)]
        data[action][src] = items if remove else [*items, tgt]
        if not data[action][src]:
            del data[action][src]
        done = f"{action} {'removed' if remove else 'added'}: {tgt} in the list of {src}"
    _write_json(path, data)
    return done + " (applied at the next build)"


def change_search_rule(service: Service, query: str, action: str, target: str,
                       remove: bool) -> str:
    """Validate and apply one search rule change (pin or hide an article for a query)."""
    if action not in ("pin", "hide"):
        raise BadRequest("choose pin or hide")
    key = search_rule_key(query)
    if not key or len(key) > service.settings.max_query_chars:
        raise BadRequest("give the search the rule is for")
    tgt = service.find_article(target)[1].url if target.strip() else ""
    if not tgt:
        raise BadRequest(f"give the article to {action}")
    path = Path(service.settings.overrides_file)
    data = read_overrides(path)
    rules = data.setdefault("search", {})
    rule = rules.setdefault(key, {})
    other = "hide" if action == "pin" else "pin"
    for kind in (action, other):  # an article is pinned or hidden, never both
        rule[kind] = [u for u in rule.get(kind, []) if url_key(u) != url_key(tgt)]
    if not remove:
        rule[action].append(tgt)
    rules[key] = {k: v for k, v in rule.items() if v}
    if not rules[key]:
        del rules[key]
    _write_json(path, data)
    done = "removed" if remove else "added"
    return f"{action} {done}: {tgt} for “{key}” (applied at the next build)"


def _write_json(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, path)


def build_view(service: Service) -> ConsoleView:
    """Gather the console's data for the live version."""
    settings, data = service.settings, service.live.data
    version = data.manifest.version
    try:
        report: Report | None = build_report(settings.index_dir, settings.related_limit)
    except IndexNotReady:
        report = None
    n = len(data.articles)
    coverage = 1 - len(report.orphans) / n if report and n else 0.0
    query_log = QueryLog.from_settings(settings)
    k = settings.privacy_min_visitors  # only what k distinct visitors asked is shown
    entries = query_log.entries(k)
    gaps = _cached(("gaps", (version, query_log.stamp())), lambda: find_gaps(
        entries, service.live.searcher, settings)) if entries else []
    links = _cached(("links", version), lambda: sorted(
        suggest_links(data, service.embedder, settings), key=lambda r: -r.score))
    clicks = report_of(service.events.counts())
    per_day = searches_per_day(query_log)
    related_pos = [(r.key, float(r.clicks)) for r in clicks.by_position["related"]][:10]
    return ConsoleView(
        version=version, manifest=data.manifest.to_dict(), history=history(service),
        report=report, coverage=coverage, queries=query_log.report(15, k),
        searches_plot=bar_chart(per_day, "Searches per day", every=max(1, len(per_day) // 8)),
        gaps=None if gaps is None else gaps[:15], clicks=clicks,
        clicks_plot=bar_chart(related_pos, "Clicks on related posts by position"),
        links=None if links is None else links[:LINKS_SHOWN],
        overrides=read_overrides(Path(settings.overrides_file)),
        titles={a.url: a.title for a in data.articles})
