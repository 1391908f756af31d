"""The one way a test says a real component (nginx, redis-server, chromium, ...) is missing.

`missing` skips with a reason that starts with MISSING; tests/conftest.py turns such a skip into
a failure under CI=true, where .ci/run has installed every component.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

MISSING = "missing component: "


def missing(component: str, hint: str) -> NoReturn:
    """Skip the test because `component` is not installed (hint: how to install it)."""
    pytest.skip(f"{MISSING}{component} ({hint})")


def strict() -> bool:
    """Return whether a missing component fails the test (CI=true) instead of skipping it."""
    return os.environ.get("CI") == "true"
