"""Replicas sharing state through a real redis-server (and a real nginx in front of two)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from relatedposts.cli import main
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.live.replicas import RedisEventSink, read_events
from relatedposts.logs.background import flush_all
from relatedposts.redisbus import RELOAD_CHANNEL, publish_reload
from relatedposts.sites import settings_for
from relatedposts.web.app import create_app
from tests.replicakit import Nginx, RedisServer, Replica, free_port
from tests.support import SITES_TOML, TINY, other_articles, summit_articles


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    server.stop()


_APPS: list = []


@pytest.fixture(autouse=True)
def _stop_subscribers() -> Iterator[None]:
    yield
    while _APPS:
        subscriber = _APPS.pop().extensions.get("relatedposts.reload_subscriber")
        if subscriber:
            subscriber.stop()


def _app(settings, **changes):
    app = create_app(settings.replace(**changes), embedder=FakeEmbedder())
    app.config["TESTING"] = True
    _APPS.append(app)
    return app


def _version(client, site: str = "") -> str:
    return client.get("/api/index" + (f"?site={site}" if site else "")).get_json()["version"]


def test_rate_limit_counts_are_shared_across_replicas(built, redis_server) -> None:
    apps = [_app(built, rate_limit="5/minute", redis_url=redis_server.url) for _ in range(2)]
    clients = [a.test_client() for a in apps]
    codes = [clients[i % 2].get("/api/search?q=back").status_code for i in range(6)]
    assert codes == [200] * 5 + [429]  # 3 + 2 on two replicas use up one shared allowance
    assert any(k.startswith("LIMITS") for k in redis_server.client.keys("*"))


def test_query_log_and_clicks_are_aggregated_across_replicas(built, redis_server) -> None:
    shared = built.replace(redis_url=redis_server.url, query_log="on", privacy_min_visitors=1)
    clients = [_app(shared).test_client() for _ in range(2)]
    queries = ["sciatica", "my email is jo@example.com", "sciatica", "zzzqqq"]
    for i, q in enumerate(queries):
        assert clients[i % 2].get("/api/search", query_string={"q": q}).status_code == 200
        flush_all()  # each replica's writer thread, in turn: the stream keeps their order
    clients[1].get("/api/search?q=sciatica&offset=10")  # later pages are not logged
    logged = [e["query"] for e in read_events(shared, "queries")]
    assert logged == ["sciatica", "my email is [email]", "sciatica", "zzzqqq"]
    env = {"RELATEDPOSTS_REDIS_URL": redis_server.url, "RELATEDPOSTS_QUERY_LOG": "on",
           "RELATEDPOSTS_PRIVACY_MIN_VISITORS": "1"}
    report = json.loads(CliRunner().invoke(main, ["report", "--queries", "--json"],
                                           env=env).output)
    assert report["searches"] == 4 and report["frequent"][0] == ["sciatica", 2]
    # Click events (the editor console's) go to their own stream through the same interface.
    sinks = [RedisEventSink(shared, "clicks") for _ in range(2)]
    for i in range(4):
        sinks[i % 2].append({"from": TINY[0].url, "to": TINY[i + 1].url})
    assert [e["to"] for e in read_events(shared, "clicks")] == [a.url for a in TINY[1:5]]
    assert read_events(shared.replace(site_name="other"), "clicks") == []  # per site


def test_a_dead_redis_never_fails_a_request(built) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    client = _app(built, redis_url=dead, query_log="on", rate_limit="100/minute").test_client()
    for _ in range(3):
        assert client.get("/api/search?q=back").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_an_announced_reload_reaches_every_replica_within_a_second(built, redis_server) -> None:
    apps = [_app(built, redis_url=redis_server.url, reload_check_seconds=-1) for _ in range(2)]
    clients = [a.test_client() for a in apps]
    for app in apps:
        assert app.extensions["relatedposts.reload_subscriber"].connected.wait(10)
    old = _version(clients[0])
    new = build_index(TINY[:6], FakeEmbedder(), built).version_dir.name
    assert [_version(c) for c in clients] == [old, old]  # no watcher: only the announcement
    redis_server.client.publish(RELOAD_CHANNEL, "not json")  # hostile messages are ignored
    redis_server.client.publish(RELOAD_CHANNEL, json.dumps({"site": ["x"]}))
    t0 = time.monotonic()
    assert publish_reload(built.replace(redis_url=redis_server.url), new) == 2
    while time.monotonic() - t0 < 1.0 and {_version(c) for c in clients} != {new}:
        time.sleep(0.02)
    assert [_version(c) for c in clients] == [new, new]


def test_an_announcement_reloads_only_its_site(tmp_path, settings, redis_server) -> None:
    (tmp_path / "sites.toml").write_text(SITES_TOML, "utf-8")
    base = settings.replace(sites_file=tmp_path / "sites.toml", reload_check_seconds=-1,
                            redis_url=redis_server.url)
    for name, articles in (("summit", summit_articles()), ("other", other_articles())):
        build_index(articles, FakeEmbedder(), settings_for(base, name))
    app = _app(base)
    assert app.extensions["relatedposts.reload_subscriber"].connected.wait(10)
    client = app.test_client()
    before = {s: _version(client, s) for s in ("summit", "other")}
    new = {s: build_index(arts[:4], FakeEmbedder(), settings_for(base, s),
                          force=True).version_dir.name
           for s, arts in (("summit", summit_articles()), ("other", other_articles()))}
    publish_reload(settings_for(base, "other"), new["other"])
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and _version(client, "other") != new["other"]:
        time.sleep(0.02)
    assert _version(client, "other") == new["other"]
    assert _version(client, "summit") == before["summit"]  # not announced: untouched


def _soak(base: str, stop: threading.Event, out: list, max_requests: int) -> None:
    """Hit search, related and the manifest in turn; record (time, path kind, status, version)."""
    paths = ["/api/search?q=leg+pain", "/api/related?url=" + TINY[0].url, "/api/index"]
    i = 0
    while not stop.is_set() and len(out) < max_requests:
        path = paths[i % 3]
        i += 1
        try:
            with urllib.request.urlopen(base + path, timeout=10) as resp:
                body = json.load(resp)
                out.append((time.monotonic(), path, resp.status, body.get("version")))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            out.append((time.monotonic(), path, getattr(exc, "code", str(exc)), None))


def test_two_replicas_behind_nginx_soak_across_a_swap(built, tmp_path, redis_server) -> None:
    env = {"RELATEDPOSTS_INDEX_DIR": str(built.index_dir), "RELATEDPOSTS_EMBEDDER": "fake",
           "RELATEDPOSTS_REDIS_URL": redis_server.url, "RELATEDPOSTS_QUERY_LOG": "on",
           "RELATEDPOSTS_RELOAD_CHECK_SECONDS": "-1", "RELATEDPOSTS_RATE_LIMIT": "100000/minute",
           "RELATEDPOSTS_LOG_FILE": ""}
    replicas = [Replica(tmp_path, env) for _ in range(2)]
    nginx = None
    try:
        for r in replicas:
            r.wait_ready()
        nginx = Nginx(tmp_path, [r.port for r in replicas])
        old = json.loads(replicas[0].get("/api/index"))["version"]
        stop, results = threading.Event(), []
        # Bounded by time (stop, 5 s) and by count: the count must outlast the time, or a
        # fast service ends the soak before the swap it is there to watch.
        threads = [threading.Thread(target=_soak, args=(nginx.base, stop, results, 40_000))
                   for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(2.0)
        new = build_index(TINY[:6], FakeEmbedder(), built).version_dir.name
        t_swap = time.monotonic()
        heard = publish_reload(built.replace(redis_url=redis_server.url), new)
        time.sleep(3.0)
        stop.set()
        for t in threads:
            t.join(30)
    finally:
        if nginx:
            nginx.stop()
        for r in replicas:
            r.stop()
    assert heard == 4  # two workers in each of two replicas
    errors = [r for r in results if r[2] != 200]
    assert not errors, errors[:5]
    versions = [(t, v) for t, p, _, v in results if p == "/api/index"]
    assert {v for _, v in versions} == {old, new}
    late = [v for t, v in versions if t > t_swap + 1.0]
    assert late and set(late) == {new}  # every worker of both replicas swapped within 1 s
    counts = nginx.upstream_counts()
    assert len(counts) == 2 and min(counts.values()) > 20  # both replicas served
    searches = sum(1 for r in results if r[1].startswith("/api/search"))
    logged = redis_server.client.xlen("relatedposts:default:queries")
    assert logged == searches  # one shared query log, every replica's searches in it


def test_a_sink_skips_a_dead_redis_for_a_while_then_retries(built, redis_server) -> None:
    from relatedposts.live import replicas

    sink = RedisEventSink(built.replace(redis_url=redis_server.url), "clicks")
    calls = []

    class Flaky:
        def xadd(self, *args, **kwargs):
            calls.append(args)
            raise ConnectionError("down")

    real, sink._client = sink._client, Flaky()
    for _ in range(5):
        sink.append({"n": 1})  # never raises
    assert len(calls) == 1  # one failed attempt, then no waiting on every request
    sink._client, sink._down_until = real, 0.0  # RETRY_AFTER later, Redis is back
    sink.append({"n": 2})
    assert read_events(built.replace(redis_url=redis_server.url), "clicks") == [{"n": 2}]
    assert replicas.RETRY_AFTER > 0


def test_click_events_from_two_replicas_land_in_one_store(built, redis_server) -> None:
    shared = built.replace(redis_url=redis_server.url)
    apps = [_app(shared) for _ in range(2)]
    for i, app in enumerate(apps):
        resp = app.test_client().post("/api/events", data=json.dumps(
            {"type": "click", "list": "related", "from": TINY[0].url, "to": TINY[i + 1].url,
             "position": i + 1}), content_type="text/plain")
        assert resp.status_code in (200, 202, 204), resp.get_data(as_text=True)
    store = apps[0].extensions["relatedposts"].events
    assert [e["to"] for e in store.entries() if e["type"] == "click"] == [
        TINY[1].url, TINY[2].url]
