"""The rebuild status file: replaced whole, progress throttled, a finished job never carried on."""

from __future__ import annotations

import json
import os

from relatedposts.indexing import rebuild_status as rs
from relatedposts.indexing.rebuild import EXIT_NOTHING, run_rebuild
from relatedposts.indexing.rebuild_status import RebuildStatus, read_status, status_path


def test_a_status_keeps_the_consoles_job_and_writes_stages_and_the_result(tmp_path) -> None:
    path = status_path(tmp_path)
    rs.write_status(path, {"job": "j1", "state": "running", "started": 5.0, "by": "console"})
    status = RebuildStatus(path)
    assert read_status(path) == status.data and status.data["job"] == "j1"
    assert status.data["started"] == 5.0 and status.data["pid"] == os.getpid()
    status.stage("scraping")
    status.reset(total=3)  # a new total is written at once
    assert read_status(path)["total"] == 3
    status.update(1)
    status.update(1)
    status.update(1)  # the last step is written at once, the others when due
    assert (read_status(path)["done"], read_status(path)["stage"]) == (3, "scraping")
    status.progress("embedding", 0, 10)
    assert read_status(path)["stage"] == "embedding"
    status.finish(0, version="v2", added=1)
    done = read_status(path)
    assert done["state"] == "done" and done["version"] == "v2" and done["exit_code"] == 0
    assert [p.name for p in tmp_path.iterdir()] == [rs.STATUS_FILE]  # no temp file left
    again = RebuildStatus(path)  # a new job: nothing of the finished one's result
    assert "version" not in again.data and again.data["job"] != "j1"


def test_unreadable_or_missing_status_is_none(tmp_path) -> None:
    path = status_path(tmp_path)
    assert read_status(path) is None
    path.write_text("{half", "utf-8")
    assert read_status(path) is None
    path.write_text(json.dumps([1]), "utf-8")
    assert read_status(path) is None


def test_run_rebuild_records_why_it_stopped(settings, tmp_path) -> None:
    path = tmp_path / "status.json"
    s = settings.replace(site=("http://127.0.0.1:9/sitemap.xml",), log_file=None)
    assert run_rebuild(s, quiet=True, status_file=path) == EXIT_NOTHING
    status = read_status(path)
    assert status["state"] == "failed" and status["exit_code"] == EXIT_NOTHING
    assert status["error"] == "nothing scraped; the live index is unchanged"
    assert (status["fetched"], status["failed"]) == (0, 1) and status["by"] == "command line"
