"""The sites file: bad or missing files are clear errors; defaults and relative paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from relatedposts.config import Settings
from relatedposts.errors import ConfigError, NotFound
from relatedposts.sites import load_sites, settings_for


def _write(tmp_path: Path, text: str, settings: Settings) -> Settings:
    path = tmp_path / "s.toml"
    path.write_text(text, "utf-8")
    return settings.replace(sites_file=path)


@pytest.mark.parametrize("text, problem", [
    ('[sites."../etc"]\nsource = "x"', "site name"),
    ("[sites.Versions]\n", "site name"),
    ("[sites.versions]\n", "site name"),
    ('[sites."a/b"]\n', "site name"),
    ("[sites.a]\nsorce = 'x'", "unknown key"),
    ("[sites.a]\nsource = 3", "list of non-empty strings"),
    ("[sites.a]\norigins = ['https://a.example/blog']", "no path or wildcard"),
    ("[sites.a]\norigins = ['*']", "no path or wildcard"),
    ("[sites.a]\norigins = ['javascript:alert(1)']", "no path or wildcard"),
    ("[sites.a]\nadmin_token = 5", "must be a string"),
    ("[sites.a]\nindex = 'same'\n[sites.b]\nindex = 'same'", "share the index"),
    ("sites = 1", "[sites.NAME]"),
    ("[other]\n", "[sites.NAME]"),
    ("[sites.a\n", "not valid TOML"),
    ("", "[sites.NAME]"),
])
def test_a_bad_sites_file_is_a_clear_error(tmp_path, settings, text, problem) -> None:
    with pytest.raises(ConfigError) as err:
        load_sites(_write(tmp_path, text, settings))
    assert problem in err.value.message


def test_a_missing_sites_file_is_a_clear_error(tmp_path, settings) -> None:
    with pytest.raises(ConfigError, match="cannot read the sites file"):
        load_sites(settings.replace(sites_file=tmp_path / "nope.toml"))


def test_site_defaults_and_relative_paths(tmp_path, settings) -> None:
    s = _write(tmp_path, "[sites.a]\n[sites.b]\nindex = 'idx/b'\ncorpus = '/abs/b'\n", settings)
    sites = load_sites(s)
    assert sites["a"].index == settings.index_dir / "a"
    assert sites["a"].corpus == settings.corpus_dir / "a"
    assert sites["b"].index == tmp_path / "idx" / "b" and sites["b"].corpus == Path("/abs/b")
    a = settings_for(s.replace(query_log=str(tmp_path / "q.jsonl"), admin_token="global",
                               reload_url="http://127.0.0.1:9/admin/reload"), "a")
    assert a.query_log == str(tmp_path / "q.a.jsonl")  # sites never share a query log
    assert a.admin_token == "global" and a.reload_url.endswith("/admin/reload?site=a")
    with pytest.raises(NotFound):
        settings_for(s, "c")
    with pytest.raises(ConfigError, match="--site NAME"):
        settings_for(s, None)
    with pytest.raises(ConfigError, match="needs a sites file"):
        settings_for(settings, "a")


def test_every_site_shares_the_one_onnx_export_the_service_serves_with(tmp_path,
                                                                        settings) -> None:
    s = _write(tmp_path, "[sites.a]\n[sites.b]\nindex = 'idx/b'\n", settings)
    shared = s.onnx_cache_dir()  # where the sites file's shared model looks
    assert settings_for(s, "a").onnx_cache_dir() == shared
    assert settings_for(s, "b").onnx_cache_dir() == shared  # not idx/b/onnx: one export
    assert settings_for(settings_for(s, "a"), "a").onnx_cache_dir() == shared
    own = tmp_path / "models"
    assert settings_for(s.replace(onnx_dir=own), "b").onnx_cache_dir() == own
