"""A real local Ray cluster on 127.0.0.1 for the --ray tests: a head and worker nodes.

Each node is a `ray start --block` process in its own session; stopping sends SIGTERM to that
session only (never `ray stop`, which would stop every Ray on the machine).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.components import missing
from tests.replicakit import free_port

RAY = str(Path(sys.executable).with_name("ray"))


class RayCluster:
    """Start a head (num_cpus each) and `workers` more nodes; address is host:port."""

    def __init__(self, workers: int = 1, num_cpus: int = 1) -> None:
        if not Path(RAY).exists():
            missing("ray", "pip install 'relatedposts[ray]'")
        self.tmp = tempfile.mkdtemp(prefix="rp-ray-")  # short: Ray's socket paths are limited
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "HF_HUB_OFFLINE": "1",
                    "RAY_AUTH_MODE": "disabled"}
        self.procs: list[subprocess.Popen] = []
        head = ["--head", "--port", str(self.port), "--temp-dir", self.tmp,
                "--include-dashboard=false", "--object-store-memory", str(150 * 2**20)]
        self._node(head, num_cpus)
        self._wait_nodes(1)
        for _ in range(workers):
            self._node(["--address", self.address, "--object-store-memory", str(100 * 2**20)],
                       num_cpus)
        self._wait_nodes(1 + workers)

    def _node(self, args: list[str], num_cpus: int) -> None:
        log = open(Path(self.tmp) / f"node-{len(self.procs)}.log", "w")  # noqa: SIM115
        cmd = [RAY, "start", "--block", "--node-ip-address", "127.0.0.1", "--num-cpus",
               str(num_cpus), "--disable-usage-stats", "--dashboard-agent-listen-port",
               str(free_port()), *args]
        self.procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                           env=self.env, start_new_session=True))

    def _wait_nodes(self, count: int, seconds: float = 120) -> None:
        """Wait until the cluster reports count alive nodes."""
        probe = ("import ray,sys; ray.init(address=sys.argv[1], log_to_driver=False); "
                 "print(sum(n['Alive'] for n in ray.nodes()))")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                break
            out = subprocess.run([sys.executable, "-c", probe, self.address], env=self.env,
                                 capture_output=True, text=True, timeout=60)
            if out.returncode == 0 and out.stdout.strip().splitlines()[-1:] == [str(count)]:
                return
            time.sleep(1.0)
        logs = "\n".join(p.read_text()[-1500:] for p in Path(self.tmp).glob("node-*.log"))
        self.stop()
        pytest.fail(f"the Ray cluster did not reach {count} nodes:\n{logs}")

    def stop(self) -> None:
        """Stop the nodes this object started (their sessions only), workers first."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            # Whatever of that session is left (raylet, workers) is ours: kill it by group id.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)
