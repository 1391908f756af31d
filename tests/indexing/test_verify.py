"""The verification gate: bad related arrays, a wrong model, corrupt versions and large drops
are refused before a version goes live.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from relatedposts.indexing import build as build_mod
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.verify import GateRefused, verify
from relatedposts.indexing.versions import VersionStore, current_version
from tests.localsite import leftovers, live
from tests.support import TINY, spoil_related

BAD = ["id_too_big", "id_negative", "self", "nan", "inf", "shape", "float_ids"]


@pytest.mark.parametrize("how", BAD)
def test_gate_refuses_bad_related_arrays(built, tmp_path, how: str) -> None:
    good = current_version(built.index_dir)
    assert verify(good, built, None, FakeEmbedder()) == []
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    spoil_related(bad, how)
    problems = verify(bad, built, None, FakeEmbedder())
    assert problems and any("related" in p or "inconsistent" in p for p in problems), problems


def test_large_article_drop_is_refused_unless_forced(settings) -> None:
    before = build_index(TINY, FakeEmbedder(), settings).version_dir
    with pytest.raises(GateRefused, match="dropped from 7 to 5"):
        build_index(TINY[:5], FakeEmbedder(), settings)
    assert live(settings) == before and VersionStore(settings.index_dir).finished() == [before]
    assert not leftovers(settings)
    assert build_index(TINY[:6], FakeEmbedder(), settings).manifest.articles == 6  # 14%: fine
    forced = build_index(TINY[:3], FakeEmbedder(), settings, force=True)
    assert live(settings) == forced.version_dir


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
