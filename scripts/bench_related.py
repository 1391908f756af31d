"""Related lists vs plain baselines on labels nobody here wrote (issue 22), plus diagnostics.

Usage:  python scripts/bench_related.py --dev-index DIR --site-index DIR --clinic2-index DIR
                                        [--dev-labels FILE] [--site-labels FILE]

The indexes must already be built with the default settings (see docs/benchmarks.md for the
commands). Runs `relatedposts evaluate-related --baselines --json` on the dev index with the
derived labels and on the sample-blog index with the hand labels, and on the clinic2 index
with the clinic2 labels, then recomputes the dev lists in process with one related-list
setting changed at a time and writes the tables to the "related-baselines" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from benchkit.cli import run_cli  # noqa: E402

from relatedposts.config import Settings  # noqa: E402
from relatedposts.indexing import index as idx  # noqa: E402
from relatedposts.indexing.overrides import load_overrides  # noqa: E402
from relatedposts.indexing.related import RelatedLists, compute_related  # noqa: E402
from relatedposts.indexing.related_passages import Passages  # noqa: E402
from relatedposts.indexing.versions import current_version  # noqa: E402
from relatedposts.quality.benchdoc import table, write_section  # noqa: E402
from relatedposts.quality.related_eval import score  # noqa: E402
from relatedposts.quality.related_labels import load_graded  # noqa: E402
from relatedposts.quality.related_report import top_lists  # noqa: E402

COLUMNS = ["method", "nDCG@5", "P@5", "R@5", "coverage", "reach", "max in-degree",
           "intra-list sim"]
PREVIOUS = {"related_dense_weight": 0.5, "related_centred_weight": 0.0,
            "related_passage_weight": 0.5, "related_passage_centring": 0.0,
            "related_title_weight": 0.3, "related_bm25_weight": 0.6}
OLDER = {"related_dense_weight": 1.0, "related_centred_weight": 0.0,
         "related_passage_weight": 0.0, "related_title_weight": 0.3, "related_bm25_weight": 0.3}
DEV_OPTIMUM = {"related_title_weight": 1.0, "related_bm25_weight": 0.9}
CENTRED_TITLE_03 = {"related_title_weight": 0.3, "related_bm25_weight": 0.6}
VARIANTS = [("shipped defaults (recomputed)", {}),
            ("vectors only (centred articles + centred passages, no title, no BM25-title)",
             {"related_title_weight": 0.0, "related_bm25_weight": 0.0}),
            ("no passage view (centred article vector 1.0)",
             {"related_centred_weight": 1.0, "related_passage_weight": 0.0}),
            ("passages not centred (passage centring 0)", {"related_passage_centring": 0.0}),
            ("plain article vectors instead of centred (passages centred)",
             {"related_dense_weight": 0.5, "related_centred_weight": 0.0}),
            ("the previous defaults (plain vectors and passages, title 0.3, BM25-title 0.6)",
             PREVIOUS),
            ("the defaults before those (dense 1, title 0.3, BM25-title 0.3, no passages)",
             OLDER),
            ("title 1.0, BM25-title 0.9 (the top of the dev landscape)", DEV_OPTIMUM),
            ("centred views at title 0.3, BM25-title 0.6", CENTRED_TITLE_03),
            ("MMR λ 0.8 (the old default)", {"related_mmr_lambda": 0.8}),
            ("no in-degree cap", {"related_max_in_degree": 0}),
            ("the old similarity (centred 0.25, body TF-IDF 0.5, tags 0.25, λ 0.8)",
             {"related_dense_weight": 0.0, "related_passage_weight": 0.0,
              "related_centred_weight": 0.25,
              "related_title_weight": 0.0, "related_bm25_weight": 0.0,
              "related_lexical_weight": 0.5, "related_mmr_lambda": 0.8,
              "related_max_in_degree": 0}),
            ("candidates 20 per view", {"related_candidates": 20})]


def evaluate(index_dir: Path, labels: Path) -> tuple[str, list[list[object]]]:
    """Run evaluate-related --baselines on one index; return the command and table rows."""
    args = ["evaluate-related", "--labels", str(labels), "--baselines", "--json"]
    # This checkout's sources, whatever the interpreter has installed.
    _, out = run_cli(args, {"RELATEDPOSTS_INDEX_DIR": str(index_dir),
                            "PYTHONPATH": str(ROOT / "src")})
    rows = [[name, *_cells(r)] for name, r in json.loads(out)["methods"].items()]
    return f"RELATEDPOSTS_INDEX_DIR={index_dir} relatedposts {' '.join(args[:-1])}", rows


def _cells(r: dict[str, float]) -> list[object]:
    return [f"{r['ndcg']:.3f}", f"{r['precision']:.3f}", f"{r['recall']:.3f}",
            f"{r['coverage']:.3f}", f"{r['reach']:.3f}", r["max_in_degree"],
            f"{r['intra_similarity']:.3f}"]


def recompute(data: idx.IndexData, graded: dict[str, dict[str, int]],
              change: dict[str, float | int], overrides: Path | None = None) -> tuple[
                  dict[str, float | int], int]:
    """Recompute data's lists with change (its own passages) and score the top 5."""
    index = data.faiss_index
    passages = Passages.of_chunks(index.reconstruct_n(0, index.ntotal), data.chunks,
                                  len(data.articles))
    pins = load_overrides(overrides, [a.url for a in data.articles])
    rel = compute_related(data.articles, data.article_vectors,
                          Settings.from_env().replace(**change), pins, passages=passages)
    q = score(data.articles, _lists(data, rel), graded, data.article_vectors, 5).as_row()
    return q, len(rel.duplicates)


def diagnostics(index_dir: Path, labels: Path) -> list[list[object]]:
    """Recompute the related lists with one setting changed at a time and score each."""
    data = idx.load(current_version(index_dir))
    graded = load_graded(labels)
    rows = []
    for name, change in VARIANTS:
        q, groups = recompute(data, graded, change)
        rows.append([name, *_cells(q), groups])  # type: ignore[arg-type]
    return rows


def checks(sets: list[tuple[str, Path, Path, Path | None]]) -> list[list[object]]:
    """Score the defaults, the previous defaults and the dev optimum on every label set."""
    loaded = [(name, idx.load(current_version(d)), load_graded(lab), ov)
              for name, d, lab, ov in sets]
    rows: list[list[object]] = []
    for label, change in [("shipped defaults", {}), ("previous defaults", PREVIOUS),
                          ("passages not centred", {"related_passage_centring": 0.0}),
                          ("centred views at title 0.3, BM25-title 0.6", CENTRED_TITLE_03),
                          ("title 1.0, BM25-title 0.9 (dev top)", DEV_OPTIMUM)]:
        cells = []
        for _, data, graded, ov in loaded:
            q, _ = recompute(data, graded, change, ov)
            cells.append(f"{q['ndcg']:.3f} / {q['precision']:.3f}")
        rows.append([label, *cells])
    return rows


def _lists(data: idx.IndexData, rel: RelatedLists) -> list[list[int]]:
    """Return the top-5 non-fallback lists of rel, through the same code as the command."""
    data.related = rel
    return top_lists(data, 5)


def main() -> None:
    """Measure and write the section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dev-index", type=Path, required=True)
    parser.add_argument("--site-index", type=Path, required=True)
    parser.add_argument("--dev-labels", type=Path, default=ROOT / "corpus/related-labels-dev.json")
    parser.add_argument("--site-labels", type=Path, default=ROOT / "corpus/related-labels.json")
    parser.add_argument("--clinic2-index", type=Path, required=True)
    parser.add_argument("--clinic2-labels", type=Path,
                        default=ROOT / "corpus/related-labels-clinic2.json")
    args = parser.parse_args()
    dev_cmd, dev_rows = evaluate(args.dev_index, args.dev_labels.relative_to(ROOT))
    site_cmd, site_rows = evaluate(args.site_index, args.site_labels.relative_to(ROOT))
    c2_cmd, c2_rows = evaluate(args.clinic2_index, args.clinic2_labels.relative_to(ROOT))
    diag = diagnostics(args.dev_index, args.dev_labels)
    check = checks([("dev", args.dev_index, args.dev_labels, None),
                    ("site", args.site_index, args.site_labels, ROOT / "corpus/overrides.json"),
                    ("clinic2", args.clinic2_index, args.clinic2_labels, None)])
    body = "\n".join([
        "## Related posts vs plain baselines (issue 22)", "",
        "The indexes built with the default settings (ONNX all-MiniLM-L6-v2), in scratch "
        "directories: `relatedposts import-dataset ../shared/datasets/consumer-health-dev/"
        "articles.jsonl --corpus DEV_CORPUS` then `RELATEDPOSTS_CORPUS_DIR=DEV_CORPUS "
        f"RELATEDPOSTS_INDEX_DIR={args.dev_index} relatedposts build`; `relatedposts scrape "
        "corpus/site --prune --corpus SITE_CORPUS` then the same build into "
        f"{args.site_index} (with corpus/overrides.json, as the sample blog ships); "
        "`relatedposts scrape corpus/clinic2 --prune --corpus C2_CORPUS` and the same build "
        f"into {args.clinic2_index}. Labels of "
        "the dev set: "
        "`python scripts/derive_related_labels.py` (co-relevance in the qrels and same focus "
        "in the titles, graded 1-3; spot-check in docs/related-labels-spotcheck.md). Coverage: "
        "share of articles whose 5 slots are all real recommendations; reach: share "
        "recommended at least once. Weights chosen on the dev labels only (landscapes: "
        "sections related-weights and related-mmr); the hand labels and the clinic2 labels "
        "(docs/related-labels-clinic2.md, written before any tuning) only check them. Whole "
        "section: `python scripts/bench_related.py "
        f"--dev-index {args.dev_index} --site-index {args.site_index} "
        f"--clinic2-index {args.clinic2_index}`.", "",
        f"### Dev set (800 articles), derived labels\n\nCommand: `{dev_cmd}`", "",
        table(COLUMNS, dev_rows), "",
        f"### Sample blog (45 articles), hand labels\n\nCommand: `{site_cmd}`", "",
        table(COLUMNS, site_rows), "",
        f"### Second sample site (52 articles), clinic2 labels\n\nCommand: `{c2_cmd}`", "",
        table(COLUMNS, c2_rows), "",
        "### Diagnostics: dev lists recomputed in process, one setting changed", "",
        "`compute_related` on the dev index's article and passage vectors with "
        "`Settings.replace(...)`, no overrides.", "",
        table([*COLUMNS, "duplicate groups"], diag), "",
        "### Does a dev-chosen weight hold on the check sets? nDCG@5 / P@5 in process", "",
        "The same recomputation on each index (the sample blog with its editors' pins). The "
        "top of the dev landscape (title 1.0, BM25-title 0.9) loses on both check sets; the "
        "defaults (centred article vectors and passages, title 0.55, BM25-title 0.7) are "
        "the best dev point short of it. Honesty about the check: the centring was found by "
        "reading the sample blog's lists (plain vectors let one post into 16 of its 45 "
        "lists), so its gain on the hand labels is not a held-out result; the clinic2 labels "
        "were written before any tuning.", "",
        table(["similarity", "dev (derived labels)", "sample blog (hand labels)",
               "clinic2 (clinic2 labels)"], check)])
    write_section(ROOT / "docs/benchmarks.md", "related-baselines", body)
    print(body)


if __name__ == "__main__":
    main()
