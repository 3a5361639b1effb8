"""Making written files durable: at a cost proportional to what this process wrote.

`Syncer` fdatasyncs files on a few threads while the caller goes on writing the next ones (each
file's writeback is started with `sync_file_range` as it is handed over, so the disk is busy while
the renderer works), and fsyncs folders the same way. Unlike `syncfs`, which waits for every dirty
page of the file system (another process's log, a backup, the regenerate that ran just before), it
waits only for the files it was given: an ingest's cost does not depend on unrelated writes.

`sync_path(path, whole_fs=True)` (one `syncfs`) stays the way for a large run (a regenerate writes
~100,000 files: the disk writes them in one go, instead of a write and a cache flush per file).
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path

from feedsvc.errors import PublishError

__all__ = ["Syncer", "make_folders", "sync_path", "with_parents"]

THREADS = 4  # fdatasyncs at once: the disk serves them together
AHEAD = 64  # files handed over and not yet synced (each holds its descriptor until then)


def _libc(name: str) -> Callable[..., int] | None:
    try:
        function: Callable[..., int] = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    return function


_SYNCFS = _libc("syncfs")
"""libc's `syncfs(fd)` (Linux): writes back one file system's dirty data, waiting for it."""
_SYNC_FILE_RANGE = _libc("sync_file_range")
"""libc's `sync_file_range(fd, offset, nbytes, flags)` (Linux): starts a file's writeback."""
if _SYNC_FILE_RANGE is not None:
    _SYNC_FILE_RANGE.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]  # type: ignore[attr-defined]
_WRITE = 2  # SYNC_FILE_RANGE_WRITE: start writing the dirty pages back, do not wait


def sync_path(path: str | Path, *, whole_fs: bool = False) -> bool:
    """fsync a file or folder (what makes a new file, or a rename in the folder, durable); with
    `whole_fs`, `syncfs` its whole file system instead (False when there is no syncfs or it failed)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if whole_fs:
            return _SYNCFS is not None and _SYNCFS(fd) == 0
        os.fsync(fd)
        return True
    finally:
        os.close(fd)


def make_folders(folder: str) -> list[str]:
    """Make `folder` and the missing folders above it; returns those made (the highest first; none
    when `folder` was there). A new folder's entry in its parent is durable only once the parent is
    fsynced: `with_parents` lists what to fsync. Raises OSError (a file in the way, no room)."""
    made: list[str] = []
    try:
        os.mkdir(folder)
    except FileExistsError:
        return made
    except FileNotFoundError:
        parent = os.path.dirname(folder)
        if parent == folder:
            raise
        made += make_folders(parent)
        try:
            os.mkdir(folder)
        except FileExistsError:  # made by another process meanwhile
            return made
    made.append(folder)
    return made


def with_parents(folders: Iterable[str], made: Iterable[str]) -> list[str]:
    """The folders to fsync for renames in `folders` and the new folders `made`: those, and each
    new folder's parent (where its entry is), deepest first (a folder before the one holding it)."""
    every = set(folders)
    for folder in made:
        every.add(folder)
        every.add(os.path.dirname(folder) or os.curdir)
    return sorted(every, key=lambda f: (-os.path.abspath(f).rstrip(os.sep).count(os.sep), f))


def start_writeback(fd: int) -> None:
    """Ask the kernel to start writing `fd`'s dirty pages now (a hint: errors are ignored; the
    fdatasync that follows is what counts)."""
    if _SYNC_FILE_RANGE is not None:
        _SYNC_FILE_RANGE(fd, 0, 0, _WRITE)


class Syncer:
    """fdatasyncs the files `add` is given (and fsyncs the folders `add_folder` is given) on a few
    threads; `wait` returns when all are durable, or raises `PublishError` naming the first that
    failed. At most `AHEAD` files are pending: `add` waits for a slot."""

    def __init__(self, threads: int = THREADS, ahead: int = AHEAD) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="feedsvc-sync")
        self._slots = threading.BoundedSemaphore(ahead)
        self._pending: list[Future[None]] = []

    def add(self, fd: int, rel: str) -> None:
        """Make the file open as `fd` (just written) durable; `fd` is the syncer's now (closed by it)."""
        try:
            start_writeback(fd)
            self._slots.acquire()
        except BaseException:
            os.close(fd)
            raise
        self._pending.append(self._pool.submit(self._sync, fd, rel))

    def add_folder(self, folder: str) -> None:
        """fsync `folder` (what makes the renames in it durable). Best effort: its files are in
        place already, and a folder that cannot be synced is no reason to fail."""
        self._pool.submit(self._sync_folder, folder)  # not waited for by `wait`'s errors

    def _sync(self, fd: int, rel: str) -> None:
        try:
            os.fdatasync(fd)
        except OSError as exc:
            raise PublishError(f"{rel}: cannot write: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)
            self._slots.release()

    @staticmethod
    def _sync_folder(folder: str) -> None:
        with suppress(OSError):
            sync_path(folder)

    def wait(self) -> None:
        """Every file added so far durable; raises the first failure (after all have finished)."""
        pending, self._pending = self._pending, []
        failure = next((exc for exc in (f.exception() for f in pending) if exc is not None), None)
        if failure is not None:
            raise failure

    def close(self) -> None:
        """Wait for everything added (folders too) and stop the threads."""
        self._pool.shutdown(wait=True)
