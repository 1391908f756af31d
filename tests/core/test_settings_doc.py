"""The settings table: every setting has help, the README table is current."""

from __future__ import annotations

from relatedposts.config import Settings
from relatedposts.settings_doc import describe_settings, markdown_table, readme_section
from tests.support import ROOT


def test_every_setting_has_help_and_the_readme_table_is_current() -> None:
    docs = describe_settings()
    assert [d.name for d in docs] == list(Settings.__dataclass_fields__)
    assert all(d.help and d.env == "RELATEDPOSTS_" + d.name.upper() for d in docs), \
        [d.name for d in docs if not d.help]
    readme = (ROOT / "README.md").read_text("utf-8")
    assert readme_section(readme) == markdown_table(), \
        "README settings table is stale: run `relatedposts settings --write-readme README.md`"


def test_settings_table_spells_defaults_as_the_environment_would() -> None:
    by_name = {d.name: d for d in describe_settings()}
    assert by_name["typo_correction"].default == "true"
    assert by_name["cors_origins"].default == ""
    assert by_name["site"].default == "corpus/site"
    assert by_name["max_limit"].default == "50"
    for d in describe_settings():  # and reading them back gives the defaults again
        if d.default:
            assert getattr(Settings.from_env({d.env: d.default}), d.name) == \
                getattr(Settings(), d.name), d.name


def test_every_setting_belongs_to_one_component_and_the_table_reads_by_component() -> None:
    from relatedposts.settings_doc import components, describe_settings, markdown_table

    where = components()
    docs = describe_settings()
    assert all(d.component for d in docs) and len(where) == len(docs)
    assert where["fetch_timeout"] == where["retry_max"] == "How pages are fetched and crawled"
    assert where["fusion"] != where["related_limit"]
    table = markdown_table()
    # Each component heads its rows once, and its settings follow it, not another's.
    heads = [line for line in table.splitlines() if line.startswith("| **")]
    assert len(heads) == len(set(heads)) == len(set(where.values()))
    crawl = table.index("| **How pages are fetched and crawled**")
    assert crawl < table.index("RELATEDPOSTS_FETCH_TIMEOUT") < table.index("| **", crawl + 5)
