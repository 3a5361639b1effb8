"""One lock file in the store folder, shared by the daemon and the one-shot commands.

Byte 0 is the writer lock: whoever ingests or regenerates holds it, so two processes never write
the store or the output at once (a one-shot command waits for the daemon's current file). Byte 1
is held by a running daemon for its whole life, so a second daemon refuses to start, and a one-shot
command can tell that a daemon runs (`daemon_elsewhere`). Byte 2 is held by whoever builds the
search index, which the daemon does beside ingesting.

These are POSIX record locks (`fcntl.lockf`): the kernel releases them when the process dies, even
by SIGKILL. They belong to the process, and closing *any* descriptor of the file drops them all,
so each process keeps one descriptor open per lock file; a thread lock keeps the daemon's own
jobs (scan, nightly regenerate) from writing at once.
"""

from __future__ import annotations

import fcntl
import os
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from feedsvc.errors import LockError

LOCK_NAME = "feedsvc.lock"
_WRITER, _DAEMON, _SEARCH = 0, 1, 2
_FLOCK = "hhqqi4x"  # Linux's struct flock on 64-bit machines: type, whence, start, length, pid


class _LockFile:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self.threads = threading.Lock()
        self.search_threads = threading.Lock()
        self.daemon_threads = threading.Lock()  # byte 1's holder in this process, and probes of it
        self.daemon_here = False

    def try_lock(self, offset: int) -> bool:
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset, os.SEEK_SET)
        except OSError:
            return False
        return True

    def unlock(self, offset: int) -> None:
        fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, offset, os.SEEK_SET)


_files: dict[Path, _LockFile] = {}
_files_guard = threading.Lock()


def _lock_file(folder: Path) -> _LockFile:
    path = (folder / LOCK_NAME).resolve()
    with _files_guard:
        if path not in _files:
            _files[path] = _LockFile(path)
        return _files[path]


@contextmanager
def writer(
    folder: Path, *, timeout: float = 600.0, sleep: Callable[[float], None] = time.sleep
) -> Iterator[None]:
    """Hold the writer lock; wait up to `timeout` seconds for another writer to finish."""
    lock = _lock_file(folder)
    if not lock.threads.acquire(timeout=timeout):
        raise LockError(f"{lock.path}: still busy writing after {timeout:.0f} s")
    try:
        waited = 0.0
        while not lock.try_lock(_WRITER):
            if waited >= timeout:
                raise LockError(
                    f"{lock.path}: another feedsvc process is writing; gave up after {timeout:.0f} s"
                )
            sleep(0.05)
            waited += 0.05
        try:
            yield
        finally:
            lock.unlock(_WRITER)
    finally:
        lock.threads.release()


@contextmanager
def searcher(folder: Path) -> Iterator[bool]:
    """Hold the search-index lock (byte 2) if no other thread or process does: True; else False at
    once. Whoever holds it is the only one writing the search index (`feedsvc/search.py`)."""
    lock = _lock_file(folder)
    if not lock.search_threads.acquire(blocking=False):
        yield False
        return
    try:
        if not lock.try_lock(_SEARCH):
            yield False
            return
        try:
            yield True
        finally:
            lock.unlock(_SEARCH)
    finally:
        lock.search_threads.release()


def daemon_elsewhere(folder: Path) -> bool:
    """Does another process run a daemon on this store? Asked of the kernel (`F_GETLK`), which
    answers for other processes' locks only and takes nothing: this process's locks stay as they
    are, and a daemon starting meanwhile is not in the way of the question."""
    lock = _lock_file(folder)
    query = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, _DAEMON, 1, 0)
    answer = fcntl.fcntl(lock.fd, fcntl.F_GETLK, query)
    kind: int = struct.unpack(_FLOCK, answer)[0]
    return kind != fcntl.F_UNLCK


class DaemonLock:
    """Held by `feedsvc run` for its whole life; a second daemon on the same store, in this process
    or another, refuses to start. `announce` (the daemon's note of its settings) runs once the lock
    is taken, under the writer lock as it is taken: a command, which asks `daemon_elsewhere` under
    the writer lock, finds no daemon or one that has announced itself, never one half started."""

    def __init__(self, folder: Path, *, announce: Callable[[], None] | None = None) -> None:
        self._lock = _lock_file(folder)
        with writer(folder), self._lock.daemon_threads:
            if self._lock.daemon_here or not self._lock.try_lock(_DAEMON):
                raise LockError(f"{self._lock.path}: another feedsvc daemon is already running on this store")
            self._lock.daemon_here = True
            self.held = True
            if announce is not None:
                try:
                    announce()
                except BaseException:
                    self._release()
                    raise

    def release(self) -> None:
        with self._lock.daemon_threads:
            self._release()

    def _release(self) -> None:
        if self.held:
            self._lock.unlock(_DAEMON)
            self._lock.daemon_here = False
            self.held = False
