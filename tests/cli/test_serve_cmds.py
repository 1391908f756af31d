"""`search` and `related` on the command line: the same JSON as the API."""

from __future__ import annotations

import json
import socket

from click.testing import CliRunner

from relatedposts.cli import main
from tests.support import TINY


def test_cli_search_json_is_the_api_json(client, runner) -> None:
    for query in ("sciatica leg pain", "sciatca"):
        api = client.get("/api/search", query_string={"q": query, "limit": 3}).get_json()
        cli = json.loads(runner("search", query, "--limit", "3", "--json").output)
        assert cli == api and api["results"]


def test_cli_related_json_is_the_api_json(client, runner) -> None:
    api = client.get("/api/related", query_string={"url": TINY[0].url, "limit": 4}).get_json()
    cli = json.loads(runner("related", TINY[0].url, "--limit", "4", "--json").output)
    assert cli == api and len(api["results"]) == 4


NO_MODEL = {"RELATEDPOSTS_MODEL": "/nonexistent/model-dir", "RELATEDPOSTS_EMBEDDER": "onnx"}


def test_related_and_report_work_without_a_model(built) -> None:
    env = {"RELATEDPOSTS_INDEX_DIR": str(built.index_dir), **NO_MODEL}
    related = CliRunner().invoke(main, ["related", TINY[0].url, "--json"], env=env)
    assert related.exit_code == 0, related.output
    assert len(json.loads(related.output)["results"]) == 5
    report = CliRunner().invoke(main, ["report", "--json"], env=env)
    assert report.exit_code == 0, report.output
    assert json.loads(report.output)["version"]
    search = CliRunner().invoke(main, ["search", "back pain"], env=env)  # needs the model
    assert search.exit_code == 1 and "RELATEDPOSTS_MODEL" in search.output


def test_serve_refuses_a_taken_port_before_printing_anything(built, runner) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner("serve", "--port", str(port), "--workers", "1")
    assert result.exit_code == 2
    assert result.stdout == ""  # no "serving on" line
    assert result.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use"]
