"""Can one related-list similarity beat the baseline on dev *and* reach P@5 0.732 on the hand
labels? The frontier of every view and re-ranking we tried, on all three label sets (issue 22).

Usage:  python scripts/bench_related_frontier.py --dev-index DIR --site-index DIR
                                                 --clinic2-index DIR [--write]

Every view is computed by the project's own `Similarity` (indexing/related_similarity.py)
from each index's stored vectors and texts; each candidate similarity is a matrix over all
pairs, ranked by the same steps as `compute_related` at the shipped settings (60 candidates,
λ 1, depth 20, the in-degree cap `cap_in_degree`, top 5), with no editors' pins. The defaults
row is checked against `compute_related` itself. Weights are chosen on the dev-derived
labels; the best hand-label P@5 reachable under the dev constraint (nDCG@5 ≥ 1.05 × the
mean-vector baseline) is reported, not used to choose anything.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from relatedposts.config import Settings  # noqa: E402
from relatedposts.indexing import index as idx  # noqa: E402
from relatedposts.indexing.related_diversity import cap_in_degree  # noqa: E402
from relatedposts.indexing.related_passages import Passages  # noqa: E402
from relatedposts.indexing.related_similarity import Similarity  # noqa: E402
from relatedposts.indexing.versions import current_version  # noqa: E402
from relatedposts.quality.benchdoc import table, write_section  # noqa: E402
from relatedposts.quality.evaluate import ndcg_at  # noqa: E402
from relatedposts.quality.related_eval import slug  # noqa: E402
from relatedposts.quality.related_labels import load_graded  # noqa: E402

DEFAULT = {"centred": 0.5, "cpassage": 0.5, "title": 0.55, "bm25": 0.7, "tags": 0.25}
# Vector views as (plain article, plain passages, centred article, centred passages).
VECTORS = ["dense", "passage", "centred", "cpassage"]
GRID = {"vectors": [(0.5, 0.5, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.5, 0.5),
                    (0.0, 0.5, 0.5, 0.0), (0.5, 0.0, 0.0, 0.5)],
        "title": [0.3, 0.55, 0.75], "bm25": [0.3, 0.6, 0.7, 0.9],
        "body": [0.0, 0.1, 0.4, 2.0], "tags": [0.25, 0.5, 0.75]}


@dataclass
class LabelSet:
    """One index's views and the labels that judge its lists."""

    name: str
    views: dict[str, np.ndarray]
    slugs: list[str]
    labels: dict[str, dict[str, int]]

    def combo(self, weights: dict[str, float]) -> np.ndarray:
        """Return the weighted sum of views (weights normalised to sum to 1)."""
        total = sum(weights.values())
        return sum((w / total * self.views[v] for v, w in weights.items() if w),
                   np.zeros_like(self.views["dense"]))

    def score(self, sim: np.ndarray) -> tuple[float, float]:
        """Return nDCG@5 and P@5 of the lists the similarity gives."""
        lists, pos = ranked_lists(sim), {s: i for i, s in enumerate(self.slugs)}
        nd = p = 0.0
        judged_rows = [(a, {b: g for b, g in row.items() if g > 0})
                       for a, row in self.labels.items() if a in pos]
        judged_rows = [(a, j) for a, j in judged_rows if j]
        for a, judged in judged_rows:
            ranked = [self.slugs[j] for j in lists[pos[a]]]
            nd += ndcg_at(ranked, judged, 5)
            p += len(set(ranked) & set(judged)) / 5
        return nd / len(judged_rows), p / len(judged_rows)


def load_set(name: str, index_dir: Path, labels: Path) -> LabelSet:
    """Compute every view of one index through the project's Similarity."""
    data = idx.load(current_version(index_dir))
    fi = data.faiss_index
    chunk_vectors = fi.reconstruct_n(0, fi.ntotal)
    passages = Passages.of_chunks(chunk_vectors, data.chunks, len(data.articles))
    # A body weight > 0 makes Similarity keep the body view (it is dropped when unweighted).
    settings = Settings.from_env().replace(related_lexical_weight=0.1)
    sim = Similarity(data.articles, data.article_vectors, settings, passages=passages)
    al = list(range(len(data.articles)))
    centred = passages.centred(sim.stats.mean, 1.0)
    views = {"dense": sim.dense @ sim.dense.T, "passage": passages.block(al, al),
             "centred": sim.centred @ sim.centred.T, "cpassage": centred.block(al, al),
             "title": (sim.titles @ sim.titles.T).toarray(), "bm25": sim.bm25_block(al),
             "body": (sim.body @ sim.body.T).toarray(), "tags": sim._tags(al, al),
             "whitened": whitened(chunk_vectors, data.article_vectors, 5.0)}
    return LabelSet(name, {k: np.asarray(v, np.float32) for k, v in views.items()},
                    [slug(a.url) for a in data.articles], load_graded(labels))


def whitened(passages: np.ndarray, articles: np.ndarray, shrink: float) -> np.ndarray:
    """Return the article cosine after PCA whitening on the passages' covariance.

    Whitening spreads a narrow blog's vectors (every spine post looks alike to the model);
    shrink × the mean eigenvalue is added to each so few passages give a stable estimate.
    """
    x = passages / np.linalg.norm(passages, axis=1, keepdims=True)
    mu = x.mean(0)
    values, vectors = np.linalg.eigh(np.cov((x - mu).T))
    values = np.maximum(values, 0)
    a = articles / np.linalg.norm(articles, axis=1, keepdims=True)
    y = (a - mu) @ (vectors / np.sqrt(values + shrink * values.mean()))
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    return y @ y.T


def ranked_lists(sim: np.ndarray, shown: int = 5, pool: int = 60, cap: int = 20) -> list[
        list[int]]:
    """Rank like compute_related at λ 1: best candidates first, then the in-degree cap."""
    s = sim.astype(np.float32, copy=True)
    np.fill_diagonal(s, -np.inf)
    order = np.argsort(-s, axis=1, kind="stable")[:, :pool]
    rows = [[(int(j), float(s[i, j]), 0) for j in order[i][:20]] for i in range(len(s))]
    return [[j for j, _, _ in r[:shown]] for r in cap_in_degree(rows, shown, cap)]


def csls(sim: np.ndarray, k: int, alpha: float) -> np.ndarray:
    """Subtract each candidate's mean similarity to its k nearest (hubness: CSLS)."""
    s = sim.copy()
    np.fill_diagonal(s, -np.inf)
    return sim - alpha * np.sort(s, axis=1)[:, -k:].mean(1)[None, :]


def mutual_rank(sim: np.ndarray, k: int, beta: float) -> np.ndarray:
    """Add beta / (k + where i ranks in j's list): a hub that ranks i low gains little."""
    s = sim.copy()
    np.fill_diagonal(s, -np.inf)
    order = np.argsort(-s, axis=1)
    rank = np.empty_like(order)
    rank[np.arange(len(s))[:, None], order] = np.arange(len(s))[None, :]
    return sim + beta / (k + rank.T)


def rrf(ls: LabelSet, weights: dict[str, float], k: int) -> np.ndarray:
    """Fuse the views by reciprocal rank instead of by score."""
    out = np.zeros_like(ls.views["dense"])
    for v, w in weights.items():
        if w:
            s = ls.views[v].copy()
            np.fill_diagonal(s, -np.inf)
            order = np.argsort(-s, axis=1)
            rank = np.empty_like(order)
            rank[np.arange(len(s))[:, None], order] = np.arange(len(s))[None, :]
            out += w / (k + rank)
    return out


def grid_weights() -> list[dict[str, float]]:
    """Return every weight combination of GRID as view weights."""
    out = []
    for vec, title, bm25, body, tags in itertools.product(*GRID.values()):
        out.append({**dict(zip(VECTORS, vec, strict=True)), "title": title, "bm25": bm25,
                    "body": body, "tags": tags})
    return out


def label(weights: dict[str, float]) -> str:
    """Name a weight combination by its non-zero views."""
    return ", ".join(f"{v} {w:g}" for v, w in weights.items() if w)


def alternatives(sets: list[LabelSet]) -> list[tuple[str, list[np.ndarray]]]:
    """Return the named similarities other than plain weights: re-rankings and fusions."""
    base = [s.combo(DEFAULT) for s in sets]
    out: list[tuple[str, list[np.ndarray]]] = []
    for k, a in [(10, 0.25), (10, 0.5), (20, 0.5)]:
        out.append((f"defaults, then CSLS hubness correction (k {k}, α {a})",
                    [csls(b, k, a) for b in base]))
    for k, b in [(20, 4.0), (40, 8.0), (5, 4.0)]:
        out.append((f"defaults + mutual rank (k {k}, β {b})",
                    [mutual_rank(m, k, b) for m in base]))
    for x in (0.25, 0.5):
        out.append((f"defaults + whitened vectors {x:g} (passage covariance, shrinkage 5)",
                    [s.combo(dict(DEFAULT, whitened=x)) for s in sets]))
    out.append(("whitened vectors instead of the centred article vector",
                [s.combo(dict(DEFAULT, centred=0.0, whitened=0.5)) for s in sets]))
    for k, body in [(20, 0.0), (20, 0.5), (5, 0.5)]:
        w = dict(DEFAULT, body=body)
        out.append((f"reciprocal-rank fusion of the views (k {k}, body {body})",
                    [rrf(s, w, k) for s in sets]))
    return out


Scored = list[tuple[dict[str, float], list[tuple[float, float]]]]


def frontier(sets: list[LabelSet], floor: float) -> tuple[list[list[object]], Scored]:
    """Score the grid; return the rows worth showing and every combination's scores."""
    scored: Scored = []
    for w in grid_weights():
        scored.append((w, [s.score(s.combo(w)) for s in sets]))
    ok = [r for r in scored if r[1][0][0] >= floor]
    best_dev = max(scored, key=lambda r: r[1][0][0])
    best_hand = max(ok, key=lambda r: (r[1][1][1], r[1][0][0]))
    best_hand_any = max(scored, key=lambda r: (r[1][1][1], r[1][0][0]))
    rows: list[list[object]] = [
            [f"best dev nDCG@5 in the grid: {label(best_dev[0])}", *cells(best_dev[1])],
            [f"best hand P@5 with dev ≥ 1.05× baseline: {label(best_hand[0])}",
             *cells(best_hand[1])],
            [f"best hand P@5 in the grid, dev ignored: {label(best_hand_any[0])}",
             *cells(best_hand_any[1])]]
    return rows, scored


def plot(scored: Scored, mean: list[tuple[float, float]],
         shipped: list[tuple[float, float]], path: Path) -> None:
    """Draw every grid point: dev nDCG@5 over the baseline against hand-label P@5."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    x = [r[1][0][0] / mean[0][0] for r in scored]
    dots = ax.scatter(x, [r[1][1][1] for r in scored], c=[r[1][2][0] for r in scored],
                      cmap="viridis", s=14)
    fig.colorbar(dots, ax=ax, label="clinic2 nDCG@5 (labels written before tuning)")
    ax.scatter([shipped[0][0] / mean[0][0]], [shipped[1][1]], marker="*", s=160,
               color="red", label="shipped defaults")
    ax.scatter([1.0], [mean[1][1]], marker="x", s=60, color="black",
               label="mean-vector baseline")
    ax.axvline(1.05, color="grey", linestyle="--", linewidth=1)
    ax.axhline(0.732, color="grey", linestyle="--", linewidth=1)
    ax.text(0.99, 0.985, "both targets met: top right", transform=ax.transAxes,
            ha="right", va="top", fontsize=8, color="grey")
    ax.set_ylim(min(mean[1][1], *(r[1][1][1] for r in scored)) - 0.05, 0.76)
    ax.set_xlabel("dev nDCG@5 / mean-vector baseline (dev-derived labels)")
    ax.set_ylabel("sample blog P@5 (hand labels)")
    ax.set_title(f"Related-list weights: {len(scored)} combinations", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def cells(scores: list[tuple[float, float]]) -> list[object]:
    """Format nDCG@5 / P@5 per label set."""
    return [f"{nd:.3f} / {p:.3f}" for nd, p in scores]


def main() -> None:
    """Measure and print (or write) the frontier section."""
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("dev", "site", "clinic2"):
        parser.add_argument(f"--{name}-index", type=Path, required=True)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    sets = [load_set("dev", args.dev_index, ROOT / "corpus/related-labels-dev.json"),
            load_set("site", args.site_index, ROOT / "corpus/related-labels.json"),
            load_set("clinic2", args.clinic2_index,
                     ROOT / "corpus/related-labels-clinic2.json")]
    mean = [s.score(s.views["dense"]) for s in sets]
    floor = 1.05 * mean[0][0]
    shipped = [s.score(s.combo(DEFAULT)) for s in sets]
    rows: list[list[object]] = [["mean-vector baseline", *cells(mean)],
            ["body TF-IDF alone", *cells([s.score(s.views["body"]) for s in sets])],
            ["shipped defaults", *cells(shipped)]]
    grid_rows, scored = frontier(sets, floor)
    passed = sum(r[1][0][0] >= floor for r in scored)
    met = sum(r[1][0][0] >= floor and r[1][1][1] >= 0.732 for r in scored)
    both = "none" if not met else f"{met}"
    rows += grid_rows
    rows += [[name, *cells([s.score(m) for s, m in zip(sets, mats, strict=True)])]
             for name, mats in alternatives(sets)]
    heads = ["similarity", "dev nDCG@5 / P@5", "hand labels nDCG@5 / P@5",
             "clinic2 nDCG@5 / P@5"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    body = "\n".join([
        "## Can one similarity meet both related-list targets? (issue 22)", "",
        f"Command: `python scripts/bench_related_frontier.py --dev-index {args.dev_index} "
        f"--site-index {args.site_index} --clinic2-index {args.clinic2_index} --write` "
        f"(load {load}). Views from the project's `Similarity`; lists ranked as "
        "`compute_related` ranks them at the shipped settings, without editors' pins (the "
        "sample blog's one pin adds about 0.009 to its P@5 in `bench_related`). Grid: "
        f"{len(grid_weights())} weight combinations ({', '.join(GRID)}); {passed} keep dev "
        f"nDCG@5 ≥ {floor:.4f} (1.05 × the baseline). Targets: dev ≥ 1.05× baseline and "
        f"hand-label P@5 ≥ 0.732. The shipped defaults score {shipped[0][0]:.4f} on dev, "
        f"{shipped[0][0] / mean[0][0]:.5f} × the baseline's {mean[0][0]:.4f}.", "",
        table(heads, rows), "",
        f"Every grid point (docs/related-frontier.png): {both} reach the top right, where "
        "both targets hold.", "", "![related-list weight frontier](related-frontier.png)"])
    if args.write:
        plot(scored, mean, shipped, ROOT / "docs/related-frontier.png")
        write_section(ROOT / "docs/benchmarks.md", "related-frontier", body)
    print(body)


if __name__ == "__main__":
    main()
