"""The inbox takes only complete files and never deletes a submission it could not ingest."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from feedsvc.inbox import Inbox


def _inbox(tmp_path: Path, max_bytes: int = 1 << 20) -> Inbox:
    return Inbox(tmp_path / "inbox", max_bytes)


def _write(path: Path, data: bytes, *, mtime_ns: int | None = None) -> None:
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_file_being_written_is_taken_once_it_stops_changing(tmp_path: Path) -> None:
    now = [0.0]
    inbox = Inbox(tmp_path / "inbox", 1 << 20, clock=lambda: now[0])
    page = inbox.folder / "p1.txt"
    _write(page, b"first half", mtime_ns=1_000_000_000)
    os.utime(page, ns=(1_000_000_000, 1_000_000_000))
    # ctime is "now", mtime forced into the past: looks renamed-in. Write again so they agree.
    with page.open("ab") as fh:
        fh.write(b" and more")
    assert inbox.scan() == ([], [])  # first sight: not yet
    with page.open("ab") as fh:
        fh.write(b" still writing")
    assert inbox.scan() == ([], [])  # changed since: not yet
    assert inbox.scan() == ([], [])  # it grew between scans: it must settle for `settle` seconds
    now[0] += inbox.settle
    ready, rejected = inbox.scan()  # unchanged for that long: take it
    assert ready == [page] and rejected == []


def test_a_file_renamed_into_place_is_taken_at_once(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    part = inbox.folder / "p1.txt.part"
    _write(part, b"page text")
    assert inbox.scan() == ([], [])  # .part is never taken
    os.utime(part, ns=(1_000_000_000, 1_000_000_000))  # written a while ago…
    part.rename(inbox.folder / "p1.txt")  # …then renamed in: ctime now, later than mtime
    ready, _ = inbox.scan()
    assert ready == [inbox.folder / "p1.txt"]


def test_a_file_written_and_renamed_at_once_is_taken_at_once(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    for n in range(20):  # written and renamed within a few ms: ctime and mtime are mostly equal
        part = inbox.folder / f"p{n}.txt.part"
        part.write_bytes(b"page text")
        part.rename(inbox.folder / f"p{n}.txt")
    assert inbox.wait_for_watcher(timeout=15)  # the watcher (watchdog) has told every event so far
    ready, _ = inbox.scan()
    assert sorted(p.name for p in ready) == sorted(f"p{n}.txt" for n in range(20))


def test_a_file_written_after_its_rename_waits_for_stability(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    part = inbox.folder / "p1.txt.part"
    _write(part, b"page text", mtime_ns=1_000_000_000)
    part.rename(inbox.folder / "p1.txt")
    with (inbox.folder / "p1.txt").open("ab") as fh:  # written again after the rename
        fh.write(b" more")
    assert inbox.wait_for_watcher(timeout=15)
    assert inbox.scan() == ([], [])  # ctime and mtime agree, and the last event was a write
    ready, _ = inbox.scan()  # unchanged for one scan
    assert ready == [inbox.folder / "p1.txt"]


def test_partial_names_and_dotfiles_are_ignored(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    for name in (".hidden.txt", "a.tmp", "b.crdownload", "c.part"):
        _write(inbox.folder / name, b"x", mtime_ns=1)
    assert inbox.scan() == ([], [])
    assert inbox.scan() == ([], [])


def test_too_large_and_symlinks_are_rejected_with_reasons(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, max_bytes=10)
    _write(inbox.folder / "big.txt", b"x" * 11)
    outside = tmp_path / "secret.txt"
    outside.write_text("outside")
    (inbox.folder / "link.txt").symlink_to(outside)
    ready, rejected = inbox.scan()
    assert ready == []
    reasons = {r.path.name: r.reason for r in rejected}
    assert "too large" in reasons["big.txt"] and "symbolic link" in reasons["link.txt"]
    for item in rejected:
        inbox.fail(item.path, item.reason)
    assert outside.read_text() == "outside"  # the link was moved, never followed
    assert (inbox.failed / "link.txt").is_symlink()
    assert "too large" in (inbox.failed / "big.txt.error.txt").read_text()


def test_take_fail_and_leftovers_never_lose_a_file(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    for n in range(2):
        _write(inbox.folder / "same.txt", f"version {n}".encode())
        taken = inbox.take(inbox.folder / "same.txt")
        inbox.fail(taken, f"reason {n}")
    failed = sorted(p.name for p in inbox.failed.iterdir())
    assert failed == ["same.txt", "same.txt.1", "same.txt.1.error.txt", "same.txt.error.txt"]
    assert (inbox.failed / "same.txt").read_text() == "version 0"
    assert (inbox.failed / "same.txt.1.error.txt").read_text() == "same.txt: reason 1\n"
    _write(inbox.folder / "p2.txt", b"page")
    taken = inbox.take(inbox.folder / "p2.txt")
    assert inbox.leftovers() == [taken]  # a crash now: the next start takes it again
    inbox.done(taken)
    assert inbox.leftovers() == []


# ------------------------------------------------------------------ issue 9, item 2: a writer that pauses


def test_a_file_held_open_for_writing_is_not_taken(tmp_path: Path) -> None:
    """A client that stops mid-write keeps its file open: however long the pause, the file is
    not taken until it is closed (before the fix: taken part-written after one quiet scan)."""
    now = [0.0]
    inbox = Inbox(tmp_path / "inbox", 1 << 20, clock=lambda: now[0])
    page = inbox.folder / "p1.txt"
    with page.open("wb") as writer:
        writer.write(b"the first half of a page")
        writer.flush()
        os.utime(page, ns=(1_000_000_000, 1_000_000_000))  # even one that looks renamed in
        for _ in range(3):
            assert inbox.scan() == ([], [])
            now[0] += 60
        writer.write(b" and the rest")
    assert inbox.scan() == ([], [])  # it grew: it settles first
    now[0] += inbox.settle
    ready, _ = inbox.scan()
    assert ready == [page] and page.read_bytes().endswith(b"the rest")


def test_a_file_that_grew_between_scans_settles_longer(tmp_path: Path) -> None:
    now = [100.0]
    inbox = Inbox(tmp_path / "inbox", 1 << 20, settle=30.0, clock=lambda: now[0])
    page = inbox.folder / "p1.txt"
    page.write_bytes(b"part one")
    assert inbox.scan() == ([], [])
    now[0] += 2
    with page.open("ab") as fh:
        fh.write(b" part two")  # a writer that closes and reopens between chunks
    assert inbox.scan() == ([], [])
    for _ in range(5):  # a pause of 3 s, and of 10 s: still not taken
        now[0] += 2
        assert inbox.scan() == ([], [])
    now[0] += 30
    assert inbox.scan()[0] == [page]


def test_a_file_unchanged_since_its_first_sight_is_taken_after_one_scan(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    page = inbox.folder / "p1.txt"
    page.write_bytes(b"a page")
    assert inbox.scan() == ([], [])
    assert inbox.scan()[0] == [page]


def test_entries_never_taken_are_logged_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 9 item 13: an editor's backup `x.txt~` and a folder named `x.txt` stay in the inbox,
    each logged once (before: never logged, so nobody knew why the page did not appear)."""
    inbox = _inbox(tmp_path)
    (inbox.folder / "x.txt~").write_bytes(b"backup")
    (inbox.folder / "y.txt").mkdir()
    caplog.set_level(logging.WARNING)
    for _ in range(3):
        assert inbox.scan() == ([], [])
    assert caplog.text.count("not taken: x.txt~") == 1
    assert caplog.text.count("not taken: y.txt: a folder") == 1
    (inbox.folder / "x.txt~").unlink()
    inbox.scan()
    (inbox.folder / "x.txt~").write_bytes(b"backup again")
    inbox.scan()
    assert caplog.text.count("not taken: x.txt~") == 2
