"""The onnxruntime embedder gives the torch model's vectors and serves the same indexes."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import onnxruntime  # noqa: E402,F401 - a required dependency: missing, the module errors
import pytest

from relatedposts.config import Settings
from relatedposts.indexing.embedders import make_embedder, model_name
from relatedposts.indexing.embedders.onnx import fingerprint

pytestmark = pytest.mark.model

TEXTS = [
    "pinched nerve shooting pain down my leg",
    "Sciatica is shooting leg pain from an irritated sciatic nerve root.",
    "",
    "neck pain at the desk " * 200,  # longer than the model's 256 word pieces: truncated
    "What causes Flu?",
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings(onnx_dir=tmp_path_factory.mktemp("onnx"))


@pytest.fixture(scope="module")
def reference(settings: Settings) -> np.ndarray:
    return make_embedder(settings.replace(embedder="sentence-transformers")).encode(TEXTS)


def test_fp32_vectors_match_sentence_transformers(settings, reference) -> None:
    onnx = make_embedder(settings.replace(embedder="onnx", batch_size=2, onnx_quantize=False))
    assert onnx.name == model_name(settings) and onnx.dim == 384
    vectors = onnx.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() > 0.999
    assert onnx.encode([]).shape == (0, 384)


def test_export_is_cached_and_reused(settings) -> None:
    first = make_embedder(settings.replace(embedder="onnx"))
    stamp = first.onnx_file.stat().st_mtime_ns
    again = make_embedder(settings.replace(embedder="onnx"))
    assert again.onnx_file == first.onnx_file
    assert again.onnx_file.stat().st_mtime_ns == stamp
    assert first.onnx_file.is_relative_to(settings.onnx_dir)


def test_int8_vectors_stay_close(settings, reference) -> None:
    int8 = make_embedder(settings.replace(embedder="onnx", onnx_quantize=True))
    assert int8.onnx_file.name == "model-int8.onnx"  # the plain graph, quantized
    fused = make_embedder(settings.replace(embedder="onnx", onnx_quantize=True,
                                           onnx_int8_graph="fused"))
    assert fused.onnx_file.name == "model-fused-int8.onnx"  # fused, then quantized
    assert fused.cache_name != int8.cache_name  # other vectors: never one cache for both
    assert (fused.encode(TEXTS) * reference).sum(axis=1).min() > 0.95
    fp32_bytes = (int8.onnx_file.parent / "model.onnx").stat().st_size
    assert int8.onnx_file.stat().st_size < fp32_bytes / 2
    assert (int8.encode(TEXTS) * reference).sum(axis=1).min() > 0.95


def test_serving_with_onnx_never_loads_torch(settings) -> None:
    make_embedder(settings.replace(embedder="onnx"))  # the export (in a child) is done
    code = ("import sys; from relatedposts.config import Settings; "
            "from relatedposts.indexing.embedders import make_embedder; "
            f"e = make_embedder(Settings(embedder='onnx', onnx_dir={str(settings.onnx_dir)!r})); "
            "e.encode(['back pain']); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_length_buckets_keep_each_text_in_its_place(settings) -> None:
    onnx = make_embedder(settings.replace(embedder="onnx", batch_size=2, onnx_quantize=False))
    forward = onnx.encode(TEXTS)
    backward = onnx.encode(TEXTS[::-1])
    assert np.allclose(forward, backward[::-1], atol=1e-5)
    alone = np.stack([onnx.encode([t])[0] for t in TEXTS])  # no padding at all
    assert np.allclose(forward, alone, atol=1e-4)


def test_max_tokens_cuts_texts_as_torch_does(settings) -> None:
    short = settings.replace(max_tokens=32, onnx_quantize=False)  # fp32: torch's vectors
    onnx = make_embedder(short.replace(embedder="onnx"))
    torch_vectors = make_embedder(short.replace(embedder="sentence-transformers")).encode(TEXTS)
    assert onnx.max_tokens == 32 and onnx.cache_name.endswith("-t32")
    assert (onnx.encode(TEXTS) * torch_vectors).sum(axis=1).min() > 0.999
    full = make_embedder(short.replace(embedder="onnx", max_tokens=256)).encode(TEXTS)
    assert (full[3] @ onnx.encode(TEXTS)[3]) < 0.9999  # the long text really was cut


def test_the_export_cache_is_keyed_by_content_not_by_file_times(tmp_path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"hidden_size": 4}')
    (model / "weights.bin").write_bytes(b"\0" * 1000)
    first = fingerprint(model)
    os.utime(model / "weights.bin", (1, 1))  # a copy or reinstall changes times only
    assert fingerprint(model) == first
    (model / "weights.bin").write_bytes(b"\1" + b"\0" * 999)  # same size, new weights
    assert fingerprint(model) != first


def test_a_graph_that_cannot_be_fused_keeps_the_plain_export(tmp_path) -> None:
    from relatedposts.indexing.embedders.onnx import ensure_onnx
    from relatedposts.indexing.embedders.onnx_fuse import FAILED, fuse

    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"hidden_size": 4, "num_attention_heads": 2}')
    raw = tmp_path / "model.onnx"
    raw.write_bytes(b"not an onnx graph")
    assert fuse(raw, tmp_path / "model-fused.onnx", model) is False
    assert not (tmp_path / "model-fused.onnx").exists() and (tmp_path / FAILED).is_file()
    # Next time the plain export is served at once: no second export, no second attempt.
    cache = tmp_path / "cache"
    target = cache / f"model-{fingerprint(model)}"
    target.mkdir(parents=True)
    (target / "model.onnx").write_bytes(b"plain")
    (target / FAILED).write_text("failed before")
    assert ensure_onnx(model, cache, quantize=False) == target / "model.onnx"


def test_int8_vectors_do_not_depend_on_their_batch(settings) -> None:
    int8 = make_embedder(settings.replace(embedder="onnx", onnx_quantize=True, batch_size=32))
    together = int8.encode(TEXTS)
    alone = np.stack([int8.encode([t])[0] for t in TEXTS])
    assert np.allclose(together, alone, atol=1e-6)  # a Ray shard embeds as a local build


def test_int8_lanes_embed_many_texts_side_by_side_as_each_alone(settings) -> None:
    int8 = make_embedder(settings.replace(embedder="onnx", onnx_quantize=True, onnx_threads=2))
    assert int8.lanes == 2 and int8.batch_size == 1
    texts = [f"{t} {i}" for i in range(12) for t in TEXTS]  # enough for both lanes to work
    together = int8.encode(texts)
    one_lane = make_embedder(settings.replace(embedder="onnx", onnx_quantize=True,
                                              onnx_threads=1))
    assert one_lane.lanes == 1
    alone = np.stack([one_lane.encode([t])[0] for t in texts])
    cosine = (together * alone).sum(axis=1)
    assert cosine.min() > 0.99999  # a passage's vector is its text's alone, lanes or not


def test_session_options_for_one_thread_never_spin() -> None:
    import onnxruntime as ort

    from relatedposts.indexing.embedders.onnx import session_options

    one = session_options(1)
    assert one.intra_op_num_threads == 1 and one.inter_op_num_threads == 1
    assert one.execution_mode == ort.ExecutionMode.ORT_SEQUENTIAL
    assert one.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert one.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert session_options(0).intra_op_num_threads == 0  # a build's fp32 run: every core
