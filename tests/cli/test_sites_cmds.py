"""Many sites on the command line: --site on every command, `sites`, a bad sites file."""

from __future__ import annotations

import json

from click.testing import CliRunner

from relatedposts.cli import main
from relatedposts.config import Settings
from relatedposts.indexing.build import build_index
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.versions import CURRENT, VersionStore
from relatedposts.ingest.store import write_record
from relatedposts.sites import settings_for
from tests.support import OTHER, SUMMIT, summit_articles


def test_a_sites_rebuild_and_rollback_never_touch_another(multi) -> None:
    other = settings_for(multi, "other")
    before = (other.index_dir / CURRENT).read_text()
    summit = settings_for(multi, "summit")
    build_index(summit_articles()[:6], FakeEmbedder(), summit)
    result = _cli(multi, "rollback", "--site", "summit")
    assert result.exit_code == 0, result.output
    assert (other.index_dir / CURRENT).read_text() == before
    assert len(VersionStore(other.index_dir).finished()) == 1
    assert len(VersionStore(summit.index_dir).finished()) == 2


def _cli(settings: Settings, *args: str):
    env = {"RELATEDPOSTS_SITES_FILE": str(settings.sites_file),
           "RELATEDPOSTS_CORPUS_DIR": str(settings.corpus_dir),
           "RELATEDPOSTS_INDEX_DIR": str(settings.index_dir), "RELATEDPOSTS_EMBEDDER": "fake",
           "RELATEDPOSTS_LOG_FILE": "", "RELATEDPOSTS_OVERRIDES_FILE": str(settings.overrides_file)}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_cli_commands_take_site(multi) -> None:
    summit = settings_for(multi, "summit")
    summit.corpus_dir.mkdir(parents=True)
    for a in summit_articles()[:6]:
        write_record(summit.corpus_dir, a, a.url)
    result = _cli(multi, "build", "--site", "summit", "--quiet")
    assert result.exit_code == 0 and "6 articles" in result.output, result.output
    out = json.loads(_cli(multi, "search", "leg pain", "--site", "other", "--json").output)
    assert out["results"] and all(h["url"].startswith(OTHER) for h in out["results"])
    result = _cli(multi, "related", f"{SUMMIT}/blog/sciatica/", "--site", "summit", "--json")
    assert all(p["url"].startswith(SUMMIT) for p in json.loads(result.output)["results"])
    assert _cli(multi, "related", f"{SUMMIT}/blog/sciatica/", "--site", "other").exit_code == 1
    assert _cli(multi, "report", "--site", "other").output.startswith("index ")
    listing = json.loads(_cli(multi, "sites", "--json").output)
    assert [(r["site"], r["articles"]) for r in listing] == [("summit", 6), ("other", 5)]
    for args in (("search", "x"), ("search", "x", "--site", "nope"), ("build", "--site", "../x")):
        result = _cli(multi, *args)
        assert result.exit_code == 1 and result.output.startswith("error: "), args


def test_cli_site_without_a_sites_file_is_an_error(settings) -> None:
    env = {"RELATEDPOSTS_INDEX_DIR": str(settings.index_dir), "RELATEDPOSTS_EMBEDDER": "fake"}
    result = CliRunner().invoke(main, ["search", "x", "--site", "a"], env=env)
    assert result.exit_code == 1 and "RELATEDPOSTS_SITES_FILE" in result.output


def test_serve_refuses_a_bad_sites_file_before_starting(tmp_path, settings) -> None:
    (tmp_path / "s.toml").write_text("[sites.Bad]\n", "utf-8")
    result = CliRunner().invoke(main, ["--fake-embedder", "serve", "--port", "9"], env={
        "RELATEDPOSTS_SITES_FILE": str(tmp_path / "s.toml")})
    assert result.exit_code == 2 and "site name" in result.output  # settings: exit 2
