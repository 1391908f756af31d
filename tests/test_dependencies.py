"""Issue 24: no reach into a dependency's private names unless pyproject.toml says why."""

from __future__ import annotations

import re
import tomllib

from tests.support import ROOT

SRC = ROOT / "src" / "relatedposts"
# private names still used, each with its library (pyproject.toml's comment explains why)
ALLOWED = {"_new_conn": "urllib3", "_dns_host": "urllib3", "_decomposed": "beautifulsoup4"}
FLASK_LIMITER_PRIVATE = re.compile(r"\blimiter\._\w+")


def test_flask_limiter_is_used_through_its_public_api_only() -> None:
    text = (SRC / "web" / "ratelimit.py").read_text("utf-8")
    assert not FLASK_LIMITER_PRIVATE.search(text)


def test_each_private_reach_is_capped_and_explained_in_pyproject() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    deps = tomllib.loads(pyproject)["project"]["dependencies"]
    for name, library in ALLOWED.items():
        assert name in pyproject, name  # the comment naming the reach
        [spec] = [d for d in deps if d.split(">")[0].split("<")[0] == library]
        assert "<" in spec, spec
    for library in ("waitress", "bm25s", "flask-limiter", "limits"):
        assert any(d.startswith(library + ">") and "<" in d for d in deps), library



def test_the_bs4_reach_still_sees_a_decomposed_tag() -> None:
    from bs4 import BeautifulSoup

    from relatedposts.ingest.blocks import gone

    soup = BeautifulSoup("<div><p>kept</p><p>dropped <b>x</b></p></div>", "lxml")
    kept, dropped = soup.find_all("p")
    inner = dropped.b
    dropped.decompose()
    assert not gone(kept) and gone(dropped) and gone(inner)
