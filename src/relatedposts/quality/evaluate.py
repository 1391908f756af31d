"""Search quality: nDCG@k (graded), Recall@k and MRR@k over labeled queries, and dataset import."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from relatedposts.errors import BadRequest
from relatedposts.models import Article, Section
from relatedposts.urls import url_key

DATASET_BASE = "https://consumer-health.dataset/articles/"


@dataclass(frozen=True)
class Metrics:
    """Mean metrics over the evaluated queries."""

    ndcg: float
    recall: float
    mrr: float
    queries: int
    p50_ms: float = 0.0

    def as_row(self) -> dict[str, float]:
        """Return rounded figures for a table or JSON."""
        return {"ndcg@10": round(self.ndcg, 4), "recall@10": round(self.recall, 4),
                "mrr@10": round(self.mrr, 4), "queries": self.queries,
                "p50_ms": round(self.p50_ms, 2)}


def load_queries(path: Path) -> dict[str, str]:
    """Read a JSONL file of {"id", "text"} queries."""
    queries = {}
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            queries[str(row["id"])] = str(row["text"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequest(f"{path}:{n}: expected {{\"id\", \"text\"}} JSON ({exc})") from exc
    return queries


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Read a TSV of query id, document id (URL or slug), grade (0-3)."""
    qrels: dict[str, dict[str, int]] = {}
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        try:
            qid, doc, grade = parts[0], parts[-2], int(parts[-1])
        except (IndexError, ValueError) as exc:
            raise BadRequest(f"{path}:{n}: expected 'query<TAB>doc<TAB>grade'") from exc
        qrels.setdefault(qid, {})[doc] = grade
    return qrels


def doc_id(url: str, known: set[str]) -> str:
    """Map a result URL to the identifier the qrels use: the URL itself or its last segment."""
    if url in known:
        return url
    key = url_key(url)
    for candidate in (key, key.rsplit("/", 1)[-1]):
        if candidate in known:
            return candidate
    return key.rsplit("/", 1)[-1]


def ndcg_at(ranked: list[str], judged: dict[str, int], k: int) -> float:
    """Return nDCG@k with linear gains (trec_eval's definition)."""
    dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: list[str], judged: dict[str, int], k: int) -> float:
    """Return the share of relevant documents (grade > 0) found in the top k."""
    relevant = {d for d, g in judged.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at(ranked: list[str], judged: dict[str, int], k: int) -> float:
    """Return 1/rank of the first relevant document in the top k, else 0."""
    for i, d in enumerate(ranked[:k]):
        if judged.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def evaluate(search: Callable[[str], list[str]], queries: dict[str, str],
             qrels: dict[str, dict[str, int]], k: int = 10) -> Metrics:
    """Run every judged query through search (text -> ranked URLs) and average the metrics."""
    known = {d for judged in qrels.values() for d in judged}
    totals = [0.0, 0.0, 0.0]
    latencies = []
    evaluated = 0
    for qid, text in queries.items():
        judged = qrels.get(qid, {})
        if not any(g > 0 for g in judged.values()):
            continue  # a query with nothing relevant cannot be scored
        t0 = time.perf_counter()
        urls = search(text)
        latencies.append((time.perf_counter() - t0) * 1000)
        # Two result URLs can name one judged document (a page served under two addresses):
        # count it once, at its best rank, or nDCG can pass 1 (trec_eval counts docs once).
        ranked = list(dict.fromkeys(doc_id(u, known) for u in urls))
        totals[0] += ndcg_at(ranked, judged, k)
        totals[1] += recall_at(ranked, judged, k)
        totals[2] += mrr_at(ranked, judged, k)
        evaluated += 1
    if not evaluated:
        raise BadRequest("no query has a relevant (grade > 0) judgment: check the ids")
    latencies.sort()
    return Metrics(totals[0] / evaluated, totals[1] / evaluated, totals[2] / evaluated,
                   evaluated, latencies[len(latencies) // 2])


def import_jsonl(path: Path) -> list[Article]:
    """Turn a dataset's articles.jsonl ({id, title, sections[, source_url]}) into Articles."""
    articles = []
    for line in Path(path).read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        sections = tuple(Section("", s) for s in row.get("sections", []) if s.strip())
        # Ids, not source URLs: several dataset articles can come from one page.
        url = DATASET_BASE + str(row["id"])
        first = sections[0].text if sections else ""
        articles.append(Article(url=url, title=row["title"], sections=sections,
                                summary=first[:300]))
    return articles
