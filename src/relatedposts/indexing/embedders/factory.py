"""Pick the backend the settings name; heavy backends are imported only when chosen."""

from __future__ import annotations

from relatedposts.config import Settings
from relatedposts.errors import ConfigError
from relatedposts.indexing.embedders.base import Embedder, model_name
from relatedposts.indexing.embedders.fake import FakeEmbedder


def make_embedder(settings: Settings, build: bool = False) -> Embedder:
    """Build the embedder the settings ask for (`build`: the one that embeds passages)."""
    kind = settings.embedder
    if kind == "fake":
        return FakeEmbedder()
    if kind == "sentence-transformers":
        from relatedposts.indexing.embedders.sentence import SentenceTransformerEmbedder

        if settings.onnx_threads > 0:  # the inference thread share serve gives each worker
            import torch

            torch.set_num_threads(settings.onnx_threads)
        return SentenceTransformerEmbedder(settings.model_path(), model_name(settings),
                                           settings.batch_size, settings.max_tokens)
    if kind == "onnx":
        from relatedposts.indexing.embedders.onnx import OnnxEmbedder

        return OnnxEmbedder.from_settings(settings, build)
    raise ConfigError(f"unknown embedder {kind!r}: use onnx, sentence-transformers or fake")
