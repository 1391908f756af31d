"""The guarded connection over TLS, on loopback: certificate and host name still verified."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from relatedposts.errors import FetchError
from relatedposts.ingest.fetch import Fetcher
from tests.components import MISSING
from tests.localsite import article_page

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason=f"{MISSING}openssl (apt-get install openssl)")


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        body = article_page("Secure walking", "Walking helps the back. " * 10, "/a.html")
        status = 200 if self.path == "/a.html" else 404
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS listener on 127.0.0.1 with a fresh self-signed certificate for that IP."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def test_https_through_the_guarded_connection_verifies_the_certificate(settings,
                                                                       tls_site) -> None:
    base, cert = tls_site
    fetcher = Fetcher(settings, {base})
    with pytest.raises(FetchError, match=r"robots.txt unreachable \(connection failed"):
        fetcher.get(base + "/a.html")
    trusting = Fetcher(settings, {base})
    trusting.session.verify = str(cert)
    resp = trusting.get(base + "/a.html")
    assert resp.status == 200 and b"Secure walking" in resp.body
