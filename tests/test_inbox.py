"""The inbox takes only complete files and never deletes a submission it could not ingest."""

from __future__ import annotations

import os
from pathlib import Path

from feedsvc.inbox import Inbox


def _inbox(tmp_path: Path, max_bytes: int = 1 << 20) -> Inbox:
    return Inbox(tmp_path / "inbox", max_bytes)


def _write(path: Path, data: bytes, *, mtime_ns: int | None = None) -> None:
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_file_being_written_is_taken_once_it_stops_changing(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
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
    ready, rejected = inbox.scan()  # unchanged for one scan: take it
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
    assert inbox.settle(timeout=15)  # the watcher (watchdog) has told every event so far
    ready, _ = inbox.scan()
    assert sorted(p.name for p in ready) == sorted(f"p{n}.txt" for n in range(20))


def test_a_file_written_after_its_rename_waits_for_stability(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    part = inbox.folder / "p1.txt.part"
    _write(part, b"page text", mtime_ns=1_000_000_000)
    part.rename(inbox.folder / "p1.txt")
    with (inbox.folder / "p1.txt").open("ab") as fh:  # written again after the rename
        fh.write(b" more")
    assert inbox.settle(timeout=15)
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
