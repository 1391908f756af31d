"""Renamed settings: the old RELATEDPOSTS_<OLD> variable still sets the new field."""

from __future__ import annotations

import pytest

from relatedposts.config import FORMER_NAMES, Settings
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
