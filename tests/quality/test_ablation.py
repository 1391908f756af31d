"""Ablation: `evaluate --ablation` switches each ranking signal off in turn."""

from __future__ import annotations

import json

from click.testing import CliRunner

from relatedposts.cli import main
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from tests.support import subject_articles


def test_evaluate_ablation_rows(settings, tmp_path) -> None:
    build_index(subject_articles(), FakeEmbedder(), settings)
    (tmp_path / "q.jsonl").write_text('{"id": "q1", "text": "is tizanidine making me drowsy"}\n'
                                      '{"id": "q2", "text": "knee cap hurts"}\n')
    (tmp_path / "qrels.tsv").write_text("q1\ttizanidine\t3\nq2\tkneecap\t3\n")
    env = {"RELATEDPOSTS_INDEX_DIR": str(settings.index_dir), "RELATEDPOSTS_EMBEDDER": "fake"}
    result = CliRunner().invoke(main, ["evaluate", "--queries", str(tmp_path / "q.jsonl"),
                                       "--qrels", str(tmp_path / "qrels.tsv"), "--ablation",
                                       "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = {r["configuration"]: r for r in json.loads(result.output)}
    assert set(rows) >= {"shipped", "without title signal", "without heading signal",
                         "without BM25", "without dense", "without compounds",
                         "without courtesy stripping"}
    assert rows["shipped"]["ndcg@10"] >= rows["without title signal"]["ndcg@10"]
