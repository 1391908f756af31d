"""The pieces of a publish that follow one article through the stored state (related_state.py).

Under frozen statistics an article's views, and so its similarity to any other, never change
when others come or go. So a publish: carries every neighbour list over, recomputes the lists
of the new articles and of those that lost a neighbour, and puts a new article into the other
lists it now beats the last entry of (one row product per new article, not all pairs). The
same text at two URLs is found by comparing a new article with its own candidates and with
every body hash; groups that lost a member are regrouped among the rest.
"""

from __future__ import annotations

import bisect
import hashlib

import faiss
import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from relatedposts.indexing.duplicates import find_duplicates, jaccard, shingles
from relatedposts.indexing.related_candidates import Neighbours, lexical_block, lexical_scored
from relatedposts.indexing.related_similarity import Similarity
from relatedposts.models import Article


def carry_neighbours(old: Neighbours, remap: np.ndarray, similarity: Similarity,
                     touched: list[int], k: int) -> tuple[Neighbours, set[int], set[int]]:
    """Return the neighbour lists after a publish, the rows whose lists were recomputed
    (new, or a neighbour left) and the other rows a new article entered."""
    n = len(similarity.dense)
    width = min(k + 1, n)
    (d_ids, d_sims, lost_d), (l_ids, l_scores, lost_l) = (
        _carry(ids, vals, remap, n, width) for ids, vals in
        ((old.dense_ids, old.dense_sims), (old.lex_ids, old.lex_scores)))
    redo = sorted(lost_d | lost_l | set(touched))
    if redo:
        flat = faiss.IndexFlatIP(similarity.dense.shape[1])
        flat.add(similarity.dense)
        sims, ids = flat.search(similarity.dense[redo], width)
        d_ids[redo], d_sims[redo] = ids, sims
        scores, lex = lexical_scored(similarity, k + 1, np.array(redo))
        l_ids[redo], l_scores[redo] = lex, scores
    others = np.ones(n, bool)
    others[redo] = False
    changed: set[int] = set()
    if touched:
        dense_x = similarity.dense @ similarity.dense[touched].T
        lex_x = lexical_block(similarity, np.array(touched)).T  # the score is symmetric
        for c, x in enumerate(touched):
            changed |= _merge(d_ids, d_sims, x, dense_x[:, c], others, False)
            changed |= _merge(l_ids, l_scores, x, lex_x[:, c], others, True)
    return Neighbours(d_ids, d_sims, l_ids, l_scores), set(redo), changed


def _carry(ids: np.ndarray, vals: np.ndarray, remap: np.ndarray, n: int,
           width: int) -> tuple[np.ndarray, np.ndarray, set[int]]:
    """Move old lists to the new positions; return them and the rows that lost an entry."""
    out_ids, out_vals = np.full((n, width), -1, np.int32), np.zeros((n, width), np.float32)
    mapped = np.where(ids >= 0, remap[np.maximum(ids, 0)], -1)
    lost = ((ids >= 0) & (mapped < 0)).any(axis=1)
    kept = remap >= 0
    w = min(width, ids.shape[1])
    out_ids[remap[kept], :w], out_vals[remap[kept], :w] = mapped[kept, :w], vals[kept, :w]
    return out_ids, out_vals, set(remap[kept & lost].tolist())


def _merge(ids: np.ndarray, vals: np.ndarray, x: int, score: np.ndarray, others: np.ndarray,
           positive: bool) -> set[int]:
    """Put x into every row of others whose list it now belongs in; return those rows."""
    full = ids[:, -1] >= 0
    worst = np.where(full, vals[:, -1], -np.inf)
    enters = others & (score > worst) & ((score > 0) if positive else True)
    rows = np.flatnonzero(enters).tolist()
    for i in rows:
        keep = ids[i] >= 0
        row_ids, row_vals = ids[i][keep].tolist(), vals[i][keep].tolist()
        at = bisect.bisect_right([-v for v in row_vals], -float(score[i]))  # after equal ones
        row_ids.insert(at, x)
        row_vals.insert(at, float(score[i]))
        width = ids.shape[1]
        ids[i], vals[i] = -1, 0.0
        ids[i, :min(width, len(row_ids))] = row_ids[:width]
        vals[i, :min(width, len(row_vals))] = row_vals[:width]
    return set(rows)


def carry_groups(articles: list[Article], old: list[list[int]], remap: np.ndarray,
                 touched: list[int], pools: dict[int, list[int]],
                 threshold: float) -> list[set[int]]:
    """Return the copy groups after a publish (duplicates.py's rule, pairs the publish adds)."""
    edges: list[tuple[int, int]] = []
    for g in old:
        members = sorted(int(remap[j]) for j in g if remap[j] >= 0)
        if len(members) == len(g):
            edges += [(members[0], j) for j in members[1:]]
        elif len(members) > 1:  # a member left: it may have joined the others
            all_pairs = [[b for b in range(len(members)) if b != a] for a in range(len(members))]
            sub = find_duplicates([articles[j] for j in members], all_pairs, threshold)
            edges += [(members[min(s)], members[j]) for s in sub for j in s]
    edges += _new_pairs(articles, touched, pools, threshold)
    n = len(articles)
    graph = sparse.coo_matrix((np.ones(len(edges), np.int8),
                               ([a for a, _ in edges], [b for _, b in edges])), shape=(n, n))
    count, labels = csgraph.connected_components(graph, directed=False)
    members_of: list[list[int]] = [[] for _ in range(count)]
    for i, label in enumerate(labels.tolist()):
        members_of[label].append(i)
    return sorted((set(m) for m in members_of if len(m) > 1), key=min)


def _new_pairs(articles: list[Article], touched: list[int], pools: dict[int, list[int]],
               threshold: float) -> list[tuple[int, int]]:
    """Return the copy pairs of new articles: the same body anywhere, or close shingles among
    the pairs a build compares (either one in the other's candidates)."""
    hashes = [_body_hash(a) for a in articles]
    pairs: list[tuple[int, int]] = []
    for x in touched:
        if not hashes[x]:
            continue
        near = set(pools[x]) | {i for i, pool in pools.items() if x in pool}
        mine = shingles(articles[x].body)
        for j in sorted(near - {x}):
            if hashes[j] == hashes[x] or jaccard(mine, shingles(articles[j].body)) >= threshold:
                pairs.append((x, j))
        pairs += [(x, j) for j, h in enumerate(hashes) if h == hashes[x] and j != x]
    return pairs


def _body_hash(article: Article) -> str:
    body = " ".join(article.body.lower().split())
    return hashlib.sha1(body.encode()).hexdigest() if body else ""
