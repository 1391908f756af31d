"""A real WordPress on loopback for the tests: Debian's wordpress, mariadb-server and php-fpm
behind nginx, each with its own config, socket and data in a temp dir.

The one file outside the temp dir is Debian's per-host config /etc/wordpress/config-NAME.php
(README.Debian), chosen by the WORDPRESS_CONFIG variable nginx passes; it is removed on exit.
WordPress never calls out: WP_HTTP_BLOCK_EXTERNAL (loopback and its own host only), no cron,
no update checks, no pingbacks. Missing packages fail the test under CI=true, skip otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.components import missing
from tests.support import ROOT

PLUGIN = ROOT / "integrations" / "wordpress" / "relatedposts"
WORDPRESS = Path("/usr/share/wordpress")
BINARIES = {"mariadbd": "/usr/sbin/mariadbd", "mariadb-install-db": "/usr/bin/mariadb-install-db",
            "php-fpm": "/usr/sbin/php-fpm8.2", "nginx": "/usr/sbin/nginx", "php": "/usr/bin/php"}
ROOT_USER = os.geteuid() == 0


def require(name: str) -> str:
    """Return the path of a binary; fail under CI=true when it is missing, skip otherwise."""
    path = shutil.which(name) or shutil.which(Path(BINARIES.get(name, name)).name) or \
        BINARIES.get(name, "")
    if name == "php-fpm":
        path = next((str(p) for p in sorted(Path("/usr/sbin").glob("php-fpm*"))), "")
    if path and Path(path).exists() and WORDPRESS.joinpath("wp-load.php").exists():
        return path
    missing(f"{name} or Debian's wordpress", "see .ci/run")


@dataclass
class WordPress:
    """A running WordPress: its base URL, temp dir and how to run PHP inside it."""

    base: str
    tmp: Path
    config: str
    admin_password: str = ""

    def php(self, code: str, timeout: float = 60) -> dict:
        """Run PHP code with WordPress loaded (as the site's own host); return its JSON."""
        script = self.tmp / f"run-{secrets.token_hex(4)}.php"
        script.write_text("<?php define('WP_USE_THEMES', false); require '"
                          f"{WORDPRESS}/wp-load.php'; $out = (function () {{ {code} }})(); "
                          "echo \"\\n@@\" . wp_json_encode($out);")
        host = urllib.parse.urlsplit(self.base).netloc
        env = {**os.environ, "WORDPRESS_CONFIG": self.config, "HTTP_HOST": host}
        result = subprocess.run([require("php"), str(script)], capture_output=True, text=True,
                                env=env, timeout=timeout)
        if result.returncode != 0 or "\n@@" not in result.stdout:
            pytest.fail(f"php failed: {result.stdout[-2000:]} {result.stderr[-2000:]}")
        return json.loads(result.stdout.rsplit("\n@@", 1)[1])


def _wait(check, what: str, proc: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited: {log.read_text()[-2000:] if log.exists() else ''}")
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"{what} did not start: {log.read_text()[-2000:] if log.exists() else ''}")


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


@contextlib.contextmanager
def _process(cmd: list[str], what: str, log: Path, ready) -> Iterator[subprocess.Popen]:
    with open(log, "a") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(ready, what, proc, log)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def mariadb(tmp: Path) -> Iterator[Path]:
    """Run mariadbd on its own datadir and socket (no TCP); yield the socket path."""
    data, sock, log = tmp / "db", tmp / "mysqld.sock", tmp / "mariadb.log"
    user = ["--user=root"] if ROOT_USER else []
    subprocess.run([require("mariadb-install-db"), "--no-defaults", f"--datadir={data}",
                    "--auth-root-authentication-method=normal", "--skip-test-db", *user],
                   check=True, capture_output=True, timeout=120)
    cmd = [require("mariadbd"), "--no-defaults", f"--datadir={data}", f"--socket={sock}",
           "--skip-networking", f"--pid-file={tmp / 'mysqld.pid'}", f"--log-error={log}",
           "--innodb-buffer-pool-size=32M", "--skip-log-bin", *user]
    with _process(cmd, "mariadbd", log, sock.exists):
        subprocess.run(["mariadb", "--no-defaults", f"--socket={sock}", "-uroot", "-e",
                        "CREATE DATABASE wordpress"], check=True, capture_output=True,
                       timeout=30)
        yield sock


@contextlib.contextmanager
def php_fpm(tmp: Path) -> Iterator[Path]:
    """Run php-fpm with its own pool on a unix socket; yield the socket path."""
    sock, log = tmp / "fpm.sock", tmp / "fpm.log"
    owner = "user = root\ngroup = root\n" if ROOT_USER else ""
    (tmp / "fpm.conf").write_text(
        f"[global]\npid = {tmp / 'fpm.pid'}\nerror_log = {log}\ndaemonize = no\n"
        f"[wp]\n{owner}listen = {sock}\npm = static\npm.max_children = 4\n"
        f"catch_workers_output = yes\nphp_admin_value[error_log] = {tmp / 'php-errors.log'}\n"
        "php_admin_flag[log_errors] = on\n")
    cmd = [require("php-fpm"), "--nodaemonize", "--fpm-config", str(tmp / "fpm.conf"),
           *(["--allow-to-run-as-root"] if ROOT_USER else [])]
    with _process(cmd, "php-fpm", log, sock.exists):
        yield sock


@contextlib.contextmanager
def nginx(tmp: Path, port: int, fpm: Path, config: str) -> Iterator[None]:
    """Run nginx serving /usr/share/wordpress through php-fpm on 127.0.0.1:port."""
    temp = " ".join(f"{kind}_temp_path {tmp / kind};" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(
        f"{'user root;' if ROOT_USER else ''} worker_processes 1; daemon off; "
        f"pid {tmp / 'nginx.pid'}; error_log {tmp / 'nginx-error.log'} warn; "
        f"events {{ worker_connections 256; }} http {{ access_log off; {temp} "
        "include /etc/nginx/mime.types; "
        f"server {{ listen 127.0.0.1:{port}; root {WORDPRESS}; index index.php; "
        f"location /wp-content/ {{ alias {tmp / 'wp-content'}/; }} "
        "location / { try_files $uri $uri/ /index.php?$args; } "
        "location ~ \\.php$ { include /etc/nginx/fastcgi_params; "
        # Debian's fastcgi_params sends the host without the port: WordPress would redirect
        # every page to itself (its home has the port).
        "fastcgi_param HTTP_HOST $host:$server_port; "
        "fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name; "
        f"fastcgi_param WORDPRESS_CONFIG {config}; fastcgi_pass unix:{fpm}; }} }} }}")
    cmd = [require("nginx"), "-p", str(tmp), "-c", str(tmp / "nginx.conf")]
    with _process(cmd, "nginx", tmp / "nginx-error.log", lambda: _port_open(port)):
        yield


def _config(tmp: Path, name: str, db: Path, base: str) -> Path:
    """Write Debian's per-host config for this WordPress: temp content dir, no calling out."""
    content = tmp / "wp-content"
    (content / "plugins").mkdir(parents=True)
    (content / "uploads").mkdir()
    (content / "themes").symlink_to(WORDPRESS / "wp-content" / "themes")
    shutil.copytree(PLUGIN, content / "plugins" / "relatedposts")
    lines = {"DB_NAME": "wordpress", "DB_USER": "root", "DB_PASSWORD": "",
             "DB_HOST": f"localhost:{db}", "WP_CONTENT_DIR": str(content),
             "WP_HTTP_BLOCK_EXTERNAL": True, "DISABLE_WP_CRON": True,
             "AUTOMATIC_UPDATER_DISABLED": True, "WP_AUTO_UPDATE_CORE": False,
             "WP_ENVIRONMENT_TYPE": "local", "FS_METHOD": "direct", "WP_HOME": base,
             "WP_SITEURL": base}
    body = "".join(f"define('{k}', {json.dumps(v)});\n" for k, v in lines.items())
    path = Path("/etc/wordpress") / f"config-{name}.php"
    try:
        path.write_text(f"<?php\n{body}$table_prefix = 'wp_';\n")
    except OSError as exc:
        missing("wordpress", f"cannot write {path}, Debian's per-host config: {exc}")
    return path


def _install(base: str) -> str:
    """Run WordPress's own installer (the form's POST); return the admin password."""
    password = secrets.token_urlsafe(16)
    form = urllib.parse.urlencode({
        "weblog_title": "Spine Clinic Blog", "user_name": "admin", "admin_password": password,
        "admin_password2": password, "pw_weak": "1", "admin_email": "admin@clinic.example",
        "blog_public": "0", "language": ""}).encode()
    with urllib.request.urlopen(f"{base}/wp-admin/install.php?step=2", form, timeout=120) as r:
        page = r.read().decode("utf-8", "replace")
    if "Success!" not in page:
        pytest.fail(f"WordPress install failed: {page[-2000:]}")
    return password


# Run once after the install: pretty permalinks, the plugin on, nothing that calls out.
SETUP = """
require_once ABSPATH . 'wp-admin/includes/plugin.php';
global $wp_rewrite; $wp_rewrite->set_permalink_structure('/%postname%/'); flush_rewrite_rules(true);
update_option('default_pingback_flag', 0); update_option('default_ping_status', 'closed');
update_option('ping_sites', ''); update_option('default_comment_status', 'closed');
wp_delete_post(1, true); wp_delete_post(2, true);  // the sample post and page
add_filter('pre_http_request', function () { return new WP_Error('blocked', 'setup'); });
$r = activate_plugin('relatedposts/relatedposts.php');
return is_wp_error($r) ? $r->get_error_message() : 'ok';
"""


@contextlib.contextmanager
def wordpress(tmp: Path) -> Iterator[WordPress]:
    """Start the whole stack on loopback and install WordPress; yield it, then stop it all."""
    for name in ("mariadbd", "mariadb-install-db", "php-fpm", "nginx", "php"):
        require(name)
    name = f"rptest-{secrets.token_hex(6)}"
    port = _free_port()
    with contextlib.ExitStack() as stack:
        db = stack.enter_context(mariadb(tmp))
        config = _config(tmp, name, db, f"http://127.0.0.1:{port}")
        stack.callback(config.unlink, missing_ok=True)
        fpm = stack.enter_context(php_fpm(tmp))
        stack.enter_context(nginx(tmp, port, fpm, name))
        wp = WordPress(f"http://127.0.0.1:{port}", tmp, name)
        wp.admin_password = _install(wp.base)
        assert wp.php(SETUP) == "ok"
        yield wp


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
