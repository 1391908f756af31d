"""The core layer: settings from the environment, the settings table, URL keys, text analysis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from relatedposts.config import Settings
from relatedposts.errors import ConfigError
from relatedposts.models import Section
from relatedposts.settings_doc import describe_settings, markdown_table, readme_section
from relatedposts.text import article_document, stems, tfidf_matrix, top_terms, words
from relatedposts.urls import url_key
from tests.support import ROOT, make_article


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


@pytest.mark.parametrize("url, key", [
    ("https://clinic.example/blog/sciatica/", "clinic.example/blog/sciatica"),
    ("http://www.Clinic.Example/blog/sciatica", "clinic.example/blog/sciatica"),
    ("  https://clinic.example/blog/sciatica/?utm=x#top ", "clinic.example/blog/sciatica"),
    ("https://clinic.example/blog/index.html", "clinic.example/blog"),
    ("https://clinic.example/blog/index.htm", "clinic.example/blog"),
    ("https://clinic.example:443/a", "clinic.example/a"),
    ("https://clinic.example:8443/a", "clinic.example:8443/a"),
    ("https://clinic.example/Blog/Sciatica", "clinic.example/blog/sciatica"),
    ("/blog/sciatica/", "/blog/sciatica"),
    ("http://[::1", "invalid:http://[::1"),
    ("http://clinic.example:notaport/a", "invalid:http://clinic.example:notaport/a"),
    ("", ""),
])
def test_url_key(url: str, key: str) -> None:
    assert url_key(url) == key


def test_url_key_keeps_different_pages_apart() -> None:
    assert url_key("https://a.example/x") != url_key("https://b.example/x")
    assert url_key("https://a.example/x") != url_key("https://a.example/x/y")


def test_words_drop_stopwords_and_possessives_and_stems_share_roots() -> None:
    assert words("The patient’s Sciatica is hurting") == ["patient", "sciatica", "hurting"]
    assert stems(["stretching", "stretches", "stretched"]) == ["stretch"] * 3


def test_article_document_weighs_title_and_headings() -> None:
    article = make_article("x", "Disc", "Body words here.")
    article = type(article)(url=article.url, title="Disc",
                            sections=(Section("Heading", "body"),), tags=("tagged",))
    doc = article_document(article, 3)
    assert doc.split().count("Disc") == 3 and doc.split().count("Heading") == 2
    assert "tagged" in doc and "tagged" not in article_document(article, 3, tags=False)


def test_tfidf_rows_are_unit_length_and_rare_words_rank_first() -> None:
    texts = ["back pain sciatica", "sciatica posture", "back sleep pillow"]
    m = tfidf_matrix(texts)
    norms = np.asarray(m.multiply(m).sum(axis=1)).ravel()
    assert norms == pytest.approx([1.0, 1.0, 1.0])
    sims = (m @ m.T).toarray()
    assert sims[0, 1] > 0 and sims[1, 2] == 0  # similar only through shared words
    assert top_terms(["sciatica sciatica back", "back posture", "back sleep"], 2)[0][0] == \
        "sciatica"
