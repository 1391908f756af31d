"""`evaluate` on the command line, on an imported dataset."""

from __future__ import annotations

import json

import pytest

from relatedposts.quality.evaluate import import_jsonl


def test_evaluate_cli_on_an_imported_dataset(runner, tmp_path) -> None:
    articles = tmp_path / "articles.jsonl"
    rows = [{"id": "a1", "title": "Sciatica", "sections": ["Sciatica is leg pain. " * 20]},
            {"id": "a2", "title": "Neck pain", "sections": ["Neck pain at the desk. " * 20]}]
    articles.write_text("\n".join(json.dumps(r) for r in rows))
    (tmp_path / "q.jsonl").write_text('{"id": "q1", "text": "leg pain"}\n'
                                      '{"id": "q2", "text": "desk neck"}\n')
    (tmp_path / "qrels.tsv").write_text("q1\ta1\t3\nq2\ta2\t2\nq2\ta1\t0\n")
    assert [a.url.rsplit("/", 1)[-1] for a in import_jsonl(articles)] == ["a1", "a2"]
    corpus = tmp_path / "corpus"
    for args in (["import-dataset", str(articles), "--corpus", str(corpus)],
                 ["build", "--corpus", str(corpus)]):
        assert runner(*args).exit_code == 0
    result = runner("evaluate", "--queries", str(tmp_path / "q.jsonl"), "--qrels",
                    str(tmp_path / "qrels.tsv"), "--json")
    row = json.loads(result.output)
    assert row["queries"] == 2 and row["ndcg@10"] == pytest.approx(1.0)


def test_report_speaks_in_words(runner, settings) -> None:
    from relatedposts.indexing.build import build_index
    from relatedposts.indexing.embedders import FakeEmbedder
    from tests.support import TINY, URL

    build_index(TINY, FakeEmbedder(), settings)
    first = runner("report")
    assert first.exit_code == 0, first.output
    assert "overrides applied: none" in first.output
    assert "lists changed: no earlier version to compare with" in first.output
    settings.overrides_file.write_text(json.dumps(
        {"pin": {URL.format("neck"): [URL.format("fusion")]}, "exclude": [URL.format("sleep")]}))
    build_index(TINY, FakeEmbedder(), settings, force=True)
    second = runner("report")
    assert "overrides applied: 1 pin, 0 blocks, 1 exclusion" in second.output
    assert "lists changed since version " in second.output
    for raw in ("{", "}", "None", "'pinned'"):
        assert raw not in first.output + second.output, raw
