"""Without torch (a serving-only install) the ONNX export fails in one line naming the extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from relatedposts.config import Settings
from relatedposts.errors import ModelError
from relatedposts.indexing.embedders.exportdeps import missing_export_libraries
from relatedposts.indexing.embedders.onnx import ensure_onnx
from relatedposts.ingest.store import write_record
from tests.support import TINY, Cli


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `import torch` fail as it does where torch is not installed."""
    monkeypatch.setitem(sys.modules, "torch", None)


def test_with_torch_installed_nothing_is_missing() -> None:
    assert missing_export_libraries() == []


def test_a_missing_torch_is_named(no_torch) -> None:
    assert missing_export_libraries() == ["torch"]


def test_the_export_refuses_in_one_line_naming_the_extra(no_torch, tmp_path) -> None:
    model_dir = Settings().model_path()
    with pytest.raises(ModelError) as caught:
        ensure_onnx(Path(model_dir), tmp_path, quantize=True)
    message = caught.value.message
    assert "\n" not in message and "needs torch" in message
    assert "pip install 'relatedposts[export]'" in message
    assert "--index-url https://download.pytorch.org/whl/cpu" in message
    assert not list(tmp_path.rglob("*.onnx"))  # no child was started to fail later


def test_build_with_the_onnx_embedder_stops_with_that_line(no_torch, settings) -> None:
    settings.corpus_dir.mkdir(parents=True)
    for article in TINY:
        write_record(settings.corpus_dir, article, article.url)
    result = Cli(settings)("build", RELATEDPOSTS_EMBEDDER="onnx",
                           RELATEDPOSTS_ONNX_DIR=str(settings.index_dir / "onnx-empty"))
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("error: exporting the model to ONNX (once) needs torch")
    assert not (settings.index_dir / "CURRENT").exists()
