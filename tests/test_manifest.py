"""The output manifest: its parts are a function of the list (sorted, each line once, whatever
order or repeats the files it was read from had); a publish rewrites only the parts its changes
fall in."""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc import manifest, pipeline
from feedsvc.config import PaperSettings, PathSettings, Settings
from feedsvc.errors import PublishError

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.issue import ArchiveSpec, iter_issues  # noqa: E402

_PATHS = st.lists(
    st.sampled_from(
        ["a.html", "b/c.atom", "b/d.rss", "e.json", "f/g/h.html", "z.opml", "f/g/i.html", "k/l.json"]
    )
)


def _on_disk(folder: Path) -> dict[str, bytes]:
    """The manifest's files in `folder` (temporary files would show too)."""
    found = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.glob(f"{manifest.PARTS}/*")}
    return {manifest.NAME: (folder / manifest.NAME).read_bytes(), **found}


@settings(max_examples=60, deadline=None)
@given(on_disk=_PATHS, produced=_PATHS, obsolete=_PATHS)
def test_an_old_manifest_is_read_and_split_into_parts(
    tmp_path_factory: pytest.TempPathFactory, on_disk: list[str], produced: list[str], obsolete: list[str]
) -> None:
    """A manifest from before the parts (its lines in `.feedsvc-manifest`, in any order, repeated)
    is read whole and written as parts: the same files, whatever the history."""
    folder = tmp_path_factory.mktemp("m")
    (folder / manifest.NAME).write_text(
        "".join(f"{line}\n" for line in ["feedsvc output manifest 1", "store s", *on_disk]), encoding="utf-8"
    )
    before = manifest.read(folder)
    assert before is not None and before.files == set(on_disk)
    after = manifest.write(folder, manifest.updated(before, "s", produced, obsolete))
    expected = (set(on_disk) | set(produced)) - set(obsolete)
    assert after.files == expected
    assert _on_disk(folder) == manifest.render("s", expected)
    manifest._LAST.clear()
    again = manifest.read(folder)
    assert again is not None and (again.store_id, again.files) == ("s", expected)


def test_parts_are_split_by_folder() -> None:
    assert manifest.part_of("articles/2024/01/01/p1-01.html") == manifest.part_of(
        "articles/2024/01/01/p4-09.html"
    )
    parts = {manifest.part_of(f"articles/2024/01/{day:02d}/p1-01.html") for day in range(1, 32)}
    assert len(parts) > 10  # the days of a month spread over the parts
    assert all(len(p) == 2 and int(p, 16) < 64 for p in parts)
    files = manifest.render("s", ["a.html", "b/c.atom", "b/d.rss"])
    assert (
        files[manifest.NAME] == b"feedsvc output manifest 1\nstore s\n"
    )  # no list: an older feedsvc deletes nothing
    assert files[f"{manifest.PARTS}/{manifest.part_of('b/c.atom')}"].endswith(b"\nb/c.atom\nb/d.rss\n")


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


def test_the_manifest_is_read_again_only_when_its_files_changed(tmp_path: Path) -> None:
    manifest.write(tmp_path, manifest.Manifest("s1", {"b.html", "a.atom"}))
    first = manifest.read(tmp_path)
    assert first is not None and first.files == {"a.atom", "b.html"}
    assert manifest.read(tmp_path) is first  # the same files: not read again
    part = tmp_path / manifest.PARTS / manifest.part_of("c.rss")
    text = part.read_text(encoding="utf-8")
    part.write_text(text + "c.rss\n", encoding="utf-8")  # changed in place by something else
    again = manifest.read(tmp_path)
    assert again is not None and again.files == {"a.atom", "b.html", "c.rss"}
    (tmp_path / manifest.NAME).unlink()
    assert manifest.read(tmp_path) is None
    manifest.write(tmp_path, manifest.Manifest("s2", {"d.json"}))
    other = tmp_path / "other"
    manifest.write(other, manifest.Manifest("s3", {"e.html"}))
    found, elsewhere = manifest.read(tmp_path), manifest.read(other)
    assert found is not None and (found.store_id, found.files) == ("s2", {"d.json"})
    assert elsewhere is not None and (elsewhere.store_id, elsewhere.files) == ("s3", {"e.html"})


def _inodes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in folder.glob(f"{manifest.PARTS}/*")}


@settings(max_examples=80, deadline=None)
@given(on_disk=_PATHS, steps=st.lists(st.tuples(_PATHS, _PATHS, st.booleans()), min_size=1, max_size=4))
def test_a_publish_rewrites_only_the_parts_it_changes(
    tmp_path_factory: pytest.TempPathFactory,
    on_disk: list[str],
    steps: list[tuple[list[str], list[str], bool]],
) -> None:
    """Publishes that add, remove and add back files, written or not after each: the manifest's
    files are those of the list written whole, and a part none of the changes fall in is not
    rewritten (the same file)."""
    folder = tmp_path_factory.mktemp("m")
    listed = manifest.write(folder, manifest.Manifest("s", set(on_disk)))
    assert _on_disk(folder) == manifest.render("s", on_disk)
    expected, inodes, touched = set(on_disk), _inodes(folder), set[str]()
    for produced, obsolete, save in steps:
        listed = manifest.updated(listed, "s", produced, obsolete)
        expected = (expected | set(produced)) - set(obsolete)
        touched |= {manifest.part_of(rel) for rel in produced + obsolete}
        assert listed.files == expected
        if save:
            listed = manifest.write(folder, listed)
    listed = manifest.write(folder, listed)
    assert _on_disk(folder) == manifest.render("s", expected)
    now = _inodes(folder)
    assert {name: inode for name, inode in inodes.items() if name not in touched} == {
        name: inode for name, inode in now.items() if name not in touched
    }
    manifest._LAST.clear()
    again = manifest.read(folder)  # read from the files: sorted, each line once
    assert again is not None and again.files == expected and again.delta == (frozenset(), frozenset())


def test_a_part_edited_by_hand_is_written_sorted(tmp_path: Path) -> None:
    files = {f"f/g/{n}.html" for n in range(10)}
    manifest.write(tmp_path, manifest.Manifest("s", files))
    part = tmp_path / manifest.PARTS / manifest.part_of("f/g/0.html")
    header, *lines = part.read_text(encoding="utf-8").split("\n")
    part.write_text(
        "\n".join([header, "", *reversed(lines)]) + "\n", encoding="utf-8"
    )  # unsorted, a blank line
    listed = manifest.read(tmp_path)
    assert listed is not None and listed.files == files
    manifest.write(tmp_path, manifest.updated(listed, "s", ["f/g/x.html"], ["f/g/5.html"]))
    assert _on_disk(tmp_path) == manifest.render("s", files - {"f/g/5.html"} | {"f/g/x.html"})


def test_a_manifest_of_another_store_is_rewritten_whole(tmp_path: Path) -> None:
    manifest.write(tmp_path, manifest.Manifest("s1", {"a.html", "b/c.atom"}))
    listed = manifest.read(tmp_path)
    assert listed is not None
    manifest.write(tmp_path, manifest.updated(listed, "s2", ["d.json"], ["a.html"]))
    assert manifest.store_id(tmp_path) == "s2"
    assert _on_disk(tmp_path) == manifest.render("s2", {"b/c.atom", "d.json"})


def test_a_failed_write_leaves_the_old_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listed = manifest.write(tmp_path, manifest.Manifest("s", {"a.html", "b/c.atom"}))
    before = _on_disk(tmp_path)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdatasync", full)
    with pytest.raises(PublishError, match=r"\.feedsvc-manifest: cannot write the output manifest.*No space"):
        manifest.write(tmp_path, manifest.updated(listed, "s", ["b/e.rss", "f.json"], []))
    assert _on_disk(tmp_path) == before  # no temporary file left either


def test_the_parts_folder_is_durable_in_its_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that makes `.feedsvc-manifest.d` (the list was empty: no part, no folder) fsyncs
    the output folder too, where the new folder's entry is, not only the new folder."""
    manifest.write(tmp_path, manifest.Manifest("s", set()))
    assert not (tmp_path / manifest.PARTS).exists()
    listed = manifest.read(tmp_path)
    assert listed is not None
    fsynced: list[str] = []
    real = os.fsync
    monkeypatch.setattr(
        os, "fsync", lambda fd: fsynced.append(os.readlink(f"/proc/self/fd/{fd}")) or real(fd)
    )
    manifest.write(tmp_path, manifest.updated(listed, "s", ["a/b.html"], []))
    assert fsynced == [str(tmp_path / manifest.PARTS), str(tmp_path)]  # the folder, then its parent


def test_temporary_parts_left_by_a_kill_are_deleted(tmp_path: Path) -> None:
    """A part's temporary file left by a killed write (read and the served-files sweep skip
    dotfiles) is deleted by the next write; a file feedsvc did not make there is left alone."""
    listed = manifest.write(tmp_path, manifest.Manifest("s", {"a.html"}))
    parts = tmp_path / manifest.PARTS
    (parts / ".3a.deadbeef.feedsvc-tmp").write_text("feedsvc output manifest part 1\nb/c.atom\n")
    (parts / ".notes").write_text("mine")
    manifest.write(tmp_path, manifest.updated(listed, "s", ["d/e.html"], []))
    assert sorted(p.name for p in parts.glob(".*")) == [".notes"]
    (parts / ".notes").unlink()
    assert _on_disk(tmp_path) == manifest.render("s", {"a.html", "d/e.html"})


def test_a_part_is_written_whole_whatever_os_write_takes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`os.write` may write less than it is given (a signal, a full pipe, some file systems): a part
    of ~20 KB written 4 KB at a time is whole."""
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, data[:4096]))
    files = {f"articles/2023/06/01/p{n:03d}-{n * 7919 % 1000:03d}.html" for n in range(500)}
    manifest.write(tmp_path, manifest.Manifest("s", files))
    assert _on_disk(tmp_path) == manifest.render("s", files)
    assert len(_on_disk(tmp_path)[f"{manifest.PARTS}/{manifest.part_of(next(iter(files)))}"]) > 16384


def test_a_part_cut_short_is_refused(tmp_path: Path) -> None:
    """A part that does not end with a newline (cut short: its last line may be part of a path) is
    refused, naming the file, as a damaged `.feedsvc-manifest` is: nothing is deleted on its word."""
    manifest.write(tmp_path, manifest.Manifest("s", {"f/g/a.html", "f/g/bb.html"}))
    part = tmp_path / manifest.PARTS / manifest.part_of("f/g/a.html")
    part.write_bytes(part.read_bytes()[:-3])  # "f/g/bb.ht"
    manifest._LAST.clear()
    with pytest.raises(PublishError, match=rf"{part.name}: a part of the output manifest cut short"):
        manifest.read(tmp_path)
