"""The sample blog as a benchmark corpus: scrape, build (timed), rebuild, query sets."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

from relatedposts.indexing import index as idx
from relatedposts.indexing.versions import current_version

ROOT = Path(__file__).resolve().parents[2]


def cli(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run `relatedposts ARGS` with env added; return (seconds, stdout) or raise with output."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "relatedposts", *args], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"relatedposts {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return time.perf_counter() - t0, proc.stdout


def parse_build(out: str) -> dict[str, object]:
    """Pull counts and stage times out of `relatedposts build` output."""
    found: dict[str, object] = {"output": out.strip().splitlines()[0] if out.strip() else ""}
    m = re.search(r"(\d+) articles, (\d+) chunks", out)
    if m:
        found["articles"], found["chunks"] = int(m.group(1)), int(m.group(2))
    for stage, secs in re.findall(r"(\w+) ([\d.]+)s[,)]", out):
        found[f"{stage}_s"] = float(secs)
    m = re.search(r"(\d+) chunks embedded, (\d+) reused", out)
    if m:
        found["embedded"], found["reused"] = int(m.group(1)), int(m.group(2))
    return found


def build_sample(work: Path, env: dict[str, str]) -> dict[str, object]:
    """Scrape the sample blog into work/ and build its index from scratch, timed."""
    scrape_s, _ = cli(["scrape", "corpus/site"], env)
    build_s, out = cli(["build"], env)
    result = {"scrape_s": round(scrape_s, 2), "build_s": round(build_s, 2), **parse_build(out)}
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
    seconds, out = cli(["build"], env)
    return {"build_s": round(seconds, 2), **parse_build(out)}


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
