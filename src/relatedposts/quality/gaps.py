"""Content gaps: what patients search for that no article answers, grouped into topics.

A logged search is unanswered when search itself, asked again now, answers it with no article:
the live Searcher, with the live index, its spelling correction ("sciatia" is sciatica), its
vocabulary and its minimum relevance as served, finds none that answers (a weak page, the
closest few labelled as such, counts as none). So a gap is exactly what a patient would see
as no answer, and writing the missing article closes it. Only the query text as logged (the
scrubber's output) is used; these searches are not logged again. Unanswered queries, each
followed by the clinical terms of the vocabulary groups it uses, are embedded and grouped by
meaning (average-linkage agglomerative clustering on cosine distance, cut at
Settings.gap_cluster_distance); each topic is labelled by its most common words,
counted, illustrated by a few queries and paired with the nearest article and its strength.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from relatedposts.config import Settings
from relatedposts.indexing.index import IndexData
from relatedposts.indexing.keywords import Vocabulary
from relatedposts.search import Searcher
from relatedposts.text import counted, stems, words

# What the query log's scrubber leaves (logs/scrub.PLACEHOLDERS): never a topic.
PLACEHOLDERS = frozenset({"email", "phone", "date", "name", "address", "card", "id"})
EXAMPLES = 5
WEAK_MATCH = 0.35  # a nearest article below this similarity is "no real match"
GROUP_TERMS = 4  # vocabulary phrases added to an unanswered query before clustering


@dataclass(frozen=True)
class Gap:
    """One topic patients ask about that the blog does not answer."""

    label: str
    count: int
    queries: list[str]
    nearest_url: str | None
    nearest_title: str | None
    similarity: float
    match: str  # "weak match" or "no real match"

    def line(self) -> str:
        """Return the one-line summary an editor reads."""
        nearest = (f"nearest article: {self.nearest_title} ({self.match}, "
                   f"{self.similarity:.2f})" if self.nearest_title else "no article is near")
        return f"{counted(self.count, 'search', 'searches')} about {self.label}; {nearest}"


def _distinct(entries: list[dict[str, Any]]) -> Counter[str]:
    """Count the normalized logged queries (their scrubbed text)."""
    counts: Counter[str] = Counter()
    for e in entries:
        query = " ".join(str(e.get("query", "")).lower().split())
        if not [w for w in words(query) if w not in PLACEHOLDERS]:
            continue  # blank, or nothing but scrubbed personal data
        counts[query] += 1
    return counts


def unanswered(queries: list[str], searcher: Searcher) -> list[int]:
    """Return the positions of the queries search answers with no article (weak ones count)."""
    return [i for i, q in enumerate(queries) if not len(searcher.rank(q)[1])]


def _best_passages(data: IndexData, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return, per vector, the best passage similarity and that passage's article."""
    if data.faiss_index.ntotal == 0:
        return np.zeros(len(vectors), np.float32), np.full(len(vectors), -1)
    sims, ids = data.faiss_index.search(np.ascontiguousarray(vectors, dtype=np.float32), 1)
    owners = np.array([data.chunks[int(c)].article if c >= 0 else -1 for c in ids[:, 0]])
    return sims[:, 0], owners


def clinical(query: str, vocab: Vocabulary) -> str:
    """Return the query followed by the first terms of each vocabulary group it uses."""
    qstems = " " + " ".join(stems(words(query))) + " "
    terms: list[str] = []
    for group in vocab.groups:
        # A phrase that loses words to the stopword list ("pain all over") would match any
        # query saying "pain": only whole phrases count.
        keys = [" " + " ".join(stems(words(p))) + " " for p in group
                if len(words(p)) == len(p.split())]
        if any(k.strip() and k in qstems for k in keys):
            terms.extend(group[:GROUP_TERMS])
    return f"{query} ({', '.join(dict.fromkeys(terms))})" if terms else query


def _clusters(vectors: np.ndarray, distance: float) -> np.ndarray:
    """Return a cluster label per vector (average linkage, cosine distance cut)."""
    if len(vectors) == 1:
        return np.ones(1, dtype=int)
    tree = linkage(vectors.astype(np.float64), method="average", metric="cosine")
    return fcluster(tree, t=distance, criterion="distance")


def _label(queries: list[str], counts: Counter[str]) -> str:
    """Name a topic by the words most of its searches use."""
    tally: Counter[str] = Counter()
    for q in queries:
        for w in dict.fromkeys(words(q)):
            if w not in PLACEHOLDERS and not w.isdigit():
                tally[w] += counts[q]
    return " ".join(w for w, _ in tally.most_common(3)) or queries[0]


def find_gaps(entries: list[dict[str, Any]], searcher: Searcher, settings: Settings,
              min_count: int = 1) -> list[Gap]:
    """Group the logged searches the live search answers with nothing into topics, largest
    first."""
    counts = _distinct(entries)
    queries = list(counts)
    missed = unanswered(queries, searcher)
    if not missed:
        return []
    # Cluster on the queries with their clinical terms added: "coccyx" and "tailbone" are one
    # topic to an editor, though the model puts them apart.
    data, embedder = searcher.data, searcher.embedder
    vocab = Vocabulary.load(settings.vocabulary_file)
    vecs = np.asarray(embedder.encode([clinical(queries[i], vocab) for i in missed]),
                      dtype=np.float32)
    labels = _clusters(vecs, settings.gap_cluster_distance)
    gaps = []
    for label in np.unique(labels):
        members = [queries[missed[i]] for i in np.flatnonzero(labels == label)]
        total = sum(counts[q] for q in members)
        if total < min_count:
            continue
        gaps.append(_gap(members, counts, vecs[labels == label], data))
    return sorted(gaps, key=lambda g: (-g.count, g.label))


def _gap(members: list[str], counts: Counter[str], vecs: np.ndarray, data: IndexData) -> Gap:
    """Describe one topic: label, count, examples and the nearest article."""
    members.sort(key=lambda q: (-counts[q], q))
    centroid = vecs.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
    sims, owners = _best_passages(data, centroid.reshape(1, -1))
    sim, owner = float(sims[0]), int(owners[0])
    article = data.articles[owner] if owner >= 0 else None
    return Gap(label=_label(members, counts), count=sum(counts[q] for q in members),
               queries=members[:EXAMPLES], nearest_url=article.url if article else None,
               nearest_title=article.title if article else None, similarity=round(sim, 3),
               match="weak match" if sim >= WEAK_MATCH else "no real match")
