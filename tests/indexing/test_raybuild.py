"""`build --ray`: the embedding stage on a real local Ray cluster (head + worker on 127.0.0.1)."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from relatedposts.config import Settings
from relatedposts.errors import ConfigError
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder, make_embedder
from relatedposts.indexing.versions import current_version
from relatedposts.ingest.crawl import scrape
from relatedposts.ingest.store import write_record
from relatedposts.live.service import Service
from tests.raykit import RayCluster
from tests.support import ROOT, TINY, make_article

pytestmark = pytest.mark.ray

# Questions as patients type them (written for this test, not taken from any dataset).
PATIENT_QUESTIONS = [
    "sharp pain down the back of my leg when I sit", "my lower back locks up in the morning",
    "is it safe to exercise with a herniated disc", "neck hurts after working at a laptop",
    "numb tingling fingers at night", "should I use ice or heat for a pulled back muscle",
    "what does a chiropractor do on the first visit", "best way to sleep with back pain",
    "pain between my shoulder blades", "can bad posture cause headaches",
    "how long does sciatica last", "stiff back after sitting all day at work",
    "back pain while pregnant", "when is back pain an emergency",
    "stretches for tight hamstrings and back", "do I need an MRI for back pain",
    "lifting boxes hurt my back", "hip pain that goes into the groin",
    "arthritis in the spine getting worse", "muscle spasm in my back won't stop",
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[RayCluster]:
    c = RayCluster(workers=1, num_cpus=1)
    yield c
    c.stop()


def _cli_build(cluster: RayCluster, corpus: Path, index: Path, *extra: str) -> str:
    env = {**cluster.env, "RELATEDPOSTS_CORPUS_DIR": str(corpus),
           "RELATEDPOSTS_INDEX_DIR": str(index), "RELATEDPOSTS_LOG_FILE": "",
           # not the repository's sample pins: this corpus is another site's
           "RELATEDPOSTS_OVERRIDES_FILE": str(corpus.parent / "overrides.json")}
    out = subprocess.run([sys.executable, "-m", "relatedposts", *extra, "build", "--quiet",
                          "--ray", cluster.address], env=env, capture_output=True, text=True,
                         timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    return out.stdout


def _vectors(data: idx.IndexData) -> np.ndarray:
    return data.faiss_index.reconstruct_n(0, data.faiss_index.ntotal)


@pytest.mark.model
def test_ray_build_gives_the_same_index_as_a_local_build(cluster, tmp_path) -> None:
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "local",
                        log_file=None)
    articles = scrape([str(ROOT / "corpus/site")], settings).articles
    embedder = make_embedder(settings)
    build_index(articles, embedder, settings)
    output = _cli_build(cluster, settings.corpus_dir, tmp_path / "ray")
    local = idx.load(current_version(settings.index_dir))
    remote = idx.load(current_version(tmp_path / "ray"))
    assert (remote.manifest.articles, remote.manifest.chunks, remote.manifest.model) == (
        local.manifest.articles, local.manifest.chunks, local.manifest.model)
    assert [c.text for c in remote.chunks] == [c.text for c in local.chunks]
    cosines = np.sum(_vectors(local) * _vectors(remote), axis=1)
    assert cosines.min() > 0.9999, cosines.min()
    assert f"{local.manifest.chunks} chunks embedded, 0 reused" in output
    services = [Service(settings.replace(index_dir=d), embedder) for d in
                (settings.index_dir, tmp_path / "ray")]
    for service in services:
        service.reload()
    for question in PATIENT_QUESTIONS:
        tops = [[h.url for h in s.search(question, 5).results] for s in services]
        assert tops[0] == tops[1], question


def _many_articles(n: int) -> list:
    return [make_article(f"post-{i}", f"Post {i} about {t.title}", f"Note {i}. " +
                         t.sections[0].text[:200]) for i, t in
            zip(range(n), TINY * (n // len(TINY) + 1), strict=False)]


def test_only_changed_chunks_travel_to_the_cluster(cluster, tmp_path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    articles = _many_articles(60)
    for a in articles:
        write_record(corpus, a, a.url)
    first = _cli_build(cluster, corpus, index, "--fake-embedder")
    chunks = idx.read_manifest(current_version(index)).chunks
    assert f"{chunks} chunks embedded, 0 reused" in first
    changed = dataclasses.replace(articles[3], title="A changed title")
    write_record(corpus, changed, changed.url)
    second = _cli_build(cluster, corpus, index, "--fake-embedder")
    embedded, reused = map(int, re.search(r"(\d+) chunks embedded, (\d+) reused",
                                          second).groups())
    data = idx.load(current_version(index))
    mine = [c for c in data.chunks if data.articles[c.article].url == changed.url]
    assert embedded == len(mine) and reused == chunks - len(mine)
    # And the vectors are those the embedder gives locally.
    texts = [c.embed_text(data.articles[c.article].title) for c in data.chunks]
    assert np.allclose(_vectors(data), FakeEmbedder().encode(texts), atol=1e-6)


def test_a_bad_ray_address_is_a_clear_error(tmp_path) -> None:
    from relatedposts.indexing.raybuild import ray_embedder

    with pytest.raises(ConfigError, match="needs 'local' or a cluster address"):
        ray_embedder(Settings(embedder="fake"), "  ")
    corpus = tmp_path / "c"
    corpus.mkdir()
    for a in _many_articles(40):
        write_record(corpus, a, a.url)
    env = {**os.environ, "RELATEDPOSTS_CORPUS_DIR": str(corpus), "RAY_AUTH_MODE": "disabled",
           "RELATEDPOSTS_INDEX_DIR": str(tmp_path / "i"), "RELATEDPOSTS_LOG_FILE": "",
           "RELATEDPOSTS_OVERRIDES_FILE": str(tmp_path / "overrides.json")}
    out = subprocess.run([sys.executable, "-m", "relatedposts", "--fake-embedder", "build",
                          "--quiet", "--ray", "127.0.0.1:1"], env=env, capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 1 and "cannot reach the Ray cluster" in out.stderr
    assert not (tmp_path / "i" / "CURRENT").exists()  # nothing half-built went live
