"""Builds: incremental (only changed chunks embedded), new versions pruned, and builds
killed midway or leaving leftovers harm neither the live index nor the next build.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.chunk import chunk_article
from relatedposts.indexing.embcache import CACHE_FILE, PROBE, cache_dir
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.verify import SAMPLE
from relatedposts.indexing.versions import VersionStore, current_version
from relatedposts.models import Section
from tests.localsite import leftovers, live
from tests.support import ROOT, TINY, CountingEmbedder, word_corpus


def cache_file(settings) -> Path:
    return cache_dir(settings.index_dir, FakeEmbedder().name) / CACHE_FILE


def test_incremental_build_embeds_only_the_changed_chunks(settings) -> None:
    articles, emb = word_corpus(40), CountingEmbedder()
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


def test_each_build_is_a_new_version_and_old_ones_are_pruned(settings) -> None:
    first = build_index(TINY, FakeEmbedder(), settings).version_dir
    for _ in range(settings.keep_versions + 1):
        last = build_index(TINY, FakeEmbedder(), settings).version_dir
    assert current_version(settings.index_dir) == last
    assert not first.exists()
    assert len(VersionStore(settings.index_dir).finished()) == settings.keep_versions
