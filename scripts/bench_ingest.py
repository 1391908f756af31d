"""Publish-to-live time of one article on a 5,000-article synthetic site (fake embedder).

Usage:  python scripts/bench_ingest.py [--articles 5000] [--publishes 5]

Builds a synthetic corpus once (random words over a spine vocabulary, fake embedder), serves
new article pages on 127.0.0.1, and times `publish_url` (fetch, embed the one article, recompute
every related list, write, verify, make live) for a first (cold) publish, then warm ones, and an
unpublish. Writes the "ingest" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.localsite import LocalSite, Page, article_page  # noqa: E402

from relatedposts.config import Settings  # noqa: E402
from relatedposts.indexing.build import build_index  # noqa: E402
from relatedposts.indexing.embedders import FakeEmbedder  # noqa: E402
from relatedposts.indexing.ingest_one import publish_url  # noqa: E402
from relatedposts.models import Article, Section  # noqa: E402
from relatedposts.quality.benchdoc import table, write_section  # noqa: E402

WORDS = [f"term{i}" for i in range(3000)] + ["spine", "back", "pain", "sciatica", "neck",
                                             "posture", "disc", "nerve", "leg", "sleep"]


def synthetic(n: int, base: str, rng: random.Random) -> list[Article]:
    """Make n articles of three 120-word sections each."""
    def text(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k)) + "."
    return [Article(url=f"{base}/blog/post-{i:05d}/", title=text(6),
                    sections=tuple(Section(f"Part {j}", text(120)) for j in range(3)),
                    date=f"20{rng.randint(15, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                    summary=text(20), tags=(rng.choice(WORDS),)) for i in range(n)]


def main() -> None:
    """Build, publish, measure, write the section."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--publishes", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(11)
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    rows = []
    with LocalSite() as site:
        settings = Settings(index_dir=tmp / "idx", corpus_dir=tmp / "corpus", embedder="fake",
                            site=(site.base + "/sitemap.xml",), log_file=None)
        t0 = time.perf_counter()
        build_index(synthetic(args.articles, site.base, rng), FakeEmbedder(), settings)
        build_s = time.perf_counter() - t0
        for i in range(args.publishes):
            path = f"/blog/new-{i}/"
            words = " ".join(rng.choice(WORDS) for _ in range(150))
            site.pages[path] = Page(article_page(f"New post {i} on back pain", words,
                                                 site.base + path))
            rows.append(_timed(f"publish {i + 1}" + (" (cold)" if i == 0 else ""),
                               site.base + path, settings))
        rows.append(_timed("unpublish", site.base + "/blog/new-0/", settings, remove=True))
    headers = ["call", "total s", "lists changed", "stages (s)"]
    body = (f"`python scripts/bench_ingest.py --articles {args.articles} --publishes "
            f"{args.publishes}`: {args.articles} synthetic articles (fake embedder, 2 shared "
            f"cores), full build {build_s:.0f} s. One publish = fetch on loopback + embed the "
            "article + every related list (the in-degree cap couples them; \"lists changed\": "
            "posts or order differ) + BM25/FAISS re-assembly + write + gate + CURRENT.\n\n"
            + table(headers, rows))
    write_section(ROOT / "docs" / "benchmarks.md", "ingest", body)
    print(body)


def _timed(label: str, url: str, settings: Settings, remove: bool = False) -> list[object]:
    """Publish (or remove) url and return its table row."""
    t0 = time.perf_counter()
    result = publish_url(url, settings, FakeEmbedder(), remove)
    total = time.perf_counter() - t0
    stages = ", ".join(f"{k} {v:.2f}" for k, v in result.seconds.items())
    return [label, f"{total:.2f}", len(result.changed), stages]


if __name__ == "__main__":
    main()
