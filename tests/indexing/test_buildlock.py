"""The build lock: a second build is refused while one runs."""

from __future__ import annotations

import threading

import pytest

from relatedposts.indexing.build import build_index
from relatedposts.indexing.buildlock import BuildBusy, adopt_lock, build_lock, take_lock
from relatedposts.indexing.embedders import FakeEmbedder
from relatedposts.ingest.store import write_record
from tests.localsite import run_cli
from tests.support import TINY


def test_a_second_build_is_refused_while_one_runs(settings) -> None:
    settings.corpus_dir.mkdir(parents=True)
    for a in TINY:
        write_record(settings.corpus_dir, a, a.url)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with build_lock(settings.index_dir):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(5)
        result = run_cli(settings, "build")
        assert result.exit_code == 1 and "another build is running" in result.output
        with pytest.raises(BuildBusy):
            build_index(TINY, FakeEmbedder(), settings)
    finally:
        release.set()
        thread.join()
    assert run_cli(settings, "build").exit_code == 0


def test_a_taken_lock_conflicts_even_in_its_own_thread_and_can_be_handed_on(tmp_path) -> None:
    fd = take_lock(tmp_path)  # the console's request, for the rebuild process it starts
    with pytest.raises(BuildBusy, match="another build is running"):
        take_lock(tmp_path)
    with pytest.raises(BuildBusy), build_lock(tmp_path):
        pass
    with adopt_lock(tmp_path, fd), build_lock(tmp_path):  # the child: re-entrant for it
        pass
    with build_lock(tmp_path):  # adopt_lock closed the descriptor: the lock is free again
        pass
