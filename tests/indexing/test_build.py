"""Incremental builds, the embedding cache, the verification gate, rollback, crashes, the lock."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from relatedposts.indexing import build as build_mod
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.buildlock import BuildBusy, build_lock
from relatedposts.indexing.chunk import chunk_article
from relatedposts.indexing.embcache import CACHE_FILE, PROBE, cache_dir
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.verify import SAMPLE, GateRefused
from relatedposts.indexing.versions import VersionStore
from relatedposts.ingest.store import write_record
from relatedposts.models import Section
from tests.localsite import leftovers, live, run_cli
from tests.support import ROOT, TINY, CountingEmbedder, make_article

WORDS = ["spine", "disc", "nerve", "muscle", "posture", "sleep", "walking", "lifting",
         "stretch", "core", "hip", "knee", "neck", "shoulder", "ache", "brace", "heat", "ice",
         "massage", "therapy"]


def corpus(n: int) -> list:
    """Return n distinct small articles (two chunks each)."""
    return [make_article(f"a{i}", f"Article {i} on {WORDS[i % len(WORDS)]}",
                         " ".join(WORDS[(i * j + j) % len(WORDS)] for j in range(1, 25))
                         + f" note {i}.") for i in range(n)]


def cache_file(settings) -> Path:
    return cache_dir(settings.index_dir, FakeEmbedder().name) / CACHE_FILE


def test_incremental_build_embeds_only_the_changed_chunks(settings) -> None:
    articles, emb = corpus(40), CountingEmbedder()
    full = build_index(articles, emb, settings)
    assert (full.embedded, full.reused) == (full.manifest.chunks, 0)
    emb.texts.clear()
    same = build_index(articles, emb, settings)
    overhead = len(emb.texts)  # the cache probe and the gate's sampled re-embeds, no more
    assert (same.embedded, same.reused) == (0, full.manifest.chunks)
    assert overhead <= PROBE + SAMPLE
    old = articles[7]
    articles[7] = dataclasses.replace(old, sections=(Section("", "Brand new advice on "
                                                             "sciatica flare ups. " * 4),
                                                     old.sections[1]))
    new_texts = {c.embed_text(old.title) for c in chunk_article(articles[7], 7)} - {
        c.embed_text(old.title) for c in chunk_article(old, 7)}
    emb.texts.clear()
    inc = build_index(articles, emb, settings)
    assert inc.embedded == len(new_texts) == 1
    assert inc.reused == full.manifest.chunks - 1
    assert len(emb.texts) == overhead + 1 and new_texts <= set(emb.texts)
    fresh = build_index(articles, FakeEmbedder(), settings, index_dir=settings.index_dir / "x")
    ours, theirs = (idx.load(r.version_dir).faiss_index for r in (inc, fresh))
    assert np.array_equal(ours.reconstruct_n(0, ours.ntotal),
                          theirs.reconstruct_n(0, theirs.ntotal))


def test_cache_is_bounded(settings) -> None:
    build_index(corpus(10), FakeEmbedder(), settings.replace(embed_cache_entries=5))
    with np.load(cache_file(settings), allow_pickle=False) as npz:
        assert npz["keys"].shape == (5,) and npz["vectors"].shape == (5, 64)


def _damage(path: Path, how: str) -> None:
    if how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "garbage":
        path.write_bytes(b"not a cache at all")
    else:
        with np.load(path, allow_pickle=False) as npz:
            keys, vectors = npz["keys"], npz["vectors"]
        if how == "wrong-dimension":
            vectors = vectors[:, :32]
        else:  # "stale": same keys, vectors some other model made
            vectors = np.random.default_rng(0).normal(size=vectors.shape).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        with open(path, "wb") as f:
            np.savez(f, keys=keys, vectors=vectors)


@pytest.mark.parametrize("how", ["truncated", "garbage", "wrong-dimension", "stale"])
def test_damaged_cache_is_discarded_never_fatal(settings, how: str) -> None:
    build_index(TINY, FakeEmbedder(), settings)
    _damage(cache_file(settings), how)
    result = build_index(TINY, FakeEmbedder(), settings)
    assert (result.embedded, result.reused) == (result.manifest.chunks, 0)
    assert live(settings) == result.version_dir
    assert build_index(TINY, FakeEmbedder(), settings).reused == result.manifest.chunks


def test_large_article_drop_is_refused_unless_forced(settings) -> None:
    before = build_index(TINY, FakeEmbedder(), settings).version_dir
    with pytest.raises(GateRefused, match="dropped from 7 to 5"):
        build_index(TINY[:5], FakeEmbedder(), settings)
    assert live(settings) == before and VersionStore(settings.index_dir).finished() == [before]
    assert not leftovers(settings)
    assert build_index(TINY[:6], FakeEmbedder(), settings).manifest.articles == 6  # 14%: fine
    forced = build_index(TINY[:3], FakeEmbedder(), settings, force=True)
    assert live(settings) == forced.version_dir


def test_cli_build_exits_3_when_the_gate_refuses(settings) -> None:
    settings.corpus_dir.mkdir(parents=True)
    for a in TINY:
        write_record(settings.corpus_dir, a, a.url)
    assert run_cli(settings, "build").exit_code == 0
    before = live(settings)
    for path in sorted(settings.corpus_dir.glob("*.json"))[:3]:
        path.unlink()
    result = run_cli(settings, "build", "--quiet")
    assert result.exit_code == 3 and "failed verification" in result.output
    assert "dropped from 7 to 4" in result.output and live(settings) == before
    assert run_cli(settings, "build", "--force").exit_code == 0 and live(settings) != before


def test_model_mismatch_is_refused(settings) -> None:
    before = build_index(TINY, FakeEmbedder(), settings).version_dir
    with pytest.raises(GateRefused, match="configured model is 'fake-hash-64'"):
        build_index(TINY, FakeEmbedder(name="other-model"), settings)
    assert live(settings) == before and not leftovers(settings)


@pytest.mark.parametrize("corruption", ["truncated", "misaligned"])
def test_corrupt_version_is_refused(settings, monkeypatch, corruption: str) -> None:
    before = build_index(TINY, FakeEmbedder(), settings).version_dir
    if corruption == "truncated":
        real_save = idx.save

        def save(data, version_dir: Path) -> None:
            real_save(data, version_dir)
            faiss_file = version_dir / "chunks.faiss"
            faiss_file.write_bytes(faiss_file.read_bytes()[:200])

        monkeypatch.setattr(idx, "save", save)
        expected = "corrupt or truncated"
    else:  # vectors stored in the wrong order: chunk i no longer holds chunk i's vector
        real_make = build_mod.make_chunk_index
        monkeypatch.setattr(build_mod, "make_chunk_index",
                            lambda vectors, s: real_make(vectors[::-1].copy(), s))
        expected = "disagree with the chunk index"
    with pytest.raises(GateRefused, match=expected):
        build_index(TINY, FakeEmbedder(), settings)
    assert live(settings) == before and VersionStore(settings.index_dir).finished() == [before]
    assert not leftovers(settings)


def test_rollback_goes_back_through_what_was_live_then_refuses(settings) -> None:
    v1 = build_index(TINY, FakeEmbedder(), settings).version_dir
    v2 = build_index(TINY[:6], FakeEmbedder(), settings).version_dir
    result = run_cli(settings, "rollback")
    assert result.exit_code == 0 and f"{v1.name} is live again" in result.output
    assert live(settings) == v1
    v3 = build_index(TINY[1:], FakeEmbedder(), settings).version_dir
    assert live(settings) == v3 and v2.is_dir()
    assert run_cli(settings, "rollback").exit_code == 0 and live(settings) == v1  # not v2
    result = run_cli(settings, "rollback")
    assert result.exit_code == 1 and "no previous version to roll back to" in result.output
    assert live(settings) == v1
    log = (settings.index_dir / "rebuild.log").read_text()
    assert "no previous version" in log and log[:2] == "20"  # timestamped lines


def test_rollback_skips_a_damaged_version(settings) -> None:
    v1 = build_index(TINY, FakeEmbedder(), settings).version_dir
    build_index(TINY, FakeEmbedder(), settings)
    (v1 / "chunks.faiss").write_bytes(b"broken")
    result = run_cli(settings, "rollback")
    assert result.exit_code == 1 and "corrupt or truncated" in result.output


CHILD = """
import dataclasses, sys, time
from pathlib import Path
import numpy as np
from relatedposts.indexing import build, index as idx
from relatedposts.config import Settings
from relatedposts.indexing.embedders import FakeEmbedder
from tests.support import TINY

root, stage, marker = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])

def stall():
    marker.write_text(stage)
    time.sleep(120)

class Stalling(FakeEmbedder):
    def encode(self, texts):
        if stage == "embed" and len(texts) > 5:
            stall()
        return super().encode(texts)

real_write_json = idx._write_json
def write_json(path, payload):
    if stage == "write" and path.name == "related.json":
        stall()
    real_write_json(path, payload)
idx._write_json = write_json

def savez(f, **arrays):
    f.write(b"PK half a cache")
    f.flush()
    stall()
if stage == "cache":
    np.savez = savez

articles = [dataclasses.replace(a, title=a.title + " (updated)") for a in TINY]
build.build_index(articles, Stalling(), Settings(index_dir=root, embedder="fake"))
"""


@pytest.mark.parametrize("stage", ["embed", "cache", "write"])
def test_build_killed_midway_harms_neither_live_index_nor_next_build(settings, tmp_path,
                                                                     stage: str) -> None:
    before = build_index(TINY, FakeEmbedder(), settings).version_dir
    marker = tmp_path / "marker"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.index_dir), stage,
                              str(marker)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the child build never reached the stage"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert live(settings) == before and idx.load(before).manifest.articles == len(TINY)
    if stage == "write":
        assert leftovers(settings)
    result = build_index(TINY, FakeEmbedder(), settings)
    assert live(settings) == result.version_dir and not leftovers(settings)
    assert result.reused == result.manifest.chunks  # the cache survived


def test_leftovers_of_a_crash_do_not_break_the_next_build(settings) -> None:
    before = build_index(TINY, FakeEmbedder(), settings).version_dir
    half = settings.index_dir / "versions" / ".tmp-20200101T000000.000000Z"
    half.mkdir()
    (half / "articles.jsonl").write_text('{"url": "https://clinic.exam')
    path = cache_file(settings)
    path.write_bytes(path.read_bytes()[:100])
    (path.parent / f".{CACHE_FILE}.999.tmp").write_bytes(b"PK")
    (settings.index_dir / ".build.lock").write_text("424242\n")
    assert idx.load(live(settings)).manifest.articles == len(TINY) and live(settings) == before
    result = build_index(TINY, FakeEmbedder(), settings)
    assert live(settings) == result.version_dir and not half.exists()


def test_a_second_build_is_refused_while_one_runs(settings) -> None:
    settings.corpus_dir.mkdir(parents=True)
    for a in TINY:
        write_record(settings.corpus_dir, a, a.url)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with build_lock(settings.index_dir):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(5)
        result = run_cli(settings, "build")
        assert result.exit_code == 1 and "another build is running" in result.output
        with pytest.raises(BuildBusy):
            build_index(TINY, FakeEmbedder(), settings)
    finally:
        release.set()
        thread.join()
    assert run_cli(settings, "build").exit_code == 0
