"""Content gaps: what patients search for that no article answers, grouped into topics.

A logged search is unanswered when it found nothing, or when no passage of the live index is
at least Settings.gap_min_similarity similar to it (the relevance floor), or
gap_unknown_word_similarity when it uses a word no article contains ("tailbone" on a blog that
never says it: the model then finds neighbours by the rest of the words, "pain when sitting").
It is judged against the index as it is now, so writing the missing article closes the gap.
Unanswered queries, each followed by the clinical terms of the vocabulary groups it uses, are
embedded and grouped by meaning (average-linkage agglomerative clustering on cosine distance,
cut at Settings.gap_cluster_distance); each topic is labelled by its most common words,
counted, illustrated by a few queries and paired with the nearest article and its strength.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from relatedposts.config import Settings
from relatedposts.indexing.embedders import Embedder
from relatedposts.indexing.index import IndexData
from relatedposts.indexing.keywords import Vocabulary
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


def _distinct(entries: list[dict[str, Any]]) -> tuple[Counter[str], set[str]]:
    """Count normalized queries; note those that ever found nothing."""
    counts: Counter[str] = Counter()
    empty: set[str] = set()
    for e in entries:
        query = " ".join(str(e.get("query", "")).lower().split())
        if not [w for w in words(query) if w not in PLACEHOLDERS]:
            continue  # blank, or nothing but scrubbed personal data
        counts[query] += 1
        if e.get("results") == 0:
            empty.add(query)
    return counts, empty


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


def _floor(query: str, data: IndexData, settings: Settings) -> float:
    """Return the similarity a search needs to count as answered."""
    known = data.keyword.bm25.vocab_dict
    unknown = [w for w in words(query)
               if len(w) >= 4 and w not in PLACEHOLDERS and not w.isdigit()
               and stems([w])[0] not in known]
    return settings.gap_unknown_word_similarity if unknown else settings.gap_min_similarity


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


def find_gaps(entries: list[dict[str, Any]], data: IndexData, embedder: Embedder,
              settings: Settings, min_count: int = 1) -> list[Gap]:
    """Group the logged searches the live index does not answer into topics, largest first."""
    counts, empty = _distinct(entries)
    if not counts:
        return []
    queries = list(counts)
    vectors = np.asarray(embedder.encode(queries), dtype=np.float32)
    best, _ = _best_passages(data, vectors)
    unanswered = [i for i, q in enumerate(queries)
                  if q in empty or best[i] < _floor(q, data, settings)]
    if not unanswered:
        return []
    # Cluster on the queries with their clinical terms added: "coccyx" and "tailbone" are one
    # topic to an editor, though the model puts them apart.
    vocab = Vocabulary.load(settings.vocabulary_file)
    vecs = np.asarray(embedder.encode([clinical(queries[i], vocab) for i in unanswered]),
                      dtype=np.float32)
    labels = _clusters(vecs, settings.gap_cluster_distance)
    gaps = []
    for label in np.unique(labels):
        members = [queries[unanswered[i]] for i in np.flatnonzero(labels == label)]
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
