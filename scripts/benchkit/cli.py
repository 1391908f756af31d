"""The one way the scripts run the relatedposts CLI: a fresh process, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def command(args: list[str]) -> list[str]:
    """Return the argv that runs `relatedposts ARGS` with this interpreter."""
    return [sys.executable, "-m", "relatedposts", *args]


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run `relatedposts ARGS` in ROOT with env added; return (seconds, stdout) or raise."""
    t0 = time.perf_counter()
    proc = subprocess.run(command(args), cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"relatedposts {' '.join(args)} failed ({proc.returncode}):\n"
                           f"{proc.stdout}{proc.stderr}")
    return time.perf_counter() - t0, proc.stdout


def run_build(env: dict[str, str], *args: str) -> tuple[float, dict[str, object]]:
    """Run `relatedposts build --json`; return wall seconds and its parsed JSON report."""
    seconds, out = run_cli(["build", "--json", *args], env)
    return seconds, json.loads(out)


def build_figures(report: dict[str, object]) -> dict[str, object]:
    """Flatten a `build --json` report: counts plus one <stage>_s entry per stage."""
    stages = report.get("seconds") or {}
    assert isinstance(stages, dict)
    found = {k: report[k] for k in ("version", "articles", "chunks", "embedded", "reused")}
    found.update({f"{stage}_s": round(float(s), 3) for stage, s in stages.items()})
    return found
