"""A test that needs a missing component is skipped with its reason, and fails under CI=true."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

NEEDS_NGINX = """
from tests.components import missing

def test_needs_nginx():
    missing("nginx", "apt-get install nginx-light")
"""


def _run(tmp_path: Path, ci: str) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_needs.py"
    test.write_text(NEEDS_NGINX)
    env = {**os.environ, "CI": ci, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")])}
    # -p tests.conftest: the suite's hook, loaded into a run outside the tests/ directory.
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "tests.conftest",
                           "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(test)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)


def test_a_missing_component_is_a_named_skip(tmp_path: Path) -> None:
    result = _run(tmp_path, ci="")
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "missing component: nginx (apt-get install nginx-light)" in result.stdout


def test_under_ci_a_missing_component_fails(tmp_path: Path) -> None:
    result = _run(tmp_path, ci="true")
    assert result.returncode == 1, result.stdout
    assert "1 failed" in result.stdout
    assert "CI=true and a component the suite needs is missing: " in result.stdout
