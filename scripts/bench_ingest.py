"""Publish-to-live time of one article on a 5,000-article synthetic site (fake embedder).

Usage:  python scripts/bench_ingest.py [--articles 5000] [--publishes 5] [--before SRC]

Builds a synthetic corpus once (random words over a spine vocabulary, fake embedder), serves
new article pages on 127.0.0.1, and times `publish_url` (fetch, embed the one article, update
the related lists it reaches, write, verify, make live) for a first (cold) publish, then warm
ones, and an unpublish. Then it measures the drift of the frozen corpus statistics: how many
lists differ from a full build of the same corpus after those publishes. With --before SRC
(a checkout's src/, e.g. `git archive dcd2c31 src | tar -x -C /tmp/before`), the same run is
first made with that code, for a before/after table. Writes the "ingest" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
if os.environ.get("BENCH_SRC"):  # the --before run: that code first on the path
    sys.path.insert(0, os.environ["BENCH_SRC"])

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
    parser.add_argument("--before", type=Path, help="src/ of the code to compare with")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON only")
    args = parser.parse_args()
    before = _before(args) if args.before else None
    rows, build_s, drift = run(args.articles, args.publishes, drift=not args.json)
    if args.json:
        print(json.dumps({"rows": rows, "build_s": build_s}))
        return
    headers = ["code", "call", "total s", "lists changed", "stages (s)"]
    table_rows = [["before", *r] for r in (before or {}).get("rows", [])]
    table_rows += [["after", *r] for r in rows]
    body = (f"`python scripts/bench_ingest.py --articles {args.articles} --publishes "
            f"{args.publishes}" + (" --before SRC" if before else "") + f"`: {args.articles} "
            f"synthetic articles (fake embedder, 2 shared cores), full build {build_s:.0f} s. "
            "One publish = fetch on loopback + embed the article + the related lists it "
            "reaches (\"lists changed\": posts or order differ) + BM25 re-index + FAISS add + "
            "write + gate + CURRENT. \"before\" recomputed every list from scratch; \"after\" "
            "keeps each version's related state and ranks again only the rows a publish "
            "reaches, under the corpus statistics of the last full build.\n\n"
            + table(headers, table_rows) + "\n\n" + drift)
    write_section(ROOT / "docs" / "benchmarks.md", "ingest", body)
    print(body)


def _before(args: argparse.Namespace) -> dict[str, object]:
    """Run this benchmark with the code in args.before and return its rows."""
    env = dict(os.environ, BENCH_SRC=str(args.before.resolve()))
    out = subprocess.run([sys.executable, __file__, "--articles", str(args.articles),
                          "--publishes", str(args.publishes), "--json"], env=env, check=True,
                         capture_output=True, text=True, timeout=1800).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(n: int, publishes: int, drift: bool) -> tuple[list[list[object]], float, str]:
    """Build n articles, publish `publishes` new ones and unpublish the first; return the
    rows, the build's seconds and the drift paragraph."""
    rng = random.Random(11)
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    rows = []
    with LocalSite() as site:
        settings = Settings(index_dir=tmp / "idx", corpus_dir=tmp / "corpus", embedder="fake",
                            site=(site.base + "/sitemap.xml",), log_file=None)
        t0 = time.perf_counter()
        build_index(synthetic(n, site.base, rng), FakeEmbedder(), settings)
        build_s = time.perf_counter() - t0
        for i in range(publishes):
            path = f"/blog/new-{i}/"
            words = " ".join(rng.choice(WORDS) for _ in range(150))
            site.pages[path] = Page(article_page(f"New post {i} on back pain", words,
                                                 site.base + path))
            rows.append(_timed(f"publish {i + 1}" + (" (cold)" if i == 0 else ""),
                               site.base + path, settings))
        report = _drift(settings, tmp / "full", publishes) if drift else ""
        rows.append(_timed("unpublish", site.base + "/blog/new-0/", settings, remove=True))
    return rows, build_s, report


def _drift(settings: Settings, full_dir: Path, publishes: int) -> str:
    """Compare the live lists with a full build of the same corpus; describe the difference."""
    from relatedposts.indexing import index as idx
    from relatedposts.indexing.versions import VersionStore

    live = idx.load(VersionStore(settings.index_dir).current())
    full_settings = settings.replace(index_dir=full_dir)
    build_index(live.articles, FakeEmbedder(), full_settings)
    full = idx.load(VersionStore(full_dir).current())
    shown = settings.related_limit
    top = int((live.related.ids[:, :shown] != full.related.ids[:, :shown]).any(axis=1).sum())
    whole = int((live.related.ids != full.related.ids).any(axis=1).sum())
    n = len(live.articles)
    return (f"Drift of the frozen statistics: after {publishes} publishes, {top} of {n} lists "
            f"differ from a full build's in their first {shown} posts (posts or order), "
            f"{whole} anywhere in their {live.related.ids.shape[1]} stored entries; the next "
            "full build (`relatedposts build`, the cron rebuild) restores equality.")


def _timed(label: str, url: str, settings: Settings, remove: bool = False) -> list[object]:
    """Publish (or remove) url and return its table row."""
    t0 = time.perf_counter()
    result = publish_url(url, settings, FakeEmbedder(), remove)
    total = time.perf_counter() - t0
    stages = ", ".join(f"{k} {v:.2f}" for k, v in result.seconds.items())
    return [label, round(total, 2), len(result.changed), stages]


if __name__ == "__main__":
    main()
