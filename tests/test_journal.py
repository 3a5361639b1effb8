"""The output manifest's journal: a full run's batches appended (durable before their renames),
counted as listed by `manifest.read`, folded into the parts and deleted by the next write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feedsvc import journal, manifest, publish
from feedsvc.errors import PublishError


def _on_disk(folder: Path) -> dict[str, bytes]:
    found = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.glob(f"{manifest.PARTS}/*")}
    return {manifest.NAME: (folder / manifest.NAME).read_bytes(), **found}


def test_journaled_files_are_listed_then_folded_into_the_parts(tmp_path: Path) -> None:
    before = manifest.write(tmp_path, manifest.Manifest("s", {"a.html", "b/c.atom"}))
    assert manifest.read(tmp_path) is before  # remembered
    appended = journal.Journal(tmp_path / manifest.PARTS)
    appended(["b/c.atom", "d/e.html"])
    appended(["f.json"])
    appended.close()
    assert appended.used
    killed = manifest.read(tmp_path)  # the journal changed: read again
    assert killed is not None and killed.files == {"a.html", "b/c.atom", "d/e.html", "f.json"}
    assert killed.ours("d/e.html") and not killed.ours("g.html")
    after = manifest.write(tmp_path, manifest.updated(killed, "s", ["g.html"], ["a.html"]))
    expected = {"b/c.atom", "d/e.html", "f.json", "g.html"}
    assert after.files == expected
    assert not (tmp_path / manifest.PARTS / journal.NAME).exists()
    assert _on_disk(tmp_path) == manifest.render("s", expected)  # the same bytes as a list written whole


def test_a_line_cut_short_is_not_listed_and_cut_off(tmp_path: Path) -> None:
    """A kill in the middle of an append: the part of a line is not a path; the next append does
    not extend it."""
    manifest.write(tmp_path, manifest.Manifest("s", {"a.html"}))
    (tmp_path / manifest.PARTS / journal.NAME).write_bytes(b"b/c.atom\nd/e.ht")
    listed = manifest.read(tmp_path)
    assert listed is not None and listed.files == {"a.html", "b/c.atom"}
    appended = journal.Journal(tmp_path / manifest.PARTS)
    appended(["f.json"])
    appended.close()
    assert (tmp_path / manifest.PARTS / journal.NAME).read_bytes() == b"b/c.atom\nf.json\n"


def test_each_append_is_durable_before_the_batch_is_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full run's batches: each appended and fdatasynced before any of its files is in place;
    the new journal's entry in its folder fsynced."""
    monkeypatch.setattr(publish, "_BATCH_FILES", 10)
    events: list[str] = []
    real_sync, real_fsync, real_replace = os.fdatasync, os.fsync, os.replace
    path = str(tmp_path / manifest.PARTS / journal.NAME)

    def fdatasync(fd: int) -> None:
        real_sync(fd)
        if os.readlink(f"/proc/self/fd/{fd}") == path:
            events.append(f"journal {len(journal.read(tmp_path / manifest.PARTS))}")

    def fsync(fd: int) -> None:
        real_fsync(fd)
        events.append(f"fsync {os.path.relpath(os.readlink(f'/proc/self/fd/{fd}'), tmp_path)}")

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", lambda a, b: events.append("renamed") or real_replace(a, b))
    appended = journal.Journal(tmp_path / manifest.PARTS)
    publish.write(tmp_path, [(f"{n:02d}.atom", b"x") for n in range(25)], listing=appended)
    appended.close()
    journaled = [i for i, e in enumerate(events) if e.startswith("journal")]
    renamed = [i for i, e in enumerate(events) if e == "renamed"]
    assert [events[i] for i in journaled] == ["journal 10", "journal 20", "journal 25"]
    assert [sum(r < j for r in renamed) for j in journaled] == [0, 10, 20]
    assert events.index(f"fsync {manifest.PARTS}") < journaled[0]
    assert events.index("fsync .") < journaled[0]  # the new folder's entry


def test_a_journal_that_cannot_be_written_stops_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / manifest.PARTS).mkdir()
    (tmp_path / manifest.PARTS / journal.NAME).mkdir()  # in the way
    appended = journal.Journal(tmp_path / manifest.PARTS)
    with pytest.raises(PublishError, match=r"\.journal: cannot write the output manifest's journal"):
        publish.write(tmp_path, [("a.atom", b"x")], listing=appended)
    appended.close()
    assert not (tmp_path / "a.atom").exists()
