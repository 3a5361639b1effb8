"""A large write's temporary files made on a few threads, for `publish.write`'s writer thread.

The writer hands each file to a `Maker` (`add`); a maker thread compares it with its target and, if
it differs, writes its temporary file. At a batch's end the writer `take`s what was made, in order,
up to the first failure, and makes it durable and renames it into place itself (`publish._Writer`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass

__all__ = ["AHEAD", "CHUNK", "MAKERS", "Maker", "Pending", "unlink_all"]

AHEAD = 64  # at most so many files wait in the writer thread's queue, and as many in maker tasks
CHUNK = 16  # files handed over at a time (one queue operation, one maker task)
MAKERS = 3  # threads making a large run's temporary files: ext4 creates files in parallel, and the
# GIL is released in the system calls (a regenerate's ~100,000 creations were one thread's work)


@dataclass(slots=True)
class Pending:
    """A temporary file written and not yet renamed to its target."""

    rel: str
    target: str
    tmp: str
    size: int  # bytes


Unchanged = Callable[[str, bytes, str], bool]  # (target, data, rel): the target holds `data`
Temporary = Callable[[str, str, bytes, str], str]  # (target, tmp, data, rel) -> tmp, written
_Item = tuple[str, str, str, bytes, bool]  # rel, target, temporary file, data, in a new folder
_Made = tuple[list[Pending], BaseException | None]  # a task's files made, in order; its failure


class Maker:
    """A large run's temporary files made on `MAKERS` threads, `CHUNK` files a task and at most
    `AHEAD` files in hand: each file compared with its target (unless its folder is new) and, if it
    differs, written to its temporary file. `changed` and `changed_bytes` count the files written
    since the last `take` (the writer cuts its batches by them); `failed` is set once a file could
    not be made: tasks given after the failing one then make nothing more. `take` waits for all given
    so far and returns the files made, in order, up to the first failure."""

    def __init__(self, unchanged: Unchanged, temporary: Temporary) -> None:
        self._unchanged = unchanged
        self._temporary = temporary
        self._pool = ThreadPoolExecutor(MAKERS, thread_name_prefix="feedsvc-make")
        self._slots = threading.BoundedSemaphore(max(1, AHEAD // CHUNK))
        self._chunk: list[_Item] = []
        self._given: list[Future[_Made]] = []  # a task holds its files' bytes only until it is done
        self._tasks = 0  # tasks given (their order)
        self._lock = threading.Lock()
        self._stop_after: int | None = None  # no task given after this one makes anything
        self.failed = threading.Event()
        self.changed = 0
        self.changed_bytes = 0

    def add(self, rel: str, target: str, tmp: str, data: bytes, *, fresh: bool) -> None:
        self._chunk.append((rel, target, tmp, data, fresh))
        if len(self._chunk) >= CHUNK:
            self._submit()

    def _submit(self) -> None:
        chunk, self._chunk = self._chunk, []
        self._slots.acquire()
        try:
            self._given.append(self._pool.submit(self._make, self._tasks, chunk))
        except BaseException:
            self._slots.release()
            raise
        self._tasks += 1

    def _stopped(self, task: int) -> bool:
        """Whether a task before `task` failed (what `task` would make would be removed anyway)."""
        stop = self._stop_after
        return stop is not None and task > stop

    def _make(self, task: int, chunk: list[_Item]) -> _Made:
        """The files of `chunk` that differ from their targets, written to their temporary files,
        in order, up to the first failure (and that failure). Any exception is returned with the
        files made before it, so that none of their temporary files is lost track of."""
        made: list[Pending] = []
        try:
            for rel, target, tmp, data, fresh in chunk:
                if self._stopped(task):
                    break
                if fresh or not self._unchanged(target, data, rel):
                    made.append(Pending(rel, target, self._temporary(target, tmp, data, rel), len(data)))
                    with self._lock:
                        self.changed += 1
                        self.changed_bytes += len(data)
        except BaseException as exc:  # returned with the files before it
            with self._lock:
                if self._stop_after is None or task < self._stop_after:
                    self._stop_after = task
            self.failed.set()
            return made, exc
        finally:
            self._slots.release()
        return made, None

    def take(self) -> tuple[list[Pending], BaseException | None]:
        """The files made, in order, up to the first that failed (and that failure); the temporary
        files made after a failure are removed. The counts start again from 0."""
        if self._chunk:
            self._submit()
        given, self._given = self._given, []
        out: list[Pending] = []
        failure: BaseException | None = None
        for future in given:
            failed: BaseException | None
            try:
                made, failed = future.result()
            except BaseException as exc:  # not raised by `_make`: the pool shut down, say
                made, failed = [], exc
            if failure is not None:
                unlink_all(pending.tmp for pending in made)
                continue
            out += made
            failure = failed
        with self._lock:
            self.changed = self.changed_bytes = 0
        return out, failure

    def close(self) -> None:
        """Stop the threads. Anything left is a failure's: files not yet given to a task are dropped,
        tasks not started make nothing, and the temporary files made and not taken are removed."""
        self._chunk = []
        with self._lock:
            self._stop_after = -1  # every task
        self.failed.set()
        unlink_all(pending.tmp for pending in self.take()[0])
        self._pool.shutdown(wait=True)


def unlink_all(paths: Iterable[str]) -> None:
    """Remove these files; a missing one is no error."""
    for path in paths:
        with suppress(OSError):
            os.unlink(path)
