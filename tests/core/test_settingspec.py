"""How a setting is declared and read (settingspec.py): choices and ranges checked whenever
Settings is made (start-up), and renamed settings whose old RELATEDPOSTS_<OLD> variable still
sets the new field.
"""

from __future__ import annotations

from dataclasses import fields

import pytest

from relatedposts.config import FORMER_NAMES, Settings, allowed
from relatedposts.errors import ConfigError
from relatedposts.settings_doc import describe_settings

RENAMED = {"user_agent": "fetch_user_agent", "max_page_bytes": "fetch_max_page_bytes",
           "max_retries": "retry_max", "max_sitemap_urls": "sitemap_max_urls",
           "max_sitemap_files": "sitemap_max_files", "max_sitemap_depth": "sitemap_max_depth"}


def test_the_alias_table_lists_every_rename() -> None:
    assert FORMER_NAMES == RENAMED


def test_an_old_variable_sets_the_new_field() -> None:
    settings = Settings.from_env({"RELATEDPOSTS_MAX_RETRIES": "7",
                                  "RELATEDPOSTS_MAX_PAGE_BYTES": "1234",
                                  "RELATEDPOSTS_MAX_SITEMAP_DEPTH": "1",
                                  "RELATEDPOSTS_USER_AGENT": "old-agent/1"})
    assert settings.retry_max == 7
    assert settings.fetch_max_page_bytes == 1234
    assert settings.sitemap_max_depth == 1
    assert settings.fetch_user_agent == "old-agent/1"


def test_the_new_variable_wins_over_the_old() -> None:
    settings = Settings.from_env({"RELATEDPOSTS_MAX_RETRIES": "7",
                                  "RELATEDPOSTS_RETRY_MAX": "2"})
    assert settings.retry_max == 2


def test_a_bad_old_variable_is_reported_by_its_own_name() -> None:
    with pytest.raises(ConfigError, match="RELATEDPOSTS_MAX_SITEMAP_URLS='many'"):
        Settings.from_env({"RELATEDPOSTS_MAX_SITEMAP_URLS": "many"})


def test_the_help_names_the_former_variable() -> None:
    docs = {d.name: d for d in describe_settings()}
    for old, new in RENAMED.items():
        assert f"(formerly RELATEDPOSTS_{old.upper()})" in docs[new].help
        assert old not in docs  # no setting is listed twice



def test_every_default_is_allowed_and_most_settings_are_limited() -> None:
    Settings()  # raises if a default broke its own rule
    limited = [f.name for f in fields(Settings) if allowed(f)]
    assert {"fusion", "embedder", "aggregation", "dense_weight", "fetch_timeout"} <= set(limited)


@pytest.mark.parametrize(("name", "bad", "good"), [
    ("fusion", "wieghted", "rrf"),
    ("embedder", "torch", "fake"),
    ("aggregation", "mean", "max"),
    ("dense_weight", "1.5", "1"),
    ("related_mmr_lambda", "-0.1", "0"),
    ("fetch_timeout", "0", "0.5"),  # gt: zero would never wait for a byte
    ("max_limit", "0", "1"),
    ("crawl_concurrency", "0", "1"),
    ("clinic_primary_color", "red", "#1f5f8b"),  # pattern: a hex colour, matched whole
    ("clinic_primary_color", "#1f5f8b;}body{x", "#15B"),
])
def test_a_value_outside_its_choices_or_range_names_the_variable(name, bad, good) -> None:
    var = f"RELATEDPOSTS_{name.upper()}"
    with pytest.raises(ConfigError, match=f"{var}=.*is not allowed"):
        Settings.from_env({var: bad})
    Settings.from_env({var: good})  # the boundary itself is accepted


def test_keyword_settings_are_checked_too() -> None:
    with pytest.raises(ConfigError, match="one of `weighted`, `rrf`, `dense`, `bm25`"):
        Settings().replace(fusion="bm-25")


def test_a_command_refuses_a_bad_setting_before_doing_anything(runner, settings) -> None:
    result = runner("build", RELATEDPOSTS_DENSE_WEIGHT="2", catch_exceptions=True)
    assert result.exit_code != 0
    assert "RELATEDPOSTS_DENSE_WEIGHT=2.0 is not allowed: ≥ 0 and ≤ 1" in result.output
    assert not (settings.index_dir / "CURRENT").exists()


def test_a_pattern_is_described_in_words() -> None:
    [color] = [f for f in fields(Settings) if f.name == "clinic_primary_color"]
    assert allowed(color) == "a hex colour (`#1f5f8b` or `#15b`)"
    assert Settings.from_env({"RELATEDPOSTS_CLINIC_NAME": "Summit Spine"}).clinic_name == \
        "Summit Spine"
