"""The static export: per-article HTML and JSON, byte-identical reruns, only changes rewritten."""

from __future__ import annotations

import json

from relatedposts.blockhtml import render_block
from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.export import LEDGER, article_dir, export_static
from relatedposts.indexing.lookup import related_posts
from relatedposts.indexing.versions import VersionStore
from relatedposts.models import Article, Section
from tests.support import TINY, XSS_TITLE


def load(settings) -> idx.IndexData:
    return idx.load(VersionStore(settings.index_dir).current())


def snapshot(root) -> dict[str, tuple[bytes, int, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
            for p in root.rglob("*") if p.is_file()}


def test_each_article_gets_its_block_and_json_by_its_path(built, tmp_path) -> None:
    data = load(built)
    report = export_static(data, tmp_path / "out", 5)
    html = (tmp_path / "out/blog/sciatica/related.html").read_text()
    pos = [a.url for a in data.articles].index(TINY[0].url)
    assert html == render_block(list(related_posts(data, pos, 5)))
    body = json.loads((tmp_path / "out/blog/sciatica/related.json").read_text())
    assert body["article"]["url"] == TINY[0].url and len(body["results"]) == 5
    assert len(report.written) == 2 * len(TINY) and report.removed == []


def test_a_second_run_is_byte_identical_and_rewrites_nothing(built, tmp_path) -> None:
    out = tmp_path / "out"
    export_static(load(built), out, 5)
    before = snapshot(out)
    report = export_static(load(built), out, 5)
    assert report.written == [] and snapshot(out) == before  # bytes, mtimes and inodes


def test_after_an_edit_only_changed_files_are_rewritten_and_removed_ones_go(built,
                                                                            tmp_path) -> None:
    out = tmp_path / "out"
    export_static(load(built), out, 5)
    (out / "mine.html").write_text("not ours")  # never deleted: the ledger does not list it
    before = snapshot(out)
    edited = [a if a.url != TINY[1].url else Article(
        url=a.url, title="Neck pain at the desk, revised", sections=a.sections, date=a.date,
        summary=a.summary, image=a.image, tags=a.tags) for a in TINY[:-1]]
    build_index(edited, FakeEmbedder(), built, force=True)
    report = export_static(load(built), out, 5)
    after = snapshot(out)
    gone = str(article_dir(TINY[-1].url))
    assert report.removed == [f"{gone}/related.html", f"{gone}/related.json"]
    assert not (out / gone).exists() and (out / "mine.html").exists()
    assert set(report.written) == {n for n in after if n in before and after[n][0] !=
                                   before[n][0] and n != LEDGER}
    # On this tiny corpus a removal moves every title weight, so every list may change.
    assert 0 < len(report.written) <= len(after) - 2
    kept = [n for n in after if n in before and after[n][0] == before[n][0]]
    assert all(after[n][1:] == before[n][1:] for n in kept)
    again = export_static(load(built), out, 5)  # nothing changed: nothing rewritten
    assert again.written == [] and again.removed == [] and snapshot(out) == after


def test_hostile_titles_and_paths_stay_inside_and_escaped(settings, tmp_path) -> None:
    evil = Article(url="https://clinic.example/blog/%2e%2e/%2e%2e/etc/<x>/", title=XSS_TITLE,
                   sections=(Section("", "Sciatica leg pain nerve. " * 20),), date="2025-01-01")
    build_index([*TINY, evil], FakeEmbedder(), settings)
    out = tmp_path / "out"
    export_static(load(settings), out, 20)
    files = [p.resolve() for p in out.rglob("*") if p.is_file()]
    assert all(str(p).startswith(str(out.resolve())) for p in files)
    assert (out / "blog/etc/_x_/related.html").is_file()
    html = (out / "blog/sciatica/related.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
