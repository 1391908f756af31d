"""Issue 24: every failed admin authentication counts against a limit per visitor; a signed-in
session is never refused by it; sign-out revokes the session on the server."""

from __future__ import annotations

import pytest

from relatedposts.config import Settings
from relatedposts.console.app import create_app
from relatedposts.console.auth import COOKIE
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from tests.support import TINY

TOKEN = "s3cret-editor-token"
BAD = {"Authorization": "Bearer wrong"}
GOOD = {"Authorization": f"Bearer {TOKEN}"}


def _app(settings: Settings, **kw):
    s = settings.replace(admin_token=TOKEN, admin_rate_limit="5/minute", **kw)
    build_index(TINY, FakeEmbedder(), s)
    return create_app(s, embedder=FakeEmbedder())


@pytest.fixture
def client(settings: Settings):
    return _app(settings).test_client()


def _guess(client, ip: str, how: str) -> int:
    env = {"REMOTE_ADDR": ip}
    if how == "bearer-console":
        return client.get("/admin", headers=BAD, environ_base=env).status_code
    if how == "bearer-api":
        return client.get("/admin/status", headers=BAD, environ_base=env).status_code
    if how == "form":
        return client.post("/admin/sign-in", data={"token": "wrong"},
                           environ_base=env).status_code
    client.set_cookie(COOKIE, "forged.value", path="/admin")
    status = client.get("/admin", environ_base=env).status_code
    client.delete_cookie(COOKIE, path="/admin")
    return status


@pytest.mark.parametrize("how", ["bearer-console", "bearer-api", "form", "cookie"])
def test_failed_admin_authentications_are_limited_per_address(client, how) -> None:
    statuses = [_guess(client, "198.51.100.7", how) for _ in range(8)]
    assert 429 not in statuses[:5] and statuses[5:] == [429, 429, 429], statuses
    # Another visitor is not locked out by the first one's guesses.
    assert _guess(client, "198.51.100.8", how) != 429


def test_guesses_on_every_route_share_one_budget(client) -> None:
    for how in ("bearer-console", "bearer-api", "form", "cookie", "form"):
        assert _guess(client, "198.51.100.9", how) != 429
    assert _guess(client, "198.51.100.9", "bearer-api") == 429


def test_a_signed_in_editor_is_not_locked_out_by_guesses_from_its_address(client) -> None:
    env = {"REMOTE_ADDR": "198.51.100.7"}
    assert client.post("/admin/sign-in", data={"token": TOKEN},
                       environ_base=env).status_code == 303
    session = client.get_cookie(COOKIE, path="/admin").value
    client.delete_cookie(COOKIE, path="/admin")  # the guesser, on the same address
    for _ in range(8):
        _guess(client, "198.51.100.7", "bearer-api")
    client.set_cookie(COOKIE, session, path="/admin")
    assert client.get("/admin", environ_base=env).status_code == 200
    # A right token is refused once locked out: else the right guess would still answer 200.
    client.delete_cookie(COOKIE, path="/admin")
    assert client.get("/admin/status", headers=GOOD, environ_base=env).status_code == 429


def test_behind_a_proxy_guesses_count_per_forwarded_client(settings) -> None:
    client = _app(settings, trusted_proxies=1).test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(8):
        client.get("/admin", headers={**BAD, "X-Forwarded-For": "203.0.113.5"},
                   environ_base=proxy)
    assert client.get("/admin", headers={**BAD, "X-Forwarded-For": "203.0.113.5"},
                      environ_base=proxy).status_code == 429
    operator = {"X-Forwarded-For": "203.0.113.6"}
    assert client.get("/admin", headers={**BAD, **operator},
                      environ_base=proxy).status_code == 303
    assert client.get("/admin", headers={**GOOD, **operator},
                      environ_base=proxy).status_code == 200


def test_sign_out_revokes_the_cookie_on_the_server(client) -> None:
    resp = client.post("/admin/sign-in", data={"token": TOKEN})
    cookie = resp.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    page = client.get("/admin").get_data(as_text=True)
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    assert client.post("/admin/sign-out", data={"csrf": csrf}).status_code == 303
    client.set_cookie(COOKIE, cookie, path="/admin")  # a copy kept by whoever took it
    assert client.get("/admin").status_code == 303  # back to the sign-in form


def test_a_revoked_session_is_refused_by_another_app_on_the_same_index(settings) -> None:
    first = _app(settings)
    a, b = first.test_client(), create_app(first.extensions["relatedposts"].settings,
                                           embedder=FakeEmbedder()).test_client()
    resp = a.post("/admin/sign-in", data={"token": TOKEN})
    cookie = resp.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    b.set_cookie(COOKIE, cookie, path="/admin")
    assert b.get("/admin").status_code == 200
    csrf = a.get("/admin").get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    a.post("/admin/sign-out", data={"csrf": csrf})
    assert b.get("/admin").status_code == 303  # another worker process sees the revocation
