"""The rate-limit matrix: what is limited by default, per whom, behind proxies, across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from relatedposts.config import Settings
from relatedposts.errors import ConfigError
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.web.app import create_app
from tests.servers import redis_server, serve
from tests.support import AUTH, SCIATICA, TINY, TOKEN, assert_security_headers, json_error

DEFAULTS = Settings()


def _client(built, **changes):
    """A test client with the default limits (the fixture turns them off) plus changes."""
    limits = {"rate_limit": DEFAULTS.rate_limit, "admin_rate_limit": DEFAULTS.admin_rate_limit}
    settings = built.replace(**(limits | changes))
    return create_app(settings, embedder=FakeEmbedder()).test_client()


def _searches_until_429(client, n: int, **kwargs) -> int:
    """Return how many of n searches answered 200 before the first 429."""
    for i in range(n):
        status = client.get("/api/search?q=back", **kwargs).status_code
        if status == 429:
            return i
        assert status == 200
    return n


def test_defaults_never_limit_lookups_from_one_address(built) -> None:
    client = _client(built)
    urls = [a.url for a in TINY]
    statuses = {client.get(f"/api/related?url={urls[i % len(urls)]}").status_code
                for i in range(2000)}
    assert statuses == {200}
    for path in ("/widget.js", "/healthz", "/api/index", "/demo", "/search"):
        assert {client.get(path).status_code for _ in range(200)} == {200}, path


def test_defaults_limit_searches_per_visitor(built) -> None:
    client = _client(built)
    allowed = int(DEFAULTS.rate_limit.split("/")[0])
    assert _searches_until_429(client, allowed + 5) == allowed
    assert client.get("/search?q=back").status_code == 429  # the page shares the budget
    other = {"REMOTE_ADDR": "192.0.2.9"}
    assert client.get("/api/search?q=back", environ_base=other).status_code == 200
    assert client.get(f"/api/related?url={TINY[0].url}").status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(built) -> None:
    client = _client(built, rate_limit="5/minute")
    spoofed = [{"X-Forwarded-For": f"203.0.113.{i}"} for i in range(10)]
    statuses = [client.get("/api/search?q=back", headers=h).status_code for h in spoofed]
    assert statuses == [200] * 5 + [429] * 5


def test_trusted_proxy_address_is_the_visitor(built) -> None:
    client = _client(built, rate_limit="3/minute", trusted_proxies=1)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}

    def via_proxy(forwarded: str) -> int:
        return _searches_until_429(client, 5, headers={"X-Forwarded-For": forwarded},
                                   environ_base=proxy)

    assert via_proxy("198.51.100.1") == 3
    assert via_proxy("198.51.100.2") == 3  # another visitor behind the same proxy
    # A visitor's own (spoofed) entries come first; the proxy appends the real address last.
    assert via_proxy("10.9.9.9, 198.51.100.1") == 0
    assert via_proxy("10.9.9.8, 198.51.100.3") == 3


def test_admin_routes_have_their_own_budget_spent_by_refused_tokens(built) -> None:
    client = _client(built, admin_token=TOKEN, rate_limit="2/minute",
                     admin_rate_limit="4/minute")
    assert _searches_until_429(client, 5) == 2
    statuses = [client.post("/admin/reload", headers=AUTH).status_code for _ in range(20)]
    assert statuses == [200] * 20  # a deploy script's burst of reloads
    guesses = [client.post("/admin/reload", headers={"Authorization": f"Bearer x{i}"})
               for i in range(6)]
    assert [r.status_code for r in guesses] == [401] * 4 + [429] * 2
    assert client.post("/admin/reload", headers=AUTH).status_code == 429  # locked out a while
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.post("/admin/reload", headers=AUTH, environ_base=other).status_code == 200
    assert client.get(f"/api/related?url={TINY[0].url}").status_code == 200


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # a fresh connection each time
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("layout", ["two_workers", "two_replicas"])
def test_redis_storage_shares_the_count_across_workers_and_replicas(built, tmp_path,
                                                                    layout: str) -> None:
    with redis_server(tmp_path) as uri:
        env = {"RELATEDPOSTS_RATE_LIMIT": "10/minute", "RELATEDPOSTS_RATE_LIMIT_STORAGE": uri}
        if layout == "two_workers":
            with serve(built.index_dir, tmp_path / "a.log", env, workers=2) as base:
                statuses = [_status(f"{base}/api/search?q=back") for _ in range(30)]
                log = (tmp_path / "a.log").read_text()
        else:
            with serve(built.index_dir, tmp_path / "a.log", env, workers=1) as a, \
                    serve(built.index_dir, tmp_path / "b.log", env, workers=1) as b:
                statuses = [_status(f"{(a, b)[i % 2]}/api/search?q=back") for i in range(30)]
                log = (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()
    assert statuses.count(200) == 10 and statuses.count(429) == 20, statuses
    assert "Traceback" not in log


def test_memory_storage_counts_per_worker(built, tmp_path) -> None:
    env = {"RELATEDPOSTS_RATE_LIMIT": "10/minute"}
    with serve(built.index_dir, tmp_path / "a.log", env, workers=2) as base:
        statuses = [_status(f"{base}/api/search?q=back") for _ in range(40)]
    assert 10 <= statuses.count(200) <= 20  # which is why replicas want redis


@pytest.mark.parametrize("name, value", [
    ("RATE_LIMIT", "lots"), ("ADMIN_RATE_LIMIT", "5 per fortnight"),
    ("RATE_LIMIT_STORAGE", "bogus://x"), ("TRUSTED_PROXIES", "one"),
    ("TRUSTED_PROXIES", "-1"), ("MAX_CONNECTIONS", "0"),
])
def test_bad_serving_settings_stop_serve_before_any_worker(built, name, value) -> None:
    cmd = [sys.executable, "-m", "relatedposts", "--fake-embedder", "serve", "--index",
           str(built.index_dir), "--port", "9"]
    env = {**os.environ, f"RELATEDPOSTS_{name}": value}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and name in lines[0], lines
    assert "ready in" not in done.stdout + done.stderr


def test_a_dead_redis_never_fails_a_request(built) -> None:
    from tests.servers import free_port

    dead = f"redis://127.0.0.1:{free_port()}"  # nothing listens there
    client = _client(built, rate_limit="3/minute", rate_limit_storage=dead)
    statuses = [client.get("/api/search?q=back").status_code for _ in range(6)]
    assert statuses[:3] == [200] * 3 and 429 in statuses  # counted in memory meanwhile
    assert client.get(f"/api/related?url={TINY[0].url}").status_code == 200


def _limited_client(built, limit: str = "3/minute"):
    app = create_app(built.replace(rate_limit=limit), embedder=FakeEmbedder())
    return app.test_client()


def test_search_limit_answers_429_with_retry_after_and_spares_lookups(built) -> None:
    client = _limited_client(built)
    for path in ("/api/search?q=back", "/search?q=back", "/api/search?q=neck"):
        assert client.get(path).status_code == 200  # one budget for both searches
    assert client.get("/api/search?q=").status_code == 400  # no search run: not counted
    resp = client.get("/api/search?q=back")
    assert "too many searches" in json_error(resp, 429)
    assert 1 <= int(resp.headers["Retry-After"]) <= 61
    assert_security_headers(resp, html=False)
    page = client.get("/search?q=back")
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert int(page.headers["Retry-After"]) >= 1
    for path in (f"/api/related?url={SCIATICA}", "/api/index", "/healthz", "/widget.js",
                 "/search", "/demo"):
        assert {client.get(path).status_code for _ in range(10)} == {200}, path


def test_search_limit_counts_per_client(built) -> None:
    client = _limited_client(built, "2/minute")
    for _ in range(2):
        assert client.get("/api/search?q=back").status_code == 200
    assert client.get("/api/search?q=back").status_code == 429
    other = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/api/search?q=back", environ_base=other).status_code == 200


def test_rate_limit_can_be_disabled_and_is_validated(built) -> None:
    client = _limited_client(built, "")
    assert {client.get("/api/search?q=back").status_code for _ in range(30)} == {200}
    with pytest.raises(ConfigError, match="RELATEDPOSTS_RATE_LIMIT="):
        _limited_client(built, "lots")
    with pytest.raises(ConfigError, match="RELATEDPOSTS_RATE_LIMIT_STORAGE="):
        create_app(built.replace(rate_limit="5/minute", rate_limit_storage="bogus://x"),
                   embedder=FakeEmbedder())


def test_with_the_search_limit_off_only_the_budgets_still_on_count(built) -> None:
    client = _client(built, admin_token=TOKEN, rate_limit="", admin_rate_limit="2/minute",
                     suggest_rate_limit="3/minute")
    assert _searches_until_429(client, 100) == 100  # skipped by the request filter
    assert [client.get("/api/suggest?q=ba").status_code for _ in range(4)] == [200] * 3 + [429]
    guesses = [client.post("/admin/reload", headers={"Authorization": f"Bearer x{i}"})
               for i in range(3)]
    assert [r.status_code for r in guesses] == [401, 401, 429]
