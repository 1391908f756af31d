"""GET /metrics: Prometheus text format, counted across every `serve` worker.

prometheus-client runs in its multi-process mode when PROMETHEUS_MULTIPROC_DIR is set (`serve`
sets it to a private directory before forking, server.run_directory): each worker writes its
samples to memory-mapped files there and a scrape, in whichever worker it lands, adds them up.
Without it (the Flask test client, `serve --debug`) the process's own registry is served.
prometheus-client is imported only inside these functions: the module is imported by the
supervisor's process too, before the variable is set, and the library reads it at import.

Guarded like /admin/status: 404 while the admin token is empty, 401 without `Authorization:
Bearer TOKEN`. Route labels are the URL rule (`/api/search`), or `unmatched`, so a scanner's
paths cannot grow the label set.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.typing import ResponseReturnValue

from relatedposts.live.service import Service
from relatedposts.web.admin import require_admin
from relatedposts.web.context import loaded_services

NAMESPACE = "relatedposts"
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_lock = threading.Lock()
_metrics: Metrics | None = None


class Metrics:
    """This process's metric objects and what it last reported of each Service's counts."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        labels = ("route", "method", "status")
        self.requests = Counter("requests", "HTTP requests answered", labels,
                                namespace=NAMESPACE)
        self.latency = Histogram("request_duration_seconds", "time to answer, by route",
                                 ("route", "status"), namespace=NAMESPACE,
                                 buckets=LATENCY_BUCKETS)
        self.no_answer = Counter("searches_no_answer", "API searches no article answered "
                                 "(total 0)", namespace=NAMESPACE)
        self.index_info = Gauge("index_info", "1 for the index version each worker serves",
                                ("site", "version"), namespace=NAMESPACE,
                                multiprocess_mode="liveall")
        self.index_age = Gauge("index_age_seconds", "age of the oldest version a live worker "
                               "serves (built_at to now)", ("site",), namespace=NAMESPACE,
                               multiprocess_mode="livemax")
        self.reload_failures = Counter("reload_failures", "reloads that kept the previous "
                                       "version", ("site",), namespace=NAMESPACE)
        self.cache_hits = Counter("query_cache_hits", "query vectors found in the cache",
                                  ("site",), namespace=NAMESPACE)
        self.cache_misses = Counter("query_cache_misses", "query vectors computed",
                                    ("site",), namespace=NAMESPACE)
        self.seen: dict[int, dict[str, Any]] = {}  # id(service) -> last reported values


def get_metrics() -> Metrics:
    """Return this process's metrics, creating them on first use."""
    global _metrics
    with _lock:
        if _metrics is None:
            _metrics = Metrics()
        return _metrics


def init_metrics(app: Flask) -> None:
    """Time and count every request, and serve GET /metrics."""
    get_metrics()
    # First of the hooks: a request refused by an earlier one (404, 429) is timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_record)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _record(response: Response) -> Response:
    """Count the response by route and status, and a search no article answered."""
    metrics = get_metrics()
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    status = str(response.status_code)
    metrics.requests.labels(route, request.method, status).inc()
    started = g.get("metrics_started")
    if started is not None:
        metrics.latency.labels(route, status).observe(time.perf_counter() - started)
    # The route leaves the page's total in g: parsing the JSON it sent cost ~0.1 ms a search.
    if route == "/api/search" and response.status_code == 200 and g.get("search_total") == 0:
        metrics.no_answer.inc()
    return response


def sync_metrics(app: Flask) -> None:
    """Report each loaded Service's version, age, reload failures and cache counts."""
    metrics = get_metrics()
    for service in loaded_services(app):
        _sync_service(metrics, service)


def _sync_service(metrics: Metrics, service: Service) -> None:
    """Set the gauges and add what the Service's counters gained since the last sync."""
    site = service.settings.site_name or "default"
    seen = metrics.seen.setdefault(id(service), {"failures": 0, "cache": None, "hits": 0,
                                                 "misses": 0, "version": None})
    metrics.reload_failures.labels(site).inc(service.reload_failures - seen["failures"])
    seen["failures"] = service.reload_failures
    if not service.has_live:
        return
    live = service.live
    manifest = live.data.manifest
    if manifest.version != seen["version"]:
        if seen["version"] is not None:
            metrics.index_info.labels(site, seen["version"]).set(0)
        metrics.index_info.labels(site, manifest.version).set(1)
        seen["version"] = manifest.version
    built = _timestamp(manifest.built_at)
    if built is not None:
        metrics.index_age.labels(site).set(max(0.0, time.time() - built))
    cache = live.searcher.cache
    if seen["cache"] is not cache:  # a reload starts a new cache with its own counts
        seen.update(cache=cache, hits=0, misses=0)
    metrics.cache_hits.labels(site).inc(cache.hits - seen["hits"])
    metrics.cache_misses.labels(site).inc(cache.misses - seen["misses"])
    seen.update(hits=cache.hits, misses=cache.misses)


def _timestamp(iso: str) -> float | None:
    """Return an ISO 8601 time as a Unix timestamp, None when it does not parse."""
    try:
        return datetime.fromisoformat(iso).timestamp()
    except (TypeError, ValueError):
        return None


def metrics_view() -> ResponseReturnValue:
    """Return every worker's metrics in the Prometheus text format (admin token)."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    require_admin()
    sync_metrics(current_app)  # this worker's gauges as of now; the others' within a second
    registry: Any = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
