"""The manifest's files as `manifest.Listed`: the same set as copying it at every publish would
give, whatever the changes, while a publish copies only what it changes."""

from __future__ import annotations

import gc
import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc import manifest

_ALL = [f"{folder}/{n}.html" for folder in "abc" for n in range(12)]
_NAMES = st.sampled_from(_ALL)
_CHANGES = st.lists(st.tuples(st.lists(_NAMES, max_size=8), st.lists(_NAMES, max_size=8)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(start=st.lists(_NAMES), changes=_CHANGES, fold=st.sampled_from([None, 0, 1, 3]))
def test_listed_is_the_set_its_changes_make(
    start: list[str], changes: list[tuple[list[str], list[str]]], fold: int | None
) -> None:
    """Each change (paths listed, then paths unlisted) gives the set a plain set would, in
    membership, length, iteration (each once) and equality; the versions before stay as they were.
    `fold`: the changes a version carries before they are folded into its base (None: as made)."""
    if fold is None:
        _check(start, changes)
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest, "_fold_at", lambda base: fold)
        _check(start, changes)


def _check(start: list[str], changes: list[tuple[list[str], list[str]]]) -> None:
    listed, expected = manifest.Listed(start), set(start)
    versions = [(listed, set(expected))]
    for plus, minus in changes:
        listed = listed.changed(plus, minus)
        expected = (expected | set(plus)) - set(minus)
        versions.append((listed, set(expected)))
    for version, wanted in versions:
        assert version == wanted and wanted == version
        assert len(version) == len(wanted) and sorted(version) == sorted(wanted)
        assert all((name in version) == (name in wanted) for name in _ALL)
        assert (version != wanted) is False and (version != wanted | {"x.html"}) is True
    assert versions[-1][0] == manifest.Listed(versions[-1][1])


def test_changes_are_folded_in_before_they_grow_with_the_list() -> None:
    """Many small changes: each version carries at most `_fold_at` changes beside its base."""
    listed = manifest.Listed(f"old/{n}.html" for n in range(10_000))
    folds = 0
    for n in range(3_000):
        was = listed._base
        listed = listed.changed([f"new/{n}.html"], [f"old/{n}.html"] if n % 2 else [])
        folds += listed._base is not was
        assert len(listed._added) + len(listed._removed) <= manifest._fold_at(len(listed._base))
    assert folds == 5  # each after ~800-810 changes, 1.5 a step: not at every step, nor never
    assert len(listed) == 10_000 + 3_000 - 1_500


def test_a_publish_does_not_copy_the_whole_list(tmp_path: Path) -> None:
    """Listing a few files more (and 5,000 listed already) in a manifest of 20,000 makes no new
    container of 20,000 paths for the collector to walk at the publish's end (`feedsvc.collector`):
    only the changes are new."""
    files = {f"articles/{n // 100}/{n}.html" for n in range(20_000)}
    manifest.write(tmp_path, manifest.Manifest("s", files))
    manifest._LAST.clear()
    before = manifest.read(tmp_path)
    assert before is not None and before.files == files
    gc.collect()  # what `read` made is old now
    kept = sorted(files)[:5_000]  # a publish lists the files it found current too
    new = ["issues/2024/01/02.html", "articles/9/1.html"]
    after = manifest.updated(before, "s", [*kept, *new], ["articles/0/1.html"])
    made = [o for o in gc.get_objects(0) if isinstance(o, (set, frozenset, list, dict)) and o is not kept]
    assert max(map(len, made), default=0) < 1_000
    # the same, by identity (whatever the collector's generations hold): the base was not copied
    assert isinstance(after.files, manifest.Listed) and isinstance(before.files, manifest.Listed)
    assert after.files._base is before.files._base
    assert after.files == (files | {"issues/2024/01/02.html", "articles/9/1.html"}) - {"articles/0/1.html"}
    written = manifest.write(tmp_path, after)
    manifest._LAST.clear()
    assert manifest.read(tmp_path) == written
    assert (tmp_path / manifest.PARTS).is_dir()


def test_versions_sharing_a_base_compare_as_their_sets() -> None:
    """Two versions of one base compare by their added and removed paths (`Listed.__eq__`'s fast
    path, which `pipeline._publish` relies on to know whether the manifest changed): as their sets
    would."""
    base = manifest.Listed(f"a/{n}.html" for n in range(20))
    versions = [
        base,
        base.changed(["b/1.html"], []),
        base.changed(["b/1.html"], ["a/3.html"]),
        base.changed([], ["a/3.html"]),
        base.changed([], ["a/4.html"]),
        base.changed(["b/2.html"], ["a/3.html"]),
        base.changed(["a/3.html"], []),  # a path of the base listed again: no change
    ]
    assert all(v._base is base._base for v in versions)  # none folded: the fast path is taken
    for one, other in itertools.product(versions, repeat=2):
        assert (one == other) == (set(one) == set(other)), sorted(set(one) ^ set(other))
        assert (one != other) == (set(one) != set(other))
