"""Publishing one article: the lists it touches equal a full build's; queues behind a build."""

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


def test_every_list_equals_a_full_build_and_only_changed_lists_are_reported(settings) -> None:
    settings = settings.replace(max_limit=10)  # a fixed depth: not every list gets a slot
    articles = corpus(120)
    build_index(articles[:-1], FakeEmbedder(), settings)
    before = lists(settings)
    result = publish_changes([Change(articles[-1].url, articles[-1])], settings, FakeEmbedder())
    full = settings.replace(index_dir=settings.index_dir.parent / "full")
    build_index(articles, FakeEmbedder(), full)
    got, want = lists(settings), lists(full)
    assert result.published and articles[-1].url in result.changed
    assert 1 < len(result.changed) < len(articles)
    # The in-degree cap couples all lists, so every list is recomputed: all equal a full build.
    assert got == want
    posts = {u: [(p[0], p[2]) for p in row] for u, row in want.items()}
    moved = {u for u in before if posts[u] != [(p[0], p[2]) for p in before[u]]}
    assert moved | {articles[-1].url} == set(result.changed)


def test_with_a_binding_in_degree_cap_every_list_still_equals_a_full_build(settings) -> None:
    settings = settings.replace(max_limit=10, related_max_in_degree=2)
    articles = corpus(60, seed=7)
    build_index(articles[:-1], FakeEmbedder(), settings)
    publish_changes([Change(articles[-1].url, articles[-1])], settings, FakeEmbedder())
    full = settings.replace(index_dir=settings.index_dir.parent / "full")
    build_index(articles, FakeEmbedder(), full)
    uncapped = settings.replace(index_dir=settings.index_dir.parent / "uncapped",
                                related_max_in_degree=0)
    build_index(articles, FakeEmbedder(), uncapped)
    assert lists(settings) == lists(full) != lists(uncapped)  # the cap moved some lists


def test_on_a_small_corpus_every_list_is_exactly_a_full_builds(settings) -> None:
    articles = corpus(9, seed=4)
    build_index(articles[:-1], FakeEmbedder(), settings)
    publish_changes([Change(articles[-1].url, articles[-1])], settings, FakeEmbedder())
    full = settings.replace(index_dir=settings.index_dir.parent / "full")
    build_index(articles, FakeEmbedder(), full)
    assert lists(settings) == lists(full)


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
