"""Settings from the environment: each type converted, bad values named, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from relatedposts.config import Settings
from relatedposts.errors import ConfigError
from tests.support import ROOT


@pytest.mark.parametrize("name, raw, expected", [
    ("max_limit", "20", 20),
    ("max_limit", " 7 ", 7),
    ("dense_weight", "0.5", 0.5),
    ("fusion", "rrf", "rrf"),
    ("typo_correction", "1", True),
    ("typo_correction", "TRUE", True),
    ("typo_correction", "yes", True),
    ("typo_correction", "on", True),
    ("typo_correction", "0", False),
    ("typo_correction", "false", False),
    ("typo_correction", "Off", False),
    ("typo_correction", "", False),
    ("cors_origins", "https://a.example, https://b.example  https://c.example",
     ("https://a.example", "https://b.example", "https://c.example")),
    ("cors_origins", "", ()),
    ("site", "corpus/site https://blog.example/sitemap.xml",
     ("corpus/site", "https://blog.example/sitemap.xml")),
    ("index_dir", "/srv/idx", Path("/srv/idx")),
    ("vocabulary_file", "", None),
    ("vocabulary_file", "extra.tsv", Path("extra.tsv")),
    ("log_file", "", None),
    ("log_file", "logs/r.log", Path("logs/r.log")),
])
def test_from_env_converts_each_type(name: str, raw: str, expected: object) -> None:
    settings = Settings.from_env({f"RELATEDPOSTS_{name.upper()}": raw})
    assert getattr(settings, name) == expected
    assert type(getattr(settings, name)) is type(expected)


@pytest.mark.parametrize("name, raw", [("max_limit", "ten"), ("max_limit", "2.5"),
                                       ("dense_weight", "high"), ("typo_correction", "maybe"),
                                       ("rrf_k", "")])
def test_from_env_names_the_variable_it_cannot_read(name: str, raw: str) -> None:
    variable = f"RELATEDPOSTS_{name.upper()}"
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env({variable: raw})


def test_from_env_keyword_overrides_win_and_none_is_ignored() -> None:
    env = {"RELATEDPOSTS_FUSION": "rrf", "RELATEDPOSTS_MAX_LIMIT": "9"}
    settings = Settings.from_env(env, fusion="bm25", max_limit=None)
    assert (settings.fusion, settings.max_limit) == ("bm25", 9)
    assert Settings.from_env({}) == Settings()  # nothing set: the declared defaults


def test_to_env_makes_the_same_settings_again(tmp_path) -> None:
    settings = Settings(index_dir=tmp_path, embedder="fake", site=("a/b", "https://c.example/"),
                        onnx_dir=None, log_file=None, typo_correction=False, dense_weight=0.1)
    env = settings.to_env()
    assert env["RELATEDPOSTS_LOG_FILE"] == "" and env["RELATEDPOSTS_TYPO_CORRECTION"] == "0"
    assert Settings.from_env(env) == settings
    assert Settings.from_env(Settings().to_env()) == Settings()


def test_the_defaults_are_onnx_and_a_bounded_cache() -> None:
    settings = Settings.from_env({})
    assert settings.embedder == "onnx"
    assert settings.query_cache_bytes > 0
    assert settings.onnx_cache_dir() == settings.index_dir / "onnx"
    assert Settings(onnx_dir=ROOT / "x").onnx_cache_dir() == ROOT / "x"
