"""Rebuild now: POST /admin/rebuild starts `relatedposts rebuild` in a child process,
GET /admin/rebuild/status shows its stage, progress and result (a blueprint).

The request takes the build lock itself (so a second click, another worker's click or a cron
`rebuild` is refused at once with 409) and hands the locked descriptor to the child, which
holds it until it exits: the kernel drops it even if the child is killed. The child writes
its progress to INDEX_DIR/rebuild-status.json (indexing/rebuild_status.py), which every
worker of the pre-fork supervisor reads, so the status page is right whichever worker
answers. The live version keeps serving throughout; a new one goes live as `rebuild` makes
any version live (CURRENT, then the reload call or the CURRENT watcher), and the worker that
shows the finished status reloads at once.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue

from relatedposts.config import ENV_PREFIX, Settings
from relatedposts.console import auth
from relatedposts.indexing.buildlock import BuildBusy, take_lock
from relatedposts.indexing.rebuild_status import STAGES, read_status, status_path, write_status
from relatedposts.live.service import Service
from relatedposts.web.context import get_service
from relatedposts.web.http_errors import error_response

bp = Blueprint("console_rebuild", __name__, template_folder="templates")
REFRESH_SECONDS = 2  # the status page reloads itself this often while a rebuild runs
STDERR_TAIL = 600  # characters of a crashed child's stderr shown to the editor


def start_rebuild(settings: Settings) -> str:
    """Take the build lock, start the rebuild process with it, and return the job's id.

    Raises BuildBusy when any build (console, command line, cron) holds the lock.
    """
    fd = take_lock(settings.index_dir)
    path = status_path(settings.index_dir)
    job = secrets.token_hex(6)
    try:
        write_status(path, {"job": job, "state": "running", "stage": "starting",
                            "started": time.time(), "by": "console", "pid": None})
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            _command(settings, path, fd), env=_child_env(settings), pass_fds=(fd,),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)  # a worker's restart must not take the rebuild with it
    except OSError as exc:
        write_status(path, {"job": job, "state": "failed", "stage": "starting",
                            "started": time.time(), "finished": time.time(), "by": "console",
                            "error": f"the rebuild could not start: {exc}", "exit_code": 1})
        raise
    finally:
        os.close(fd)  # the child's copy keeps the lock until it exits
    threading.Thread(target=_reap, args=(proc, path, job), daemon=True,
                     name="relatedposts-rebuild-reaper").start()
    return job


def _command(settings: Settings, path: Path, fd: int) -> list[str]:
    sources = [arg for source in settings.site for arg in ("--site", source)]
    return [sys.executable, "-m", "relatedposts", "rebuild", "--quiet", "--status-file",
            str(path), "--lock-fd", str(fd), *sources]


def _child_env(settings: Settings) -> dict[str, str]:
    """Return the child's environment: ours, with this site's settings as variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env |= settings.to_env()
    # The settings are this site's already; sources go as --site options (kept exact).
    env |= {ENV_PREFIX + "SITES_FILE": "", ENV_PREFIX + "SITE": ""}
    return env


def _reap(proc: subprocess.Popen[bytes], path: Path, job: str) -> None:
    """Wait for the child (no zombie); if it died without a result, record that in words."""
    _, err = proc.communicate()
    status = read_status(path) or {}
    if status.get("job") != job or status.get("state") != "running":
        return
    tail = (err or b"").decode("utf-8", "replace").strip()[-STDERR_TAIL:]
    write_status(path, status | {
        "state": "failed", "exit_code": proc.returncode, "finished": time.time(),
        "error": f"the rebuild process stopped before it finished (exit status "
                 f"{proc.returncode})" + (f": {tail.splitlines()[-1]}" if tail else "")})


def job_view(index_dir: Path) -> dict[str, Any] | None:
    """Return the last rebuild's status for a page: stage label, percent, elapsed seconds."""
    status = read_status(status_path(index_dir))
    if status is None:
        return None
    pid = status.get("pid")
    if status.get("state") == "running" and isinstance(pid, int) and not _alive(pid):
        status |= {"state": "failed", "error": "the rebuild process is gone without a result "
                   "(killed, or the machine restarted)"}
    end = status.get("finished") if status.get("state") != "running" else None
    started = float(status.get("started") or time.time())
    done, total = status.get("done") or 0, status.get("total")
    return status | {
        "running": status.get("state") == "running",
        "label": STAGES.get(str(status.get("stage")), str(status.get("stage"))),
        "elapsed": round(float(end or time.time()) - started, 1),
        "percent": round(100 * done / total) if total else None}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def _service() -> Service:
    return get_service(current_app)


def _url(path: str, **params: str) -> str:
    """Return path with the request's site (sites file) and params in its query string."""
    site = request.args.get("site")
    query = urlencode({**({"site": site} if site else {}), **params})
    return f"{path}?{query}" if query else path


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" or request.args.get("format") == "json"


@bp.post("/admin/rebuild")
def rebuild_now() -> ResponseReturnValue:
    """Start a rebuild in the background; 303 to its status, or 409 while one runs."""
    auth.require_admin()
    service = _service()
    try:
        job = start_rebuild(service.settings)
    except BuildBusy as exc:
        if _wants_json():
            return error_response(409, f"a rebuild is already running: {exc.message}")
        return _status_page(service, busy=exc.message, status=409)
    except OSError as exc:
        return error_response(500, f"the rebuild could not start: {exc}")
    if _wants_json():
        resp = jsonify({"job": job, "status": _url("/admin/rebuild/status")})
        resp.status_code = 202
        resp.headers["Location"] = _url("/admin/rebuild/status")
        return resp
    return redirect(_url("/admin/rebuild/status"), code=303)


@bp.get("/admin/rebuild/status")
def rebuild_status() -> ResponseReturnValue:
    """Show the running or last rebuild (HTML that reloads itself, or JSON)."""
    auth.require_admin(json_errors=False)
    service = _service()
    if _wants_json():
        return jsonify({"rebuild": _settle(service), "live": _live_version(service)})
    return _status_page(service)


def _settle(service: Service) -> dict[str, Any] | None:
    """Return the job's view; once it is done, make sure this worker serves its version."""
    view = job_view(service.settings.index_dir)
    if view and view["state"] == "done" and view.get("version") != _live_version(service):
        service.try_reload()  # other workers switch by the CURRENT watcher or reload call
    return view


def _live_version(service: Service) -> str | None:
    return service.live.data.manifest.version if service.has_live else None


def _status_page(service: Service, busy: str | None = None,
                 status: int = 200) -> ResponseReturnValue:
    view = _settle(service)
    g.csp_script = bool(view and view["running"])  # the page's poller (console/routes.py CSP)
    return render_template("console_rebuild.html", job=view, busy=busy,
                           live=_live_version(service), csrf=auth.csrf_token(),
                           refresh=REFRESH_SECONDS if view and view["running"] else None,
                           action=_url("/admin/rebuild"), back=_url("/admin")), status
