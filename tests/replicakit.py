"""Real components for the replica tests, all on 127.0.0.1: redis-server, nginx, `serve`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.components import missing

REDIS = shutil.which("redis-server")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.1)
    pytest.fail(f"{what} did not come up in {seconds:g}s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class RedisServer:
    """A throwaway redis-server (no persistence) on a free loopback port."""

    def __init__(self, tmp: Path) -> None:
        if not REDIS:
            missing("redis-server", "apt-get install redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        self.client = redis.Redis(port=self.port, decode_responses=True)
        wait_until(self.client.ping, 15, "redis-server")

    def stop(self) -> None:
        self.client.close()
        _stop(self.proc)


class Replica:
    """One `relatedposts serve` process (gunicorn, fake embedder) on a free port."""

    def __init__(self, tmp: Path, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = tmp / f"replica-{self.port}.log"
        cmd = [sys.executable, "-m", "relatedposts", "--fake-embedder", "serve", "--port",
               str(self.port), "--workers", str(workers), "--threads", "4"]
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, **env})

    def wait_ready(self) -> None:
        """Wait until every worker has loaded its index."""
        wait_until(lambda: self.proc.poll() is None
                   and self.log.read_text().count(" ready in ") >= self.workers,
                   90, f"replica on {self.port}")

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.base + path, timeout=10) as resp:
            return resp.read()

    def stop(self) -> None:
        _stop(self.proc)


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    log_format up '$upstream_addr $status';
    access_log {tmp}/nginx-access.log up;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    upstream relatedposts {{
        {servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://relatedposts;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


class Nginx:
    """Debian's nginx as the load balancer in front of the replicas (round robin)."""

    def __init__(self, tmp: Path, upstreams: list[int]) -> None:
        if not NGINX:
            missing("nginx", "apt-get install nginx-light")
        self.tmp = tmp
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        servers = "\n        ".join(f"server 127.0.0.1:{p};" for p in upstreams)
        user = "user root;" if os.geteuid() == 0 else ""  # workers must read the temp dirs
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(user=user, tmp=tmp, servers=servers, port=self.port))
        self.proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp), "-e",
                                      str(tmp / "nginx-error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: urllib.request.urlopen(self.base + "/healthz", timeout=5).status
                   == 200, 20, "nginx")

    def upstream_counts(self) -> dict[str, int]:
        """Return how many requests each upstream answered (from the access log)."""
        counts: dict[str, int] = {}
        for line in (self.tmp / "nginx-access.log").read_text().splitlines():
            addr = line.split()[0]
            counts[addr] = counts.get(addr, 0) + 1
        return counts

    def stop(self) -> None:
        _stop(self.proc)
