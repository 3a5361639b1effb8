"""publish.write's large runs: files after the first batch made on the maker's threads (makers)."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedsvc import makers, publish
from feedsvc.errors import PublishError
from feedsvc.publish import write


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _number(path: str) -> int:
    """The file number of a temporary file's path (`d/.NNN.atom.<run>-<serial>.feedsvc-tmp`)."""
    return int(os.path.basename(path)[1:].split(".")[0])


def test_unchanged_files_are_left_alone_on_the_maker_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second large write: the files after its first batch are compared on the maker threads; an
    unchanged one is not rewritten (same inode and mtime) nor reported."""
    monkeypatch.setattr(publish, "_BATCH_FILES", 10)
    files = [(f"d/{n:03d}.atom", b"x" * n) for n in range(200)]
    write(tmp_path, files)
    before = {rel: (tmp_path / rel).stat() for rel, _ in files}
    again = [(rel, data + b"!" if n < 50 or n % 7 == 0 else data) for n, (rel, data) in enumerate(files)]
    expect = [rel for n, (rel, _) in enumerate(files) if n < 50 or n % 7 == 0]
    assert write(tmp_path, again) == expect
    for rel, data in again:
        st = (tmp_path / rel).stat()
        assert (tmp_path / rel).read_bytes() == data
        assert ((st.st_ino, st.st_mtime_ns) == (before[rel].st_ino, before[rel].st_mtime_ns)) is (
            rel not in expect
        )


def test_a_failure_with_later_files_already_made_publishes_none_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A maker fails while the files after it are made on the other threads first: the files before
    the failing one are in place, none after it, and no temporary file is left."""
    monkeypatch.setattr(publish, "_BATCH_FILES", 100)
    real_open = os.open
    later_made = threading.Event()

    def full(path: str, flags: int, mode: int = 0o777) -> int:
        if path.endswith(".feedsvc-tmp") and _number(path) == 105:
            later_made.wait(5)  # a file after it made first
            raise OSError(errno.ENOSPC, "No space left on device")
        fd = real_open(path, flags, mode)
        if path.endswith(".feedsvc-tmp") and _number(path) > 105:
            later_made.set()
        return fd

    monkeypatch.setattr(os, "open", full)
    files = [(f"d/{n:03d}.atom", b"x" * n) for n in range(300)]
    with pytest.raises(PublishError, match=r"^d/105\.atom: cannot write: No space left on device$"):
        write(tmp_path, files)
    assert later_made.is_set()
    assert _names(tmp_path / "d") == [f"{n:03d}.atom" for n in range(105)]


def test_a_failure_on_a_maker_thread_stops_the_run_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a maker fails, no later task makes files (but the one in hand, perhaps) and the writer
    stops taking files (not at its batch's end: the batch is 400 files here)."""
    monkeypatch.setattr(publish, "_BATCH_FILES", 400)
    real_open = os.open
    failed = threading.Event()
    made_after: list[str] = []

    def full(path: str, flags: int, mode: int = 0o777) -> int:
        if path.endswith(".feedsvc-tmp") and _number(path) >= 405:
            if _number(path) == 405:
                failed.set()
                raise OSError(errno.ENOSPC, "No space left on device")
            failed.wait(5)  # none made before the failure
            made_after.append(path)
        return real_open(path, flags, mode)

    drawn = 0

    def files() -> Iterator[tuple[str, bytes]]:
        nonlocal drawn
        for n in range(3000):
            drawn += 1
            yield f"d/{n:04d}.atom", b"x" * (n % 50)

    monkeypatch.setattr(os, "open", full)
    with pytest.raises(PublishError, match=r"^d/0405\.atom: cannot write: No space"):
        write(tmp_path, files())
    assert _names(tmp_path / "d") == [f"{n:04d}.atom" for n in range(405)]
    assert len(made_after) < makers.CHUNK  # one each in the tasks under way, perhaps
    assert drawn < 405 + 400


class _Stop(BaseException):
    pass


def test_a_base_exception_on_a_maker_thread_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only an Exception: the files a maker task made before a BaseException are accounted for
    (the ones before it renamed, no temporary file left) and it is raised."""
    monkeypatch.setattr(publish, "_BATCH_FILES", 10)
    real_open = os.open

    def stop(path: str, flags: int, mode: int = 0o777) -> int:
        if path.endswith(".feedsvc-tmp") and _number(path) == 38:  # the middle of a task of 16
            raise _Stop
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", stop)
    with pytest.raises(_Stop):
        write(tmp_path, [(f"d/{n:03d}.atom", b"x" * n) for n in range(60)])
    assert _names(tmp_path / "d") == [f"{n:03d}.atom" for n in range(38)]


@pytest.mark.parametrize("before", [5, 45])
def test_a_folder_that_cannot_be_made_keeps_the_files_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: int
) -> None:
    """A file in the way of a folder: the files given before it are written (in the first batch, or
    on the maker threads after it), and the error names the file."""
    monkeypatch.setattr(publish, "_BATCH_FILES", 20)
    (tmp_path / "blocked").write_bytes(b"a file, not a folder")
    files = [(f"d/{n:03d}.atom", b"z" * n) for n in range(before)] + [("blocked/sub/x.atom", b"x")]
    with pytest.raises(PublishError, match=r"^blocked/sub/x\.atom: cannot write"):
        write(tmp_path, files)
    assert _names(tmp_path / "d") == [f"{n:03d}.atom" for n in range(before)]


def test_batches_are_cut_by_the_files_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large write where 1 file in 20 changed: each batch is `_BATCH_FILES` changed files (made
    durable by one syncfs), as if they had been compared on the writer thread, not 20 files given."""
    monkeypatch.setattr(publish, "_BATCH_FILES", 20)
    files = [(f"d{n % 5}/{n:04d}.atom", b"v" * 50 + str(n).encode()) for n in range(4000)]
    write(tmp_path, files)
    batches: list[list[str]] = []
    real = publish.sync_path
    syncfs = 0

    def sync_path(path: str, whole_fs: bool = False) -> bool:
        nonlocal syncfs
        syncfs += whole_fs
        return real(path, whole_fs=whole_fs)

    monkeypatch.setattr(publish, "sync_path", sync_path)
    again = [(rel, data + b"!" if n % 20 == 0 else data) for n, (rel, data) in enumerate(files)]
    waiting: list[int] = []  # temporary files not yet renamed, as each batch is listed

    def listing(batch: list[str]) -> None:
        batches.append(batch)
        waiting.append(sum(name[0] == "." for folder in tmp_path.iterdir() for name in os.listdir(folder)))

    changed = write(tmp_path, again, listing=listing)
    assert changed == [rel for n, (rel, _) in enumerate(files) if n % 20 == 0]
    assert [len(batch) for batch in batches] == [20] * 10
    assert [rel for batch in batches for rel in batch] == changed
    assert syncfs <= 9 + 1  # the 9 batches after the first, then the folders at most
    assert max(waiting) <= 2 * 20 + makers.AHEAD  # taken from the makers once a batch's worth is made
