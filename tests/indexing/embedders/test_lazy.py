"""Fast by default (issue 14): ONNX serving without torch, and no model for lookups."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from relatedposts.cli import main
from relatedposts.config import Settings
from relatedposts.errors import IndexFormatError
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder, make_embedder
from relatedposts.live.service import Service
from relatedposts.web.app import create_app, get_service
from tests.support import ROOT, TINY

NO_MODEL = {"RELATEDPOSTS_MODEL": "/nonexistent/model-dir", "RELATEDPOSTS_EMBEDDER": "onnx"}


def test_the_defaults_are_onnx_and_a_bounded_cache() -> None:
    settings = Settings.from_env({})
    assert settings.embedder == "onnx"
    assert settings.query_cache_bytes > 0
    assert settings.onnx_cache_dir() == settings.index_dir / "onnx"
    assert Settings(onnx_dir=ROOT / "x").onnx_cache_dir() == ROOT / "x"


def test_related_and_report_work_without_a_model(built) -> None:
    env = {"RELATEDPOSTS_INDEX_DIR": str(built.index_dir), **NO_MODEL}
    related = CliRunner().invoke(main, ["related", TINY[0].url, "--json"], env=env)
    assert related.exit_code == 0, related.output
    assert len(json.loads(related.output)["results"]) == 5
    report = CliRunner().invoke(main, ["report", "--json"], env=env)
    assert report.exit_code == 0, report.output
    assert json.loads(report.output)["version"]
    search = CliRunner().invoke(main, ["search", "back pain"], env=env)  # needs the model
    assert search.exit_code == 1 and "RELATEDPOSTS_MODEL" in search.output


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


class CountingFactory:
    """Stands in for make_embedder: counts how often the model would be loaded."""

    def __init__(self, embedder) -> None:
        self.embedder, self.loads = embedder, 0

    def __call__(self, settings, build: bool = False):
        self.loads += 1
        return self.embedder


def test_the_model_loads_on_the_first_search_only(built, monkeypatch) -> None:
    factory = CountingFactory(FakeEmbedder())
    monkeypatch.setattr("relatedposts.live.service.make_embedder", factory)
    service = Service(built)
    service.reload()
    service.related(TINY[0].url)
    service.find_article(TINY[2].url)
    assert factory.loads == 0 and not service.model_loaded
    service.search("sciatica")
    service.search("neck pain")
    assert factory.loads == 1 and service.model_loaded


def test_a_model_that_does_not_match_the_index_is_refused_at_first_search(built,
                                                                          monkeypatch) -> None:
    factory = CountingFactory(FakeEmbedder(name="another-model"))
    monkeypatch.setattr("relatedposts.live.service.make_embedder", factory)
    service = Service(built)
    service.reload()
    assert service.related(TINY[0].url)[1]  # lookups do not care which model is configured
    with pytest.raises(IndexFormatError, match="built with model 'fake-hash-64'"):
        service.search("sciatica")
    wrong_dim = CountingFactory(FakeEmbedder(dim=32))
    monkeypatch.setattr("relatedposts.live.service.make_embedder", wrong_dim)
    with pytest.raises(IndexFormatError, match="dimension 64"):
        _search(built)


def _search(settings: Settings) -> None:
    service = Service(settings)
    service.reload()
    service.search("sciatica")


SERVE_AND_SEARCH = """
import json, sys
from relatedposts.config import Settings
from relatedposts.web.app import create_app, get_service
app = create_app(Settings.from_env())
client = app.test_client()
related = client.get(sys.argv[1])
after_related = get_service(app).model_loaded
search = client.get("/api/search?q=shooting+pain+down+my+leg")
print(json.dumps({"related": related.status_code, "search": search.status_code,
                  "model_after_related": after_related,
                  "top": search.get_json()["results"][0]["url"],
                  "torch": "torch" in sys.modules,
                  "sentence_transformers": "sentence_transformers" in sys.modules}))
"""


@pytest.mark.model
def test_a_default_serving_process_never_imports_torch(tmp_path) -> None:
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "indexes",
                        related_min_score=0.0)
    build_index(TINY, make_embedder(settings, build=True), settings)  # exports the model
    exported = sorted(p.name for p in settings.onnx_cache_dir().rglob("*.onnx"))
    assert "model-int8.onnx" in exported  # the build made the query model as well
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1",
           "RELATEDPOSTS_INDEX_DIR": str(settings.index_dir), "RELATEDPOSTS_RATE_LIMIT": ""}
    env = {k: v for k, v in env.items() if k not in ("RELATEDPOSTS_EMBEDDER",
                                                     "RELATEDPOSTS_MODEL")}
    proc = subprocess.run([sys.executable, "-c", SERVE_AND_SEARCH,
                           f"/api/related?url={TINY[0].url}"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["related"] == 200 and out["search"] == 200
    assert out["model_after_related"] is False
    assert out["top"] == TINY[0].url
    assert out["torch"] is False and out["sentence_transformers"] is False
    # The worker found every model file ready: it exported nothing.
    assert sorted(p.name for p in settings.onnx_cache_dir().rglob("*.onnx")) == exported
