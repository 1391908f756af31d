"""The version store on its own: temp dirs, publishing, history, pruning, rollback, fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from relatedposts.errors import IndexFormatError, IndexNotReady, RelatedPostsError
from relatedposts.indexing.versions import CURRENT, VersionStore


def _publish(store: VersionStore, name: str, keep: int = 5, activate: bool = True) -> Path:
    tmp = store.temp_dir(name)
    tmp.mkdir()
    (tmp / "manifest.json").write_text("{}")
    return store.publish(tmp, name, activate, keep)


def test_publish_makes_live_records_history_and_prunes_but_never_the_live(tmp_path) -> None:
    store = VersionStore(tmp_path)
    with pytest.raises(IndexNotReady, match="no index built yet"):
        store.current()
    for name in ("v1", "v2", "v3"):
        _publish(store, name, keep=2)
    assert store.current().name == "v3" and store.history() == ["v1", "v2", "v3"]
    assert [v.name for v in store.finished()] == ["v2", "v3"]
    _publish(store, "v4", keep=1, activate=False)  # built, verified, not made live
    assert store.current().name == "v3" and [v.name for v in store.finished()] == ["v2", "v3", "v4"]
    store.set_current(store.versions / "v3")
    assert store.prune(keep=0) == ["v2", "v4"]  # keep=0 still keeps the live one
    assert [v.name for v in store.finished()] == ["v3"] and store.current().name == "v3"


def test_clear_stale_removes_only_unfinished_builds(tmp_path) -> None:
    store = VersionStore(tmp_path)
    _publish(store, "v1")
    store.temp_dir("v2").mkdir()
    store.clear_stale()
    assert [p.name for p in store.versions.iterdir()] == ["v1"]


def test_rollback_skips_unusable_versions_and_rewrites_history(tmp_path) -> None:
    store = VersionStore(tmp_path)
    for name in ("v1", "v2", "v3"):
        _publish(store, name)
    broken = {"v2"}
    assert store.rollback(lambda p: ["corrupt"] if p.name in broken else []) == ("v3", "v1")
    assert store.current().name == "v1" and store.history() == ["v1"]
    with pytest.raises(RelatedPostsError, match="no previous version"):
        store.rollback(lambda p: [])


def test_older_than_current_is_the_fallback_order_even_when_current_is_broken(tmp_path) -> None:
    store = VersionStore(tmp_path)
    assert store.older_than_current() == [] and store.pointer_stamp() is None
    for name in ("v1", "v2", "v3"):
        _publish(store, name)
    (tmp_path / CURRENT).write_text("v9-missing\n")
    with pytest.raises(IndexNotReady, match="missing version"):
        store.current()
    assert store.current_name() == "v9-missing"
    assert [v.name for v in store.older_than_current()] == ["v3", "v2", "v1"]
    stamp = store.pointer_stamp()
    store.set_current(store.versions / "v2")
    assert store.pointer_stamp() != stamp
    assert [v.name for v in store.older_than_current()] == ["v1"]


def _outside(tmp_path: Path) -> Path:
    """A finished version directory outside the store (another index's, or anything)."""
    other = tmp_path / "elsewhere" / "v0"
    other.mkdir(parents=True)
    (other / "manifest.json").write_text("{}")
    return other


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink", "dot"])
def test_current_naming_a_directory_outside_the_store_is_refused(tmp_path, how) -> None:
    store = VersionStore(tmp_path / "index")
    for name in ("v1", "v2"):
        _publish(store, name)
    other = _outside(tmp_path)
    names = {"dotdot": "../../elsewhere/v0", "absolute": str(other), "symlink": "evil",
             "dot": "."}
    (store.versions / "evil").symlink_to(other, target_is_directory=True)
    (store.root / CURRENT).write_text(names[how] + "\n")
    with pytest.raises(IndexFormatError, match="outside the version store"):
        store.current()
    # the pointer cannot be trusted: every finished version in the store is a fallback
    assert [v.name for v in store.older_than_current()] == ["v2", "v1"]
    assert "evil" not in [v.name for v in store.finished()]
