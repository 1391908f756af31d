"""The sample blog as a benchmark corpus: scrape, build (timed), rebuild, query sets."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from benchkit.cli import ROOT, build_figures, run_build, run_cli
from relatedposts.indexing import index as idx
from relatedposts.indexing.versions import current_version

__all__ = ["ROOT"]


def build_sample(work: Path, env: dict[str, str]) -> dict[str, object]:
    """Scrape the sample blog into work/ and build its index from scratch, timed."""
    scrape_s, _ = run_cli(["scrape", "corpus/site"], env)
    build_s, built = run_build(env)
    result = {"scrape_s": round(scrape_s, 2), "build_s": round(build_s, 2),
              **build_figures(built)}
    version = current_version(Path(env["RELATEDPOSTS_INDEX_DIR"]))
    result["index_bytes"] = sum(f.stat().st_size for f in version.rglob("*") if f.is_file())
    result["version_dir"] = str(version)
    return result


def rebuild_one_changed(env: dict[str, str]) -> dict[str, object] | None:
    """Change one article's text and rebuild; None when the build has no embedding cache."""
    try:
        import relatedposts.indexing.embcache  # noqa: F401 - only asks whether rebuilds reuse vectors
    except ImportError:
        return None
    records = sorted(Path(env["RELATEDPOSTS_CORPUS_DIR"]).glob("*.json"))
    record = json.loads(records[0].read_text("utf-8"))
    record["sections"][-1]["text"] += " Benchmark edit: one more sentence about posture."
    records[0].write_text(json.dumps(record), "utf-8")
    seconds, built = run_build(env)
    return {"build_s": round(seconds, 2), **build_figures(built)}


def chunk_texts(version_dir: Path) -> list[str]:
    """Return the texts the build embedded for each chunk of an index version."""
    data = idx.load(version_dir)
    return [c.embed_text(data.articles[c.article].title) for c in data.chunks]


def article_urls(version_dir: Path) -> list[str]:
    """Return every article URL of an index version."""
    with open(version_dir / "articles.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["url"] for line in f]


def passages(version_dir: Path) -> list[str]:
    """Return the text of every chunk of an index version."""
    with open(version_dir / "chunks.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def unique_queries(version_dir: Path, n: int, seed: int = 1) -> list[str]:
    """Make n distinct patient-like queries: 3-7 word windows of the blog's sentences."""
    texts = passages(version_dir)
    sentence_words = [s.split() for t in texts for s in re.split(r"(?<=[.!?])\s+", t)]
    sentence_words = [w for w in sentence_words if len(w) >= 4]
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < n:
        words = rng.choice(sentence_words)
        size = rng.randint(3, min(7, len(words)))
        start = rng.randint(0, len(words) - size)
        query = re.sub(r"[^\w' -]", "", " ".join(words[start:start + size])).lower().strip()
        if query and query not in out:
            out[query] = None
        elif len(out) > n // 2:  # windows ran short of distinct ones: number the rest
            out[f"{query} {len(out)}"] = None
    return list(out)


REPEATED = ["sciatica leg pain", "neck pain from sitting at a desk", "sleeping positions",
            "how do I lift boxes without hurting my back", "back spasms", "herniated disc",
            "spinal stenosis walking", "physical therapy exercises", "posture at work",
            "when to see a doctor for back pain"]
