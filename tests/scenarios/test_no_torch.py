"""Fast by default (issue 14): a default serving process never imports torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import make_embedder
from tests.support import ROOT, TINY

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
