"""Our extractor vs trafilatura on both sample sites, scored against the sites' source text.

For each site: article pages kept, non-article pages refused, exact titles, exact dates,
and body-text F1 (bag of lowercase words, headings included) against the text each page
was rendered from (corpus/src/*.md for corpus/site, corpus/tools/clinic2_posts.txt for
corpus/clinic2). trafilatura is an optional package: `pip install trafilatura
lxml_html_clean`.

    PYTHONPATH=src python scripts/bench_extractors.py
"""

from __future__ import annotations

import importlib.util
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from relatedposts.errors import ExtractError
from relatedposts.ingest.charset import decode_html
from relatedposts.ingest.extract import extract

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class Truth:
    """What a page was rendered from."""

    title: str
    date: str
    text: str


@dataclass(frozen=True)
class Guess:
    """What an extractor found (None: it refused the page)."""

    title: str
    date: str | None
    text: str


def _tool(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "corpus" / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def site1() -> tuple[dict[Path, Truth], list[Path]]:
    """Return (article page -> truth, non-article pages) for corpus/site."""
    tool, site = _tool("render_site"), ROOT / "corpus" / "site"
    truths = {}
    for post in tool.load_posts(ROOT / "corpus" / "src"):
        text = " ".join(b[1] if isinstance(b[1], str) else " ".join(b[1]) for b in post.blocks)
        truths[site / "blog" / post.slug / "index.html"] = Truth(
            post.title, post.date, re.sub(r"\[([^\]]*)\]\([^)]*\)|[*_`]", r"\1", text))
    others = [site / "index.html", *sorted((site / "category").glob("*/index.html"))]
    return truths, others


def site2() -> tuple[dict[Path, Truth], list[Path]]:
    """Return (article page -> truth, non-article pages) for corpus/clinic2."""
    tool, site = _tool("render_clinic2"), ROOT / "corpus" / "clinic2"
    truths = {site / p.path.lstrip("/"): Truth(p.title, p.date, " ".join(
        ln.lstrip("#?=|- ").replace("|", " ") for ln in p.lines))
        for p in tool.load(ROOT / "corpus" / "tools" / "clinic2_posts.txt")}
    others = [p for p in sorted(site.rglob("*.html")) if p not in truths]
    return truths, others


def ours(html: bytes, url: str) -> Guess | None:
    """Run our extractor."""
    try:
        a = extract(decode_html(html)[0], url)
    except ExtractError:
        return None
    return Guess(a.title, a.date, " ".join(f"{s.heading} {s.text}" for s in a.sections))


def trafilatura_guess(html: bytes, url: str) -> Guess | None:
    """Run trafilatura's main-content and metadata extraction (tables included)."""
    import trafilatura

    doc = trafilatura.bare_extraction(decode_html(html)[0], url=url, with_metadata=True,
                                      include_tables=True)
    if doc is None or isinstance(doc, dict) or not (doc.text or "").strip():
        return None
    return Guess(doc.title or "", doc.date, doc.text or "")


def f1(truth: str, guess: str) -> float:
    """Return the bag-of-words F1 of guess against truth."""
    t, g = Counter(WORD.findall(truth.lower())), Counter(WORD.findall(guess.lower()))
    common = sum((t & g).values())
    if not common:
        return 0.0
    p, r = common / sum(g.values()), common / sum(t.values())
    return 2 * p * r / (p + r)


def score(name: str, fn: Callable[[bytes, str], Guess | None],
          truths: dict[Path, Truth], others: list[Path]) -> dict[str, float | str]:
    """Score one extractor on one site."""
    start, kept, titles, dates, f1s = time.perf_counter(), 0, 0, 0, []
    for path, truth in truths.items():
        guess = fn(path.read_bytes(), path.as_uri())
        if guess is None:
            f1s.append(0.0)
            continue
        kept += 1
        titles += " ".join(guess.title.split()).casefold() == truth.title.casefold()
        dates += guess.date == truth.date
        f1s.append(f1(truth.text, guess.text))
    refused = sum(fn(p.read_bytes(), p.as_uri()) is None for p in others)
    pages = len(truths) + len(others)
    return {"extractor": name, "kept": f"{kept}/{len(truths)}",
            "refused": f"{refused}/{len(others)}", "titles": f"{titles}/{len(truths)}",
            "dates": f"{dates}/{len(truths)}", "f1": sum(f1s) / len(f1s),
            "ms": 1000 * (time.perf_counter() - start) / pages}


def main() -> None:
    extractors: list[tuple[str, Callable[[bytes, str], Guess | None]]] = [("ours", ours)]
    if importlib.util.find_spec("trafilatura"):
        extractors.append(("trafilatura", trafilatura_guess))
    print("| site | extractor | articles kept | non-articles refused | exact titles | "
          "exact dates | body F1 | ms/page |")
    print("|---|---|---|---|---|---|---|---|")
    for site, (truths, others) in (("corpus/site", site1()), ("corpus/clinic2", site2())):
        for name, fn in extractors:
            r = score(name, fn, truths, others)
            print(f"| {site} | {r['extractor']} | {r['kept']} | {r['refused']} | "
                  f"{r['titles']} | {r['dates']} | {r['f1']:.3f} | {r['ms']:.0f} |")


if __name__ == "__main__":
    main()
