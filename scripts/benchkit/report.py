"""Turn benchmark results into the "Serving performance" section and the latency plot."""

from __future__ import annotations

from pathlib import Path

from relatedposts.quality.benchdoc import table

LABELS = {"related": "/api/related", "search_unique": "/api/search (unique queries)",
          "search_repeated": "/api/search (repeated queries)"}


def _stamp(section: dict) -> str:
    return (f"_Run `{section['command']}` at {section['measured_at']}; load average "
            f"{section['loadavg_start']} → {section['loadavg_end']} on 2 cores._")


def serving_md(s: dict) -> str:
    """Render the HTTP load-test results."""
    rows = [[LABELS[r["scenario"]], r["concurrency"], r["requests"], r["errors"], r["rps"],
             r["p50_ms"], r["p99_ms"], r["client_cpu_share"]] for r in s["runs"]]
    mem = ", ".join(f"{w['rss_mb']:.0f} MB RSS ({w['pss_mb']:.0f} MB PSS)"
                    for w in s["workers_memory"])
    return "\n\n".join([
        f"### HTTP serving ({s['embedder']} embedder)", _stamp(s),
        f"Server: `{s['env']} {s['server_command']}` (waitress workers, default settings: "
        "the per-visitor search limit is on; lookups come from 127.0.0.1, each search "
        "scenario from many loopback visitor addresses, 40 searches each, under the limit), "
        "on the sample blog's index "
        f"({s['articles']} articles, {s['chunks']} chunks); every worker ready "
        f"{s['ready_s']:.1f} s after start. Load: `scripts/benchkit/load.py` (aiohttp, "
        f"closed loop, keep-alive), {s['duration']} s per row after a warm-up; "
        "\"client CPU\" is the load generator's own share of a core, taken from the same 2 "
        "cores as the server.",
        table(["endpoint", "concurrency", "requests", "errors", "req/s", "p50 ms", "p99 ms",
               "client CPU"], rows),
        f"Memory per worker after the run: {mem}.", _limit_md(s.get("one_address"))])


def _limit_md(r: dict | None) -> str:
    """Render the one-address burst that measures the search limit itself."""
    if not r:
        return "The per-visitor limit was not measured in this run."
    return (f"The limit, measured separately: {r['requests']} repeated searches from one "
            f"address (4 keep-alive connections) answered {r['statuses']} (status: count) in "
            f"{r['seconds']} s; p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms over all of them. "
            "With the default `memory://` storage each worker counts on its own, so one "
            "address gets between 60 and 2 x 60 searches a minute depending on which workers "
            "its connections reach; `RELATEDPOSTS_RATE_LIMIT_STORAGE=redis://...` makes it "
            "exactly 60 (tests/web/test_ratelimit.py).")


def build_md(b: dict) -> str:
    """Render build throughput, incremental rebuild and index size."""
    lines = [f"### Build ({b['embedder']} embedder)", _stamp(b),
             f"`relatedposts scrape corpus/site` took {b['scrape_s']} s. "
             f"`relatedposts build` from scratch (empty embedding cache): {b['articles']} "
             f"articles, {b['chunks']} chunks in {b['build_s']} s wall (process start and "
             f"model load included) = **{b['chunks_per_s']} chunks/s**; its embed stage "
             f"alone ran at {b['embed_chunks_per_s']} chunks/s against the model's raw rate "
             f"of **{b['raw_chunks_per_s']} chunks/s** (torch fp32 `SentenceTransformer.encode`"
             f" of the same {b['chunks']} texts, batch {b['batch_size']}, in one process).",
             f"Index size on disk: {b['index_bytes'] / 2**20:.2f} MiB for the version "
             "directory."]
    inc = b.get("incremental")
    if inc:
        lines.append(f"Incremental rebuild, one article's text changed, `relatedposts build`:"
                     f" {inc['build_s']} s wall, {inc.get('embedded', '?')} chunks embedded, "
                     f"{inc.get('reused', '?')} reused from the cache.")
    else:
        lines.append("Incremental rebuild: not available in this build (skipped).")
    return "\n\n".join(lines)


def backends_md(b: dict) -> str:
    """Render per-query latency and batch rate per backend."""
    rows = [[r["backend"], r["threads"], r["p50_ms"], r["p99_ms"],
             r.get("encode_chunks_per_s", "")] for r in b["rows"]]
    return "\n\n".join([
        "### Inference backends", _stamp(b),
        f"Query embedding, one query per call ({b['queries']} patient-like queries), in one "
        f"process with the given intra-op threads; batch rate over the sample's "
        f"{b['chunks']} chunk texts (batch 32).",
        table(["backend", "threads", "p50 ms", "p99 ms", "batch chunks/s"], rows)])


def quality_md(q: dict) -> str:
    """Render dev-set search quality with query-time embedding by each backend."""
    rows = [[r["backend"], r["ndcg@10"], r["recall@10"], r["mrr@10"], r["p50_ms"],
             f"`{r['command']}`"] for r in q["rows"]]
    return "\n\n".join([
        "### Search quality by inference backend", _stamp(q),
        f"The consumer-health dev set ({q['rows'][0]['queries']} queries), index "
        f"{q['index_note']}; only the query embedding changes backend. p50 is the harness's "
        "in-process search latency.",
        table(["backend", "nDCG@10", "Recall@10", "MRR@10", "p50 ms", "command"], rows)])


def scale_md(s: dict) -> str:
    """Render the synthetic-corpus comparison of flat and HNSW."""
    sweep = [[r["ef_search"], r["recall@10"], r["p50_ms"], r["p99_ms"]] for r in s["ef_sweep"]]
    f, h = s["flat"], s["hnsw"]
    rows = [["faiss search only (k = dense_candidates)", s["faiss_flat"]["p50_ms"],
             s["faiss_hnsw"]["p50_ms"]],
            ["full `Searcher.search`, unique queries: embed + FAISS + BM25 + fuse + snippets",
             s["search_flat"]["p50_ms"], s["search_hnsw"]["p50_ms"]],
            ["same, p99", s["search_flat"]["p99_ms"], s["search_hnsw"]["p99_ms"]],
            ["full search, the same queries again (vector and snippets cached)",
             s["search_flat"]["repeated_p50_ms"], s["search_hnsw"]["repeated_p50_ms"]],
            ["same, p99", s["search_flat"]["repeated_p99_ms"],
             s["search_hnsw"]["repeated_p99_ms"]]]
    return "\n\n".join([
        f"### {s['articles']:,}-article synthetic corpus", _stamp(s),
        f"{s['articles']:,} articles / {s['chunks']:,} chunks made from {s['sentences']} "
        f"embedded sample-blog sentences ({s['embed_sentences_s']} s to embed). "
        f"{f['type']}: built in {f['build_s']} s, {f['bytes'] / 2**20:.0f} MiB. {h['type']} "
        f"(M {h['M']}, efConstruction {h['ef_construction']}, efSearch {h['ef_search']}): "
        f"built in {h['build_s']} s, {h['bytes'] / 2**20:.0f} MiB. BM25 over the articles: "
        f"{s['bm25_build_s']} s. {s['queries']} queries, one at a time, FAISS on one thread "
        f"as in a serving worker, query embedding by the {s['embedder']} embedder.",
        table(["p50 ms", "flat", "HNSW"], rows),
        f"Recall@10 of HNSW against flat at the service's k: **{s['recall@10_at_service_k']}**"
        f"; overlap of the top-10 articles returned by the full search: "
        f"{s['article_top10_overlap']}. efSearch sweep (k = 10):",
        table(["efSearch", "recall@10", "p50 ms", "p99 ms"], sweep)])


def plot(serving: dict, path: Path) -> None:
    """Draw p50/p99 latency and throughput against concurrency, one row per embedder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(serving)
    fig, axes = plt.subplots(len(names), 2, figsize=(11, 4 * len(names)), squeeze=False)
    for (lat, thr), name in zip(axes, names, strict=True):
        s = serving[name]
        for scenario, label in LABELS.items():
            runs = [r for r in s["runs"] if r["scenario"] == scenario]
            c = [r["concurrency"] for r in runs]
            line = lat.plot(c, [r["p50_ms"] for r in runs], marker="o", label=f"{label} p50")[0]
            lat.plot(c, [r["p99_ms"] for r in runs], marker="x", linestyle="--",
                     color=line.get_color(), label=f"{label} p99")
            thr.plot(c, [r["rps"] for r in runs], marker="o", label=label)
        lat.set_title(f"latency — {name}, {s['workers']} workers x {s['threads']} threads",
                      fontsize=9)
        thr.set_title(f"throughput — {name}", fontsize=9)
        for ax, ylabel in ((lat, "ms (log scale)"), (thr, "requests / s")):
            ax.set_xscale("log", base=2)
            ax.set_xticks(c, [str(x) for x in c])
            ax.set_xlabel("concurrent clients")
            ax.set_ylabel(ylabel)
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=7)
        lat.set_yscale("log")
    fig.suptitle("relatedposts serve (waitress) on a 2-core machine")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def targets_md(r: dict) -> str:
    """Compare the measured figures with the issue's targets."""
    rows: list[list[object]] = []

    def check(name: str, value: object, ok: bool | None) -> None:
        rows.append([name, value, "n/a" if ok is None else ("met" if ok else "**missed**")])

    for embedder, s in sorted(r.get("serving", {}).items()):
        runs = {(x["scenario"], x["concurrency"]): x for x in s["runs"]}
        rel = [x for x in s["runs"] if x["scenario"] == "related"]
        c1 = runs.get(("related", 1))
        if c1:
            check(f"/api/related p50 ≤ 2 ms (1 client, {embedder})", c1["p50_ms"],
                  c1["p50_ms"] <= 2)
            best = max(x["rps"] for x in rel)
            check(f"/api/related ≥ 1,000 req/s ({embedder})", best, best >= 1000)
        for scenario, limit in (("search_unique", 20), ("search_repeated", 2)):
            x = runs.get((scenario, 1))
            if x:
                check(f"{LABELS[scenario]} p50 ≤ {limit} ms (1 client, {embedder})",
                      x["p50_ms"], x["p50_ms"] <= limit)
        errors = sum(x["errors"] for x in s["runs"])
        check(f"zero errors ({embedder})", errors, errors == 0)
        rss = max(w["rss_mb"] for w in s["workers_memory"])
        check(f"RSS ≤ 500 MB per worker ({embedder})", rss, rss <= 500)
    sc = r.get("scale")
    if sc:
        p50 = sc["search_hnsw"]["p50_ms"]
        check("50k corpus: search p50 ≤ 30 ms (HNSW, full search)", p50, p50 <= 30)
        rec = sc["recall@10_at_service_k"]
        check("50k corpus: HNSW recall@10 ≥ 0.95 vs flat", rec, rec >= 0.95)
    return "### Targets\n\n" + table(["target", "measured", "status"], rows)
