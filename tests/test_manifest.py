"""The output manifest is written sorted, whatever order (or repeats) the file it was read from had:
the lines as read are merged with the files added since rather than sorted again."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc import manifest, pipeline
from feedsvc.config import PaperSettings, PathSettings, Settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.issue import ArchiveSpec, iter_issues  # noqa: E402

_PATHS = st.lists(st.sampled_from(["a.html", "b/c.atom", "b/d.rss", "e.json", "f/g/h.html", "z.opml"]))


@settings(max_examples=60, deadline=None)
@given(on_disk=_PATHS, produced=_PATHS, obsolete=_PATHS)
def test_written_sorted_and_once(
    tmp_path_factory: pytest.TempPathFactory, on_disk: list[str], produced: list[str], obsolete: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("m")
    (folder / manifest.NAME).write_text(
        "".join(f"{line}\n" for line in ["feedsvc output manifest 1", "store s", *on_disk]), encoding="utf-8"
    )
    before = manifest.read(folder)
    assert before is not None and before.files == set(on_disk)
    after = manifest.updated(before, "s", produced, obsolete)
    manifest.write(folder, after)
    expected = sorted((set(on_disk) | set(produced)) - set(obsolete))
    text = (folder / manifest.NAME).read_text(encoding="utf-8")
    assert text == "".join(f"{line}\n" for line in ["feedsvc output manifest 1", "store s", *expected])


def test_a_regenerate_forgets_listed_files_that_are_gone(tmp_path: Path) -> None:
    """A file listed but gone (deleted by a run killed before it said so) leaves the list at the
    next regenerate, also when the regenerate writes and removes nothing."""
    settings = Settings(
        paper=PaperSettings(name="钱塘新区报", tag_authority="qiantang.feedsvc.example,2014"),
        paths=PathSettings(
            inbox=tmp_path / "in", store=tmp_path / "var", output=tmp_path / "out", corrections=tmp_path / "c"
        ),
    )
    now = dt.datetime(2020, 3, 10, 9, tzinfo=dt.UTC)
    page = next(iter_issues(ArchiveSpec(start=dt.date(2020, 3, 1), days=1, seed=2, contributors=4)))[0]
    (path := tmp_path / page.name).write_text(page.text, encoding="utf-8")
    pipeline.ingest_file(settings, path, now)
    pipeline.regenerate(settings, now)
    listed = manifest.read(settings.paths.output)
    assert listed is not None
    manifest.write(settings.paths.output, manifest.updated(listed, listed.store_id or "", ["gone.html"], ()))
    assert pipeline.regenerate(settings, now).written == ()
    after = manifest.read(settings.paths.output)
    assert after is not None and after.files == listed.files


def test_the_manifest_is_read_again_only_when_its_file_changed(tmp_path: Path) -> None:
    manifest.write(tmp_path, manifest.Manifest("s1", {"b.html", "a.atom"}))
    first = manifest.read(tmp_path)
    assert (
        first is not None and first.files == {"a.atom", "b.html"} and first.read_order == ["a.atom", "b.html"]
    )
    assert manifest.read(tmp_path) is first  # the same file: not read again
    path = tmp_path / manifest.NAME
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "c.rss\n", encoding="utf-8")  # changed in place by something else
    again = manifest.read(tmp_path)
    assert again is not None and again.files == {"a.atom", "b.html", "c.rss"}
    path.unlink()
    assert manifest.read(tmp_path) is None
    manifest.write(tmp_path, manifest.Manifest("s2", {"d.json"}))
    other = tmp_path / "other"
    manifest.write(other, manifest.Manifest("s3", {"e.html"}))
    found, elsewhere = manifest.read(tmp_path), manifest.read(other)
    assert found is not None and (found.store_id, found.files) == ("s2", {"d.json"})
    assert elsewhere is not None and (elsewhere.store_id, elsewhere.files) == ("s3", {"e.html"})


@settings(max_examples=80, deadline=None)
@given(on_disk=_PATHS, steps=st.lists(st.tuples(_PATHS, _PATHS), min_size=1, max_size=4))
def test_changes_merged_into_a_sorted_list(
    tmp_path_factory: pytest.TempPathFactory, on_disk: list[str], steps: list[tuple[list[str], list[str]]]
) -> None:
    """A manifest as `write` leaves it (sorted, each line once) is written again after publishes
    that add, remove and add back files: the same bytes as the list sorted whole."""
    folder = tmp_path_factory.mktemp("m")
    manifest.write(folder, manifest.Manifest("s", set(on_disk)))
    listed = manifest.read(folder)
    assert listed is not None and listed.delta == (frozenset(), frozenset())  # the merge path is taken
    expected = set(on_disk)
    for produced, obsolete in steps:
        listed = manifest.updated(listed, "s", produced, obsolete)
        expected = (expected | set(produced)) - set(obsolete)
        assert listed.files == expected
    manifest.write(folder, listed)
    text = (folder / manifest.NAME).read_text(encoding="utf-8")
    assert text == "".join(
        f"{line}\n" for line in ["feedsvc output manifest 1", "store s", *sorted(expected)]
    )
    manifest._LAST.clear()
    again = manifest.read(folder)  # read from the file: sorted, each line once
    assert again is not None and again.files == expected and again.delta == (frozenset(), frozenset())
