"""The embedding stage of a build on a Ray cluster (`relatedposts build --ray local|ADDRESS`).

Only the embedding is distributed: it is where a build spends its time (about 42 chunks/s per
CPU core here). build_index still consults the embedding cache first (embcache.py), so only
new or changed chunks travel to the cluster. They go through Ray Data:
- sorted by length and cut into blocks, so every batch holds texts of similar length and the
  model pads little (length bucketing);
- embedded by a pool of actors, each loading the model once and keeping it (CPU or GPU, as
  Settings.ray_cpus_per_worker / ray_gpus_per_worker ask);
- gathered back by position, so the vectors are exactly those of a local build.
The driver keeps a local embedder for the few texts the cache probe and the verification gate
embed (not worth a cluster round trip). Workers need this package's dependencies installed;
the package's own code is shipped with the job (runtime_env py_modules).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from relatedposts.config import Settings
from relatedposts.errors import ConfigError
from relatedposts.indexing.embedders import Embedder, make_embedder

log = logging.getLogger(__name__)
REMOTE_MIN = 64  # fewer texts than this are embedded on the driver
RAY_BATCH = 256  # texts per actor call


class EmbedWorker:
    """A Ray Data actor: loads the model once, then embeds batch after batch."""

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        threads = max(1, int(settings.ray_cpus_per_worker))
        try:
            import torch

            torch.set_num_threads(threads)  # one actor per CPU share: no oversubscription
        except ImportError:  # pragma: no cover - the onnx backend without torch
            pass
        self.embedder = make_embedder(settings.replace(onnx_threads=threads))
        model = getattr(self.embedder, "model", None)
        if settings.ray_gpus_per_worker > 0 and model is not None and hasattr(model, "to"):
            # Ray has given this actor a GPU (CUDA_VISIBLE_DEVICES): the node's torch must be a
            # CUDA build. Not exercised by the tests here (no GPU on this machine).
            model.to("cuda")

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Embed one batch of {"i", "text"} rows into {"i", "vector", "seconds"}."""
        t0 = time.perf_counter()
        vectors = self.embedder.encode([str(t) for t in batch["text"]])
        share = (time.perf_counter() - t0) / max(1, len(batch["i"]))  # model time per row
        return {"i": batch["i"], "vector": np.asarray(vectors, dtype=np.float32),
                "seconds": np.full(len(batch["i"]), share)}


class RayEmbedder:
    """An Embedder whose bulk encode_all runs on a Ray cluster (see the module docstring)."""

    def __init__(self, settings: Settings, address: str) -> None:
        self.settings = settings
        self.address = address
        self.local: Embedder = make_embedder(settings)
        self.name = self.local.name
        self.dim = self.local.dim
        self.workers_used = 0
        self.busy_seconds = 0.0  # model time summed over the actors: the per-worker rate

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a few texts on the driver (the cache probe, the verification gate)."""
        return self.local.encode(texts)

    def encode_all(self, texts: Sequence[str]) -> np.ndarray:
        """Embed every text on the cluster; return the vectors in the order of texts."""
        if len(texts) < REMOTE_MIN:
            return self.encode(texts) if texts else np.zeros((0, self.dim), np.float32)
        import ray

        _connect(ray, self.address)
        try:
            return self._run(ray, texts)
        finally:
            ray.shutdown()  # disconnects this driver; a cluster given by address keeps running

    def _run(self, ray: Any, texts: Sequence[str]) -> np.ndarray:
        """Run the Ray Data pipeline: length-sorted rows, actor pool, results by position."""
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # length buckets
        rows = [{"i": i, "text": texts[i]} for i in order]
        self.workers_used = self.worker_count(ray)
        blocks = max(self.workers_used * 4, len(rows) // (RAY_BATCH * 2) or 1)
        ds = ray.data.from_items(rows, override_num_blocks=blocks).map_batches(
            EmbedWorker, fn_constructor_kwargs={"settings": self.settings},
            batch_size=RAY_BATCH, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=self.workers_used),
            num_cpus=self.settings.ray_cpus_per_worker,
            num_gpus=self.settings.ray_gpus_per_worker or None)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        seen = 0
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            out[batch["i"]] = batch["vector"]
            seen += len(batch["i"])
            self.busy_seconds += float(np.sum(batch["seconds"]))
        if seen != len(texts):
            raise RuntimeError(f"the cluster returned {seen} vectors for {len(texts)} texts")
        return out

    def worker_count(self, ray: Any) -> int:
        """Return Settings.ray_workers, or as many actors as the cluster's CPUs (GPUs) allow."""
        if self.settings.ray_workers > 0:
            return self.settings.ray_workers
        res = ray.cluster_resources()
        if self.settings.ray_gpus_per_worker > 0:
            return max(1, int(res.get("GPU", 0) // self.settings.ray_gpus_per_worker))
        return max(1, int(res.get("CPU", 1) // max(self.settings.ray_cpus_per_worker, 0.01)))


def _connect(ray: Any, address: str) -> None:
    """Start a local Ray ('local') or join a cluster (host:port, ray://host:port, auto)."""
    import relatedposts

    _check_reachable(address)
    package = str(Path(relatedposts.__file__).resolve().parent)
    runtime_env = {"py_modules": [package], "env_vars": {"HF_HUB_OFFLINE": "1"}}
    try:
        ray.init(address=None if address == "local" else address, runtime_env=runtime_env,
                 include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                 configure_logging=False)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise ConfigError(f"cannot reach the Ray cluster at {address!r}: {exc}") from exc


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast on a host:port nobody listens on (ray.init would retry for minutes)."""
    match = re.fullmatch(r"(?:ray://)?\[?([^\]/]+?)\]?:(\d{1,5})", address)
    if match is None:
        return  # 'local', 'auto' or a form Ray resolves itself
    try:
        socket.create_connection((match.group(1), int(match.group(2))), timeout).close()
    except OSError as exc:
        raise ConfigError(f"cannot reach the Ray cluster at {address!r}: {exc}") from exc


def ray_embedder(settings: Settings, address: str) -> RayEmbedder:
    """Return the cluster embedder for --ray ADDRESS, naming the extra if Ray is missing."""
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ConfigError("--ray needs Ray Data: pip install 'relatedposts[ray]'") from exc
    if not address.strip():
        raise ConfigError("--ray needs 'local' or a cluster address such as 127.0.0.1:6379")
    return RayEmbedder(settings, address.strip())
