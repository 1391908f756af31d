"""Embedding backends, one file each (txtai's shape): base, sentence (torch), onnx, fake.

Import a heavy backend from its own module; this package re-exports only the light pieces,
so importing it never pulls in torch or onnxruntime.
"""

from relatedposts.indexing.embedders.base import (
    PACKAGED_MODEL_NAME,
    Embedder,
    missing_model_message,
    model_name,
    require_model,
)
from relatedposts.indexing.embedders.factory import make_embedder
from relatedposts.indexing.embedders.fake import FakeEmbedder

__all__ = ["PACKAGED_MODEL_NAME", "Embedder", "FakeEmbedder", "make_embedder",
           "missing_model_message", "model_name", "require_model"]
