"""Production serving: the Flask app under gunicorn, one index load per worker process.

No preload: each worker builds its own app (model and index) after the fork, so nothing
torch or FAISS allocated is shared across fork. The index stays read-only in every worker;
a new version goes live when workers restart (e.g. `kill -HUP` on the master).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from relatedposts.config import Settings

log = logging.getLogger("gunicorn.error")


class GunicornServer(BaseApplication):
    """A gunicorn application whose workers each call create_app(settings)."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options to gunicorn's config (no command line or config file)."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """Create the app in this worker: load the model and the live index once."""
        from relatedposts.serving.app import create_app
        from relatedposts.serving.context import describe

        t0 = time.perf_counter()
        share = share_cores(self.cfg.workers)
        settings = self.settings
        if settings.onnx_threads <= 0:
            settings = settings.replace(onnx_threads=share)
        app = create_app(settings)
        if "torch" in sys.modules:  # loaded by the sentence-transformers embedder
            sys.modules["torch"].set_num_threads(share)
        state = describe(app)
        log.info("worker %d ready in %.1fs: %s", os.getpid(), time.perf_counter() - t0, state)
        return app


def share_cores(workers: int) -> int:
    """Split the cores between workers for inference and keep FAISS to one thread per call.

    Each request embeds one query and searches with one vector: parallel sections gain
    little there, while N workers x M threads x OpenMP teams on 2 cores spin and wait on
    each other (a busy machine made flat search 4x slower with two OpenMP threads).
    """
    import faiss

    faiss.omp_set_num_threads(1)
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """Return gunicorn settings: gthread workers, quiet access log, room for a model load."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": False,
        # Loading the model and the index takes seconds; don't kill a worker for it.
        "timeout": 120,
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "relatedposts",
    }


def run(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until stopped (SIGINT/SIGTERM)."""
    GunicornServer(settings, gunicorn_options(host, port, workers, threads)).run()
