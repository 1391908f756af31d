"""Publishing one article: the lists it reaches equal a frozen-statistics build's; queues behind
a build."""

from __future__ import annotations

import random
import threading
import time

from relatedposts.indexing import index as idx
from relatedposts.indexing.build import build_index
from relatedposts.indexing.buildlock import build_lock
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.indexing.incremental import Change
from relatedposts.indexing.ingest_one import publish_changes
from relatedposts.indexing.overrides import load_overrides
from relatedposts.indexing.related import compute_related
from relatedposts.indexing.related_passages import Passages
from relatedposts.indexing.versions import VersionStore
from tests.support import make_article

WORDS = ["spine", "back", "pain", "sciatica", "neck", "posture", "disc", "nerve", "leg",
         "sleep", "hip", "knee", "shoulder", "stretch", "core", "muscle", "walking",
         "surgery", "injection", "therapy"]


def corpus(n: int, seed: int = 1):
    rng = random.Random(seed)
    return [make_article(f"a{i:03d}", " ".join(rng.sample(WORDS, 3)).title(),
                         " ".join(rng.choice(WORDS) for _ in range(30)) + ".",
                         f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}", (rng.choice(WORDS),))
            for i in range(n)]


def lists(settings) -> dict[str, list[tuple[str, float, int]]]:
    data = idx.load(VersionStore(settings.index_dir).current())
    rel = data.related
    return {a.url: [(data.articles[j].url, round(float(s), 5), int(f))
                    for j, s, f in zip(rel.ids[i], rel.scores[i], rel.flags[i], strict=True)
                    if j >= 0] for i, a in enumerate(data.articles)}


def frozen_reference(settings, stats) -> dict[str, list[tuple[str, float, int]]]:
    """Every list recomputed from scratch over the live version's corpus, all pairs, under
    the statistics frozen at the last full build (the reference a publish must equal)."""
    data = idx.load(VersionStore(settings.index_dir).current())
    overrides = load_overrides(settings.overrides_file, [a.url for a in data.articles])
    passages = Passages.of_chunks(data.faiss_index.reconstruct_n(0, data.faiss_index.ntotal),
                                  data.chunks, len(data.articles))
    rel = compute_related(data.articles, data.article_vectors, settings, overrides, stats=stats,
                          passages=passages)
    return {a.url: [(data.articles[j].url, round(float(s), 5), int(f))
                    for j, s, f in zip(rel.ids[i], rel.scores[i], rel.flags[i], strict=True)
                    if j >= 0] for i, a in enumerate(data.articles)}


def frozen_stats(settings):
    state = idx.load_state(idx.load(VersionStore(settings.index_dir).current()))
    assert state is not None
    return state.stats


def entered(got, url: str) -> set[str]:
    return {u for u, row in got.items() if url in [p[0] for p in row]}


def test_the_new_list_and_every_list_it_entered_equal_a_frozen_statistics_build(
        settings) -> None:
    settings = settings.replace(max_limit=10)  # a fixed depth: not every list gets a slot
    articles = corpus(120)
    build_index(articles[:-1], FakeEmbedder(), settings)
    stats = frozen_stats(settings)
    before = lists(settings)
    result = publish_changes([Change(articles[-1].url, articles[-1])], settings, FakeEmbedder())
    got, want = lists(settings), frozen_reference(settings, stats)
    new = articles[-1].url
    holders = entered(got, new)
    assert result.published and new in result.changed and holders  # older posts show it
    assert {u: got[u] for u in holders | {new}} == {u: want[u] for u in holders | {new}}
    assert got == want  # and, with the cap re-applied over all rows, every other list too
    posts = {u: [(p[0], p[2]) for p in row] for u, row in got.items()}
    moved = {u for u in before if posts[u] != [(p[0], p[2]) for p in before[u]]}
    assert moved | {new} == set(result.changed) and 1 < len(result.changed) < len(articles)


def test_after_many_publishes_and_a_removal_lists_equal_the_frozen_build_and_the_cap_holds(
        settings) -> None:
    settings = settings.replace(max_limit=10, related_max_in_degree=6)
    articles = corpus(60, seed=7)
    build_index(articles[:-6], FakeEmbedder(), settings)
    stats = frozen_stats(settings)
    for a in articles[-6:]:
        publish_changes([Change(a.url, a)], settings, FakeEmbedder())
    publish_changes([Change(articles[-3].url)], settings, FakeEmbedder())  # unpublish one
    got = lists(settings)
    assert got == frozen_reference(settings, stats)
    assert articles[-3].url not in got and not entered(got, articles[-3].url)
    shown: dict[str, int] = {}
    for row in got.values():
        for u, _, _ in row[:settings.related_limit]:
            shown[u] = shown.get(u, 0) + 1
    assert max(shown.values()) <= 6
    uncapped = settings.replace(index_dir=settings.index_dir.parent / "uncapped",
                                related_max_in_degree=0)
    build_index([a for a in articles if a is not articles[-3]], FakeEmbedder(), uncapped)
    assert max(sum(u in [p[0] for p in row[:5]] for row in lists(uncapped).values())
               for u in got) > 6  # the cap binds here


def test_with_every_view_weighed_an_edit_still_equals_the_frozen_build(settings) -> None:
    settings = settings.replace(related_lexical_weight=0.2, related_centred_weight=0.2)
    articles = corpus(50, seed=9)
    build_index(articles, FakeEmbedder(), settings)
    stats = frozen_stats(settings)
    edited = make_article("a010", "Sciatica Sleep Posture", "sciatica sleep posture nerve leg.")
    publish_changes([Change(edited.url, edited)], settings, FakeEmbedder())
    assert lists(settings) == frozen_reference(settings, stats)


def test_a_full_build_after_publishes_restores_exact_equality(settings) -> None:
    articles = corpus(40, seed=4)
    build_index(articles[:-3], FakeEmbedder(), settings)
    for a in articles[-3:]:
        publish_changes([Change(a.url, a)], settings, FakeEmbedder())
    full = settings.replace(index_dir=settings.index_dir.parent / "full")
    build_index(articles, FakeEmbedder(), full)
    build_index(articles, FakeEmbedder(), settings)  # the nightly rebuild, same index
    assert lists(settings) == lists(full)


def test_a_version_without_a_related_state_recomputes_every_list(settings) -> None:
    articles = corpus(9, seed=4)
    build_index(articles[:-1], FakeEmbedder(), settings)
    current = VersionStore(settings.index_dir).current()
    for name in ("related_state.npz", "related_state.json"):  # as a format-2 version
        (current / name).unlink()
    publish_changes([Change(articles[-1].url, articles[-1])], settings, FakeEmbedder())
    full = settings.replace(index_dir=settings.index_dir.parent / "full")
    build_index(articles, FakeEmbedder(), full)
    assert lists(settings) == lists(full)  # fresh statistics, like a build


def test_the_same_publish_twice_makes_no_second_version(settings) -> None:
    articles = corpus(20)
    build_index(articles[:-1], FakeEmbedder(), settings)
    first = publish_changes([Change(articles[-1].url, articles[-1])], settings, FakeEmbedder())
    again = publish_changes([Change(articles[-1].url, articles[-1])], settings, FakeEmbedder())
    assert not again.published and again.version == first.version and again.changed == []
    assert len(VersionStore(settings.index_dir).finished()) == 2


def test_removal_takes_the_article_out_of_every_list(settings) -> None:
    articles = corpus(30)
    build_index(articles, FakeEmbedder(), settings)
    holders = [u for u, row in lists(settings).items() if articles[3].url in [p[0] for p in row]]
    result = publish_changes([Change(articles[3].url)], settings, FakeEmbedder())
    after = lists(settings)
    assert articles[3].url not in after and set(holders) <= set(result.changed)
    assert not [u for u, row in after.items() if articles[3].url in [p[0] for p in row]]


def test_a_publish_during_a_build_waits_for_it(settings) -> None:
    articles = corpus(12)
    build_index(articles[:-1], FakeEmbedder(), settings)
    held, release = threading.Event(), threading.Event()

    def build() -> None:
        with build_lock(settings.index_dir):
            held.set()
            release.wait(10)

    builder = threading.Thread(target=build)
    builder.start()
    held.wait(5)
    threading.Timer(0.5, release.set).start()
    t0 = time.monotonic()
    result = publish_changes([Change(articles[-1].url, articles[-1])], settings, FakeEmbedder())
    builder.join(10)
    assert result.published and time.monotonic() - t0 >= 0.45 and result.seconds["wait"] >= 0.4


def test_past_the_wait_a_publish_is_a_409(settings) -> None:
    import pytest

    from relatedposts.indexing.buildlock import BuildBusy

    articles = corpus(12)
    build_index(articles[:-1], FakeEmbedder(), settings)
    quick = settings.replace(ingest_wait_seconds=0.2)
    done = threading.Event()

    def build() -> None:
        with build_lock(settings.index_dir):
            done.wait(5)

    builder = threading.Thread(target=build)
    builder.start()
    time.sleep(0.1)
    with pytest.raises(BuildBusy) as exc:
        publish_changes([Change(articles[-1].url, articles[-1])], quick, FakeEmbedder())
    done.set()
    builder.join(5)
    assert exc.value.status == 409


def test_a_wordpress_source_names_its_site_origin() -> None:
    from relatedposts.config import Settings
    from relatedposts.indexing.ingest_one import allowed_origins

    settings = Settings(site=("wp+https://blog.example/clinic/",))
    assert allowed_origins(settings, []) == ["https://blog.example/"]
