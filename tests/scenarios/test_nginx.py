"""The nginx recipe (docs/nginx/relatedposts.conf), run by Debian's nginx on loopback in front
of `relatedposts serve`: TLS with a certificate made here, caching, the real client address."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.components import missing
from tests.servers import free_port, serve
from tests.support import ROOT, TINY, built_tiny

RECIPE = ROOT / "docs" / "nginx" / "relatedposts.conf"
HEADERS = {"content-security-policy", "x-content-type-options", "referrer-policy"}


def _certificate(tmp: Path) -> tuple[Path, Path]:
    """Make a self-signed certificate for 127.0.0.1 with openssl; skip without it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        missing("openssl", "apt-get install openssl")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _render(tmp: Path, upstream: str, http_port: int, tls_port: int, cert: Path,
            key: Path) -> Path:
    """Write a main config that includes the recipe with loopback addresses and temp paths."""
    recipe = RECIPE.read_text()
    for old, new in (("127.0.0.1:8000", upstream),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen 443 ssl", f"listen 127.0.0.1:{tls_port} ssl"),
                     ("/etc/ssl/certs/related.example.com.pem", str(cert)),
                     ("/etc/ssl/private/related.example.com.key", str(key)),
                     ("/var/cache/nginx/relatedposts", str(tmp / "cache")),
                     ("/var/log/nginx/relatedposts.access.log", str(tmp / "access.log"))):
        assert old in recipe, old
        recipe = recipe.replace(old, new)
    (tmp / "relatedposts.conf").write_text(recipe)
    temp = " ".join(f"{kind}_temp_path {tmp / kind};" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;" if os.geteuid() == 0 else ""  # workers must reach the temp dir
    main = (f"{user} worker_processes 1; daemon off; pid {tmp / 'nginx.pid'}; "
            f"error_log {tmp / 'error.log'} warn; events {{ worker_connections 512; }} "
            f"http {{ access_log off; {temp} include {tmp / 'relatedposts.conf'}; }}")
    conf = tmp / "nginx.conf"
    conf.write_text(main)
    return conf


@contextlib.contextmanager
def _nginx(conf: Path, tmp: Path, port: int) -> Iterator[None]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        missing("nginx", "apt-get install nginx-light")
    proc = subprocess.Popen([binary, "-p", str(tmp), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"nginx exited: {proc.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(OSError), socket_to(port):
                break
            time.sleep(0.05)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def socket_to(port: int):
    import socket

    return socket.create_connection(("127.0.0.1", port), timeout=1)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory) -> Iterator[dict]:
    """nginx (TLS) -> `serve` with TRUSTED_PROXIES=1 and a small search limit."""
    tmp = tmp_path_factory.mktemp("nginx")
    settings = built_tiny(tmp)
    cert, key = _certificate(tmp)
    env = {"RELATEDPOSTS_TRUSTED_PROXIES": "1", "RELATEDPOSTS_RATE_LIMIT": "3/minute"}
    with serve(settings.index_dir, tmp / "serve.log", env, workers=2) as base:
        http_port, tls_port = free_port(), free_port()
        conf = _render(tmp, urlsplit(base).netloc, http_port, tls_port, cert, key)
        with _nginx(conf, tmp, tls_port):
            yield {"tls": tls_port, "http": http_port, "cert": cert, "tmp": tmp}


def _get(proxy: dict, path: str, source: str = "127.0.0.1", headers: dict | None = None,
         tls: bool = True) -> tuple[int, dict[str, str], bytes]:
    """GET path through nginx from a chosen loopback source address."""
    if tls:
        context = ssl.create_default_context(cafile=str(proxy["cert"]))
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", proxy["tls"], timeout=10, context=context, source_address=(source, 0))
    else:
        conn = http.client.HTTPConnection("127.0.0.1", proxy["http"], timeout=10,
                                          source_address=(source, 0))
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def test_tls_and_cached_related_lists(proxy) -> None:
    path = f"/api/related?url={quote(TINY[0].url)}"
    first = _get(proxy, path)
    second = _get(proxy, path)
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert json.loads(second[2])["results"]
    assert first[1]["x-cache-status"] == "MISS" and second[1]["x-cache-status"] == "HIT"
    assert set(second[1]) >= HEADERS
    widget = [_get(proxy, "/widget.js")[1].get("x-cache-status") for _ in range(2)]
    assert widget[1] == "HIT"
    status, headers, _ = _get(proxy, "/api/search?q=neck")
    assert status == 200 and "x-cache-status" not in headers  # searches are never cached


def test_searches_are_limited_per_real_visitor_and_forged_headers_change_nothing(proxy) -> None:
    forged = [_get(proxy, "/api/search?q=back", "127.0.0.3",
                   {"X-Forwarded-For": f"198.51.100.{i}"})[0] for i in range(5)]
    assert forged == [200, 200, 200, 429, 429]
    assert _get(proxy, "/api/search?q=back", "127.0.0.4")[0] == 200  # another visitor


def test_nginx_errors_are_in_the_json_shape(proxy) -> None:
    for path, headers, status in (
            ("/api/search?q=" + "a" * 40_000, {}, 414),
            ("/healthz", {"X-Big": "b" * 40_000}, 400)):
        got, response_headers, body = _get(proxy, path, headers=headers)
        assert got == status and json.loads(body)["error"]["status"] == status
        assert set(response_headers) >= HEADERS


def test_plain_http_redirects_only_to_the_fixed_host(proxy) -> None:
    status, headers, _ = _get(proxy, "/api/search?q=x", tls=False,
                              headers={"Host": "evil.example"})
    assert status == 301 and headers["location"].startswith("https://related.example.com/")


def test_the_access_log_holds_no_query_text(proxy) -> None:
    query = "Mary Smith 12 Oak Street sciatica"
    status, _, _ = _get(proxy, "/api/search?q=" + quote(query), source="127.0.0.7")
    assert status in (200, 429)
    _get(proxy, "/api/related?url=" + quote("https://clinic.example/secret-page"))
    log = (proxy["tmp"] / "access.log").read_text()
    assert "/api/search" in log and "/api/related" in log  # the request was logged
    for secret in ("Mary", "Smith", "Oak", "sciatica", "q=", "secret-page", "127.0.0.7"):
        assert secret not in log


@pytest.fixture(scope="module")
def ssi(tmp_path_factory) -> Iterator[int]:
    """nginx serving static blog pages with SSI on, the fragment proxied to the service."""
    from relatedposts.indexing.embedders import FakeEmbedder
    from relatedposts.web.app import create_app
    from tests.support import serve_wsgi

    tmp = tmp_path_factory.mktemp("ssi")
    settings = built_tiny(tmp)
    (tmp / "www" / "blog").mkdir(parents=True)
    # The README's include line, for pages of https://clinic.example.
    (tmp / "www" / "blog" / "sciatica").write_text(
        "<!doctype html><html><body><h1>Sciatica</h1>"
        '<!--# include virtual="/fragment/related?url=https://clinic.example$uri" -->'
        "</body></html>")
    (tmp / "www" / "blog" / "unknown").write_text(
        '<p>before</p><!--# include virtual="/fragment/related?url=https://clinic.example$uri"'
        " --><p>after</p>")
    with serve_wsgi(create_app(settings, embedder=FakeEmbedder())) as base:
        port = free_port()
        temp = " ".join(f"{kind}_temp_path {tmp / kind};" for kind in
                        ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;" if os.geteuid() == 0 else ""
        conf = tmp / "nginx.conf"
        conf.write_text(
            f"{user} worker_processes 1; daemon off; pid {tmp / 'nginx.pid'}; "
            f"error_log {tmp / 'error.log'} warn; events {{ worker_connections 64; }} "
            f"http {{ access_log off; {temp} server {{ listen 127.0.0.1:{port}; "
            f"location /blog/ {{ ssi on; default_type text/html; root {tmp / 'www'}; }} "
            f"location /fragment/ {{ internal; proxy_pass {base}; }} }} }}")
        with _nginx(conf, tmp, port):
            yield port


def _plain(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp.status, body


def test_an_ssi_page_served_by_nginx_holds_the_related_links(ssi) -> None:
    status, body = _plain(ssi, "/blog/sciatica")
    assert status == 200 and '<section class="rp-block">' in body
    assert body.count('<a class="rp-link" href="https://clinic.example/blog/') == 5
    assert "<!--#" not in body and 'href="https://clinic.example/blog/sciatica/"' not in body
    assert _plain(ssi, "/fragment/related?url=https://clinic.example/blog/sciatica/")[0] == 404


def test_an_unknown_page_includes_nothing_not_an_error(ssi) -> None:
    status, body = _plain(ssi, "/blog/unknown")
    assert status == 200 and body == "<p>before</p><p>after</p>"
