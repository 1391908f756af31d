"""Every setting's choices and range are checked whenever Settings is made (start-up)."""

from __future__ import annotations

from dataclasses import fields

import pytest

from relatedposts.config import Settings, allowed
from relatedposts.errors import ConfigError


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
