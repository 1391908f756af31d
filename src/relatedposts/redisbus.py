"""The Redis that replicas share: key names, the connection, and the reload announcement.

Replicas (several `serve` processes over one shared index store) keep their shared state in
one Redis (Settings.redis_url): rate-limit counts (flask-limiter's storage), the query log and
click events (streams, one per site and kind), and a pub/sub channel on which a new live
version is announced so that every worker of every replica swaps at once. This module is the
part builds and the CLI need too; the serving side is live/replicas.py.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from relatedposts.config import Settings
from relatedposts.errors import ConfigError

log = logging.getLogger(__name__)
PREFIX = "relatedposts"
RELOAD_CHANNEL = f"{PREFIX}:reload"
DEFAULT_SITE = "default"  # key part for a service without a sites file
STREAM_MAX = 1_000_000  # entries kept per stream (approximate trim): old ones fall off


def connect(url: str, timeout: float = 2.0) -> Any:
    """Return a redis.Redis for url (short timeouts: shared state must never stall a request)."""
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError("RELATEDPOSTS_REDIS_URL needs the redis package: "
                          "pip install 'relatedposts[redis]'") from exc
    try:
        return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                    health_check_interval=30, decode_responses=True)
    except ValueError as exc:
        raise ConfigError(f"RELATEDPOSTS_REDIS_URL={url!r} is not a redis:// URL: {exc}") from exc


def stream_key(settings: Settings, kind: str) -> str:
    """Return the stream holding one site's events of one kind ('queries', 'clicks')."""
    return f"{PREFIX}:{settings.site_name or DEFAULT_SITE}:{kind}"


def reload_message(settings: Settings, version: str) -> str:
    """Return the JSON announcing that a site's CURRENT now names version."""
    return json.dumps({"site": settings.site_name or DEFAULT_SITE, "version": version})


def publish_reload(settings: Settings, version: str) -> int:
    """Announce a new live version to every replica; return how many workers heard it."""
    client = connect(settings.redis_url)
    try:
        return int(client.publish(RELOAD_CHANNEL, reload_message(settings, version)))
    finally:
        client.close()
