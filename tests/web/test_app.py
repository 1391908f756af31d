"""The app without a model: lookups are served, search says why it cannot answer."""

from __future__ import annotations

from relatedposts.web.app import create_app, get_service
from tests.support import TINY

NO_MODEL = {"RELATEDPOSTS_MODEL": "/nonexistent/model-dir", "RELATEDPOSTS_EMBEDDER": "onnx"}


def test_the_app_serves_lookups_without_a_model_and_says_why_search_fails(built) -> None:
    settings = built.replace(model=NO_MODEL["RELATEDPOSTS_MODEL"], embedder="onnx")
    app = create_app(settings)  # no embedder given: the service makes its own, lazily
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get(f"/api/related?url={TINY[1].url}").status_code == 200
    assert not get_service(app).model_loaded
    resp = client.get("/api/search?q=back+pain")
    assert resp.status_code == 503
    message = resp.get_json()["error"]["message"]
    assert "RELATEDPOSTS_MODEL" in message and "Traceback" not in message
