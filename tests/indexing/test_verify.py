"""The verification gate and the service refuse bad related arrays; no NaN ever goes out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.verify import related_problems, verify
from relatedposts.indexing.versions import VersionStore, current_version
from relatedposts.web.app import create_app, get_service
from tests.support import TINY

SCIATICA = TINY[0].url
AUTH = {"Authorization": "Bearer t"}


def _spoil(version: Path, how: str) -> None:
    """Rewrite one related array of a version directory the way a buggy build might."""
    ids = np.load(version / "related_ids.npy")
    scores = np.load(version / "related_scores.npy")
    if how == "id_too_big":
        ids[2, 0] = len(TINY) + 5
    elif how == "id_negative":
        ids[1, 0] = -7
    elif how == "self":
        ids[3, 0] = 3
    elif how == "nan":
        scores[0, 0] = np.nan
    elif how == "inf":
        scores[4, 1] = np.inf
    elif how == "shape":
        ids, scores = ids[:-1], scores[:-1]
    elif how == "float_ids":
        ids = ids.astype(np.float32)
    np.save(version / "related_ids.npy", ids, allow_pickle=False)
    np.save(version / "related_scores.npy", scores, allow_pickle=False)


BAD = ["id_too_big", "id_negative", "self", "nan", "inf", "shape", "float_ids"]


@pytest.mark.parametrize("how", BAD)
def test_gate_refuses_bad_related_arrays(built, tmp_path, how: str) -> None:
    good = current_version(built.index_dir)
    assert verify(good, built, None, FakeEmbedder()) == []
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    _spoil(bad, how)
    problems = verify(bad, built, None, FakeEmbedder())
    assert problems and any("related" in p or "inconsistent" in p for p in problems), problems


@pytest.mark.parametrize("how", ["id_too_big", "nan", "self"])
def test_service_never_loads_a_version_with_bad_related_arrays(built, how: str) -> None:
    client = create_app(built.replace(admin_token="t"), embedder=FakeEmbedder()).test_client()
    old = client.get("/healthz").get_json()["version"]
    bad = built.index_dir / "versions" / "29990101T000000.000000Z"
    shutil.copytree(current_version(built.index_dir), bad)
    _spoil(bad, how)
    VersionStore(built.index_dir).set_current(bad)
    assert client.post("/admin/reload", headers=AUTH).status_code == 503
    health = client.get("/healthz").get_json()
    assert health["version"] == old and health["reload_failed"] is True
    for article in TINY:
        resp = client.get(f"/api/related?url={article.url}")
        assert resp.status_code == 200
        json.loads(resp.get_data(as_text=True), parse_constant=_no_constants)


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} in a response")


def test_a_nan_that_slips_into_memory_is_never_sent(built) -> None:
    app = create_app(built, embedder=FakeEmbedder())
    client = app.test_client()
    service = get_service(app)
    pos, _ = service.find_article(SCIATICA)
    service.live.data.related.scores[pos, 1] = np.nan  # as if corrupted after loading
    body = client.get(f"/api/related?url={SCIATICA}").get_data(as_text=True)
    data = json.loads(body, parse_constant=_no_constants)
    assert len(data["results"]) == 1  # the list stops before the bad entry
    assert related_problems(service.live.data)


def test_json_responses_refuse_nan_and_infinity(built, monkeypatch) -> None:
    app = create_app(built, embedder=FakeEmbedder())
    monkeypatch.setattr(get_service(app), "related",
                        lambda url, limit=None: (TINY[0], [float("inf")]))  # type: ignore
    resp = app.test_client().get(f"/api/related?url={SCIATICA}")
    assert resp.status_code == 500
    assert resp.get_json() == {"error": {"status": 500, "message": "internal error"}}
