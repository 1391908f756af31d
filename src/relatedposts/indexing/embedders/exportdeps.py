"""What the one-time ONNX export needs beyond a serving install: torch and transformers.

Serving and building from an exported model need neither; they come with the `export` extra
(sentence-transformers pulls both in). Looked up with find_spec, so checking never imports torch.
"""

from __future__ import annotations

import importlib.util

from relatedposts.errors import ModelError

NEEDED = ("torch", "transformers")
HINT = ("pip install torch --index-url https://download.pytorch.org/whl/cpu "
        "&& pip install 'relatedposts[export]'")


def missing_export_libraries() -> list[str]:
    """Return the libraries the ONNX export needs that are not installed."""
    missing = []
    for name in NEEDED:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a broken install or a module set to None
            found = False
        if not found:
            missing.append(name)
    return missing


def require_export_libraries() -> None:
    """Raise ModelError, one line naming the extra, unless torch and transformers are there."""
    missing = missing_export_libraries()
    if missing:
        raise ModelError(f"exporting the model to ONNX (once) needs {' and '.join(missing)}, "
                         f"which the serving-only install leaves out: {HINT}")
