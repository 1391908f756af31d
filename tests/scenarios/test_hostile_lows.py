"""Issue 24's low findings, each as its hostile repro (loopback only)."""

from __future__ import annotations

import pytest
from flask import Flask

from relatedposts.console.app import create_app
from relatedposts.indexing.embedders import FakeEmbedder

METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"]
PREFLIGHT = {"Origin": "https://blog.example", "Access-Control-Request-Method": "POST"}


@pytest.fixture
def console_off(built) -> Flask:
    """The full app (service + console) with admin off: no admin token."""
    return create_app(built, embedder=FakeEmbedder())


def _admin_paths(app: Flask) -> list[str]:
    rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/admin")}
    return sorted(rules | {"/admin/", "/admin/unknown", "/admin/static/x"})


@pytest.mark.parametrize("headers", [{}, PREFLIGHT], ids=["plain", "preflight"])
def test_admin_off_every_path_and_method_is_a_json_404(console_off, headers) -> None:
    client = console_off.test_client()
    paths = _admin_paths(console_off)
    assert "/admin/reload" in paths and "/admin/draft" in paths
    wrong = []
    for path in paths:
        for method in METHODS:
            resp = client.open(path, method=method, headers=headers)
            shaped = method == "HEAD" or (resp.is_json and "error" in resp.get_json())
            if resp.status_code != 404 or not shaped or "Allow" in resp.headers:
                wrong.append((path, method, resp.status_code))
    assert wrong == []


def test_admin_off_with_a_sites_file_is_404_too(multi) -> None:
    from dataclasses import replace
    app = create_app(replace(multi, admin_token=""), embedder=FakeEmbedder())
    client = app.test_client()
    for method in METHODS:
        resp = client.open("/admin/draft?site=nosuchsite", method=method)
        assert resp.status_code == 404, method


def test_sites_file_health_and_related_never_load_the_model(multi, tmp_path, monkeypatch) -> None:
    from relatedposts.live import service as service_mod
    from relatedposts.live import sites as sites_mod
    from relatedposts.web.app import create_app as service_app
    from tests.support import SUMMIT

    loads: list[str] = []

    def counting_factory(settings, build=False):
        loads.append(settings.site_name or "shared")
        return FakeEmbedder()

    monkeypatch.setattr(sites_mod, "make_embedder", counting_factory)
    monkeypatch.setattr(service_mod, "make_embedder", counting_factory)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    client = service_app(multi.replace(embedder="onnx")).test_client()
    for path in ("/healthz", "/healthz?site=summit", "/healthz?site=other",
                 f"/api/related?site=summit&url={SUMMIT}/blog/sciatica/",
                 f"/api/related?site=other&url={SUMMIT}/blog/nowhere/"):
        assert client.get(path).status_code in (200, 404), path
    assert loads == []
    assert list(cwd.rglob("*")) == []  # nothing exported (or written) under the cwd
    assert client.get("/api/search?site=summit&q=sciatica").status_code == 200
    assert client.get("/api/search?site=other&q=sciatica").status_code == 200
    assert loads == ["shared"]  # the first search loads the one shared model, once
