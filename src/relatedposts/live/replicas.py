"""Replicas sharing state through Redis: event streams and the reload subscriber.

With Settings.redis_url set, every worker of every replica
- appends query-log entries (scrubbed, as in querylog.py) and click events to per-site Redis
  streams, so `report --queries` sees the searches of all replicas;
- subscribes to the reload channel and reloads the announced site within a second of a build,
  a rollback or an /admin/reload on any replica (the CURRENT watcher stays as the fallback).
A Redis that is down never fails a request: events are dropped (logged once a minute) and the
subscriber reconnects with a backoff, reloading what it may have missed.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from relatedposts import redisbus
from relatedposts.config import Settings
from relatedposts.logs.events import ClickCounts, EventStore, counts_of
from relatedposts.logs.querylog import QueryLog
from relatedposts.logs.scrub import scrub
from relatedposts.logs.visitors import RedisKeys, VisitorTokens

log = logging.getLogger(__name__)
WARN_EVERY = 60.0  # seconds between two warnings about an unreachable Redis
RETRY_AFTER = 5.0  # seconds a sink stops trying after a failure: a dead Redis costs nothing


class EventSink(Protocol):
    """Where one kind of event goes (a file, Redis...): append never raises."""

    def append(self, event: dict[str, Any]) -> None:
        """Record one event."""


class RedisEventSink:
    """Append events as JSON to one Redis stream (shared by all replicas)."""

    enabled = True  # what events.EventStore asks of its log (events.SqliteEventLog)
    path = None

    def __init__(self, settings: Settings, kind: str, client: Any = None) -> None:
        self.key = redisbus.stream_key(settings, kind)
        self._client = client or redisbus.connect(settings.redis_url, timeout=0.5)
        self._warned = 0.0
        self._down_until = 0.0

    def append(self, event: dict[str, Any]) -> None:
        """XADD the event (trimmed to about redisbus.STREAM_MAX); never raise."""
        if time.monotonic() < self._down_until:
            return  # Redis failed just now: drop the event rather than wait on every request
        try:
            self._client.xadd(self.key, {"event": json.dumps(event, ensure_ascii=False)},
                              maxlen=redisbus.STREAM_MAX, approximate=True)
        except Exception as exc:  # noqa: BLE001 - shared logging is optional, serving is not
            self._down_until = time.monotonic() + RETRY_AFTER
            if time.monotonic() - self._warned > WARN_EVERY:
                log.warning("cannot write %s to redis: %s", self.key, exc)
                self._warned = time.monotonic()


class RedisEventStore(EventStore):
    """The click/impression store (events.py) on the site's Redis stream 'events'."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(None)  # no file: the log below replaces it
        self.log = RedisEventSink(settings, "events")
        self._settings = settings
        atexit.register(self.flush)

    def entries(self) -> list[dict[str, Any]]:
        """Return every replica's events (the impressions counted here flushed first)."""
        self.flush()
        return read_events(self._settings, "events")

    def counts(self) -> ClickCounts:
        """Count every replica's clicks and impressions (Redis has no GROUP BY: by hand)."""
        return counts_of(self.entries())


class RedisQueryLog:
    """The query log (same interface as querylog.QueryLog) on a Redis stream."""

    enabled = True

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.sink = RedisEventSink(settings, "queries", client)
        # One day key for all replicas, so a visitor is one token on any of them.
        self.visitors = VisitorTokens(RedisKeys(self.sink._client,
                                                redisbus.stream_key(settings, "privacy")))

    def record(self, query: str, results: int, visitor: str | None = None) -> None:
        """Append one scrubbed query, its result count and visitor token; never raise."""
        try:
            token = self.visitors.token(visitor)
        except Exception:  # noqa: BLE001 - Redis down: the sink drops the event anyway
            token = None
        self.sink.append({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                          "query": scrub(" ".join(query.split())), "results": int(results),
                          "visitor": token})


def read_events(settings: Settings, kind: str, client: Any = None,
                batch: int = 10_000) -> list[dict[str, Any]]:
    """Return every event of a site's stream, oldest first (malformed entries skipped)."""
    client = client or redisbus.connect(settings.redis_url)
    key, start, events = redisbus.stream_key(settings, kind), "-", []
    while True:
        rows = client.xrange(key, min=start, max="+", count=batch)
        for _, fields in rows:
            try:
                event = json.loads(fields.get("event", ""))
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
        if len(rows) < batch:
            return events
        start = "(" + rows[-1][0]  # exclusive: continue after the last id read


class ReloadSubscriber:
    """A daemon thread reloading this worker's Services when a new version is announced."""

    def __init__(self, url: str, services: Callable[[str], list[Any]]) -> None:
        self.url = url
        self.services = services  # site name -> the loaded Services to reload
        self._stop = threading.Event()
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._run, name="relatedposts-reload-sub",
                                        daemon=True)

    def start(self) -> ReloadSubscriber:
        """Start listening."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (within about a second)."""
        self._stop.set()

    def _run(self) -> None:
        """Listen, reconnecting with a backoff; catch up on every (re)connect."""
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self._listen()
                backoff = 0.5
            except Exception as exc:  # noqa: BLE001 - keep trying; the watcher is the fallback
                self.connected.clear()
                log.warning("reload channel unavailable (%s); retrying in %.1fs", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _listen(self) -> None:
        client = redisbus.connect(self.url, timeout=5.0)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(redisbus.RELOAD_CHANNEL)
            self.connected.set()
            self._reload("*")  # anything announced while we were away
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message and message.get("type") == "message":
                    self._handle(message.get("data"))
        finally:
            pubsub.close()
            client.close()

    def _handle(self, data: object) -> None:
        """Reload the site a message names (malformed messages are ignored)."""
        try:
            site = json.loads(str(data)).get("site")
        except (ValueError, AttributeError):
            return
        if isinstance(site, str) and site:
            self._reload(site)

    def _reload(self, site: str) -> None:
        for service in self.services(site):
            try:
                manifest = service.reload()
                log.info("site %s: serving version %s", site, manifest.version)
            except Exception as exc:  # noqa: BLE001 - the old version keeps serving
                service.load_error = getattr(exc, "message", None) or f"{exc}"
                log.warning("announced reload of %s failed: %s", site, service.load_error)


def shared_settings(settings: Settings) -> Settings:
    """With a Redis, count rate limits there too (unless a storage was chosen explicitly)."""
    if settings.redis_url and settings.rate_limit_storage == "memory://":
        return settings.replace(rate_limit_storage=settings.redis_url)
    return settings


def make_query_log(settings: Settings) -> Any:
    """Return the query log: on a Redis stream with redis_url, else querylog.QueryLog."""
    if settings.query_log and settings.log_queries and settings.redis_url:
        return RedisQueryLog(settings)
    return QueryLog.from_settings(settings)


def start_subscriber(settings: Settings,
                     services: Callable[[str], list[Any]]) -> ReloadSubscriber | None:
    """Start this worker's reload subscriber when replicas share a Redis."""
    if not settings.redis_url:
        return None
    return ReloadSubscriber(settings.redis_url, services).start()


def print_shared_report(settings: Settings, as_json: bool = False, top: int = 20) -> None:
    """Print the query report of every replica's searches from the Redis stream."""
    import click

    from relatedposts.logs.querylog import report_lines, summarize

    rep = summarize(read_events(settings, "queries"), top, settings.privacy_min_visitors)
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps(asdict(rep), indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(report_lines(rep)))


def make_event_store(settings: Settings) -> Any:
    """Return the click/impression store: on a Redis stream with redis_url, else the file."""
    if settings.redis_url and settings.event_log:
        return RedisEventStore(settings)
    return EventStore.from_settings(settings)
