"""The submission inbox: which files are complete, taking them, and setting failures aside.

    inbox/                 the newsroom drops files here
    inbox/.processing/     taken files, until the store holds their bytes (retaken after a crash)
    inbox/failed/          files that could not be ingested, each beside `<name>.error.txt`

Only `*.txt` (exported page text) and `*.pdf` (the page PDF) files are submissions; anything else
is set aside in `failed/` with the reason.
A file is complete when it keeps its size and mtime for one scan, or at once when it was renamed
into place after its last write. A rename shows as a ctime later than the mtime, unless both fall
into the same tick of the kernel's coarse clock (a few ms: nearly always when a file is written
and renamed at once), so the inbox also watches its folder (watchdog: inotify, FSEvents, kqueue):
a file whose name's last event was a rename into the folder is complete, and the daemon scans at
once (`wake.py`); the periodic scan stays the fallback where no watcher runs. Partial names
(`.part`, `.tmp`, `.crdownload`) and dotfiles are never taken. Nothing here deletes a submission.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import threading
import time
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from feedsvc.faults import checkpoint

log = logging.getLogger(__name__)

PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".swp", "~")
ACCEPTED_SUFFIXES = (".txt", ".pdf")
_LEFTOVER_SUFFIXES = ("~", ".swp")  # an editor's backup or swap file: never completed, never taken
SETTLE_AFTER_GROWTH = 30.0  # seconds: a writer that pauses mid-file is not taken part-written
NAME_MAX = 255  # bytes in one file name (Linux, most file systems)
_NOTE_SUFFIX = ".error.txt"
PROCESSING = ".processing"
FAILED = "failed"
_UNSHOWN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})  # controls, format (bidi), surrogates, line breaks


@dataclass(frozen=True, slots=True)
class Rejected:
    """A file the inbox will not take as it is (a symlink, a directory, too large)."""

    path: Path
    reason: str


class _Events(FileSystemEventHandler):
    """What the watcher has told about each name in the folder (runs in watchdog's thread)."""

    def __init__(self, folder: Path) -> None:
        self.folder = os.fsdecode(folder)
        self.lock = threading.Lock()
        self.done: dict[str, bool] = {}  # name → its last event was a rename into the folder
        self.barriers: dict[str, threading.Event] = {}
        self.renamed: Callable[[], None] | None = None  # called after a rename into the folder

    def _name(self, path: str | bytes) -> str | None:
        """The name of `path` when it is directly in the folder."""
        text = os.fsdecode(path)
        folder, name = os.path.split(text)
        return name if folder == self.folder else None

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in _TOLD:
            return
        with self.lock:
            name = self._name(event.src_path)
            if event.event_type == "moved":
                if name is not None:
                    self.done.pop(name, None)
                name = self._name(event.dest_path)
                if name is not None:
                    self.done[name] = True
                    if self.renamed is not None and not Inbox.ignored(name):
                        self.renamed()
            elif name is None:
                return
            elif event.event_type == "deleted":
                self.done.pop(name, None)
            else:  # created or written
                self.done[name] = False
                barrier = self.barriers.get(name)
                if barrier is not None:
                    barrier.set()


_TOLD = frozenset({"moved", "created", "modified", "deleted"})
_F_SETLEASE = getattr(fcntl, "F_SETLEASE", 1024)
_BARRIER = ".feedsvc-barrier-"


class _RenamedIn:
    """Names in a folder whose last event was a rename within or into it, not a write or a
    creation, as watchdog tells (inotify on Linux, FSEvents on macOS, kqueue on BSD).

    Where watching cannot start (no watches left) `names()` is always empty and the inbox falls
    back on ctime and one scan of stability. A file moved in from another folder shows as a
    creation (watchdog pairs renames within the folder only): it waits for one scan."""

    def __init__(self, folder: Path) -> None:
        self._events = _Events(folder)
        self._folder = folder
        self._observer: BaseObserver | None = None
        observer = Observer()
        observer.daemon = True
        try:
            observer.schedule(self._events, os.fsdecode(folder), recursive=False)
            observer.start()
        except OSError as exc:
            log.warning("not watching %s (%s): new files are taken after one scan", folder, exc)
            return
        self._observer = observer
        weakref.finalize(self, observer.stop)

    def when_renamed(self, callback: Callable[[], None]) -> None:
        self._events.renamed = callback

    def names(self) -> set[str]:
        """The names renamed in and not written since, as far as the watcher has told."""
        with self._events.lock:
            return {name for name, done in self._events.done.items() if done}

    def settle(self, timeout: float = 2.0) -> bool:
        """Wait until the watcher has told every event up to now (a marker file's creation comes
        after them); False if it did not within `timeout` or is not watching."""
        if self._observer is None:
            return False
        marker = self._folder / f"{_BARRIER}{os.getpid()}-{threading.get_ident()}"
        seen = threading.Event()
        with self._events.lock:
            self._events.barriers[marker.name] = seen
        try:
            marker.touch()
            return seen.wait(timeout)
        finally:
            marker.unlink(missing_ok=True)
            with self._events.lock:
                self._events.barriers.pop(marker.name, None)
                self._events.done.pop(marker.name, None)


@dataclass(slots=True)
class _Watch:
    """What the last scans saw of a name: its (size, mtime), since when, and whether it grew."""

    stamp: tuple[int, int]
    since: float
    grew: bool


@dataclass(slots=True, weakref_slot=True)
class Inbox:
    folder: Path
    max_bytes: int
    settle: float = SETTLE_AFTER_GROWTH  # seconds a file that grew between scans must stay unchanged
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, _Watch] = field(default_factory=dict)
    _renames: _RenamedIn | None = None
    _last_arrival: int = 0
    _noted: set[str] = field(default_factory=set)  # names never taken, already logged

    def __post_init__(self) -> None:
        for sub in (self.folder, self.processing, self.failed):
            sub.mkdir(parents=True, exist_ok=True)
        self._renames = _RenamedIn(self.folder)

    def when_renamed(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from the watcher's thread) whenever a file is renamed into the folder,
        so that the daemon can scan at once (`wake.Waker`)."""
        if self._renames is not None:
            self._renames.when_renamed(callback)

    def wait_for_watcher(self, timeout: float = 2.0) -> bool:
        """Wait until the folder's watcher has told every event so far, so that the next `scan`
        knows every rename up to now (tests use it); False where no watcher runs."""
        return self._renames is not None and self._renames.settle(timeout)

    @property
    def processing(self) -> Path:
        return self.folder / PROCESSING

    @property
    def failed(self) -> Path:
        return self.folder / FAILED

    @staticmethod
    def ignored(name: str) -> bool:
        return name.startswith(".") or name.endswith(PARTIAL_SUFFIXES) or name.endswith(".error.txt")

    def scan(self) -> tuple[list[Path], list[Rejected]]:
        """Files ready to take (oldest first) and files to set aside. Call once per tick.

        A file is ready when no process holds it open for writing (where the platform tells) and
        either it was renamed into the inbox after its last write, or it kept its size and mtime
        since the last scan, or, if it grew between two scans, for `settle` seconds."""
        ready: list[tuple[int, str, Path]] = []
        rejected: list[Rejected] = []
        present: dict[str, _Watch] = {}
        unseen: set[str] = set()
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            self.folder.mkdir(parents=True, exist_ok=True)
            return [], []
        renamed = self._renames.names() if self._renames is not None else set()
        now = self.clock()
        for entry in entries:
            if entry.name in (FAILED, PROCESSING):
                continue
            path = Path(entry.path)
            if self.ignored(entry.name):
                if entry.name.endswith(_LEFTOVER_SUFFIXES):
                    unseen.add(self._note(entry.name, "a backup or swap file's name"))
                continue
            if entry.is_symlink():
                rejected.append(Rejected(path, "a symbolic link: submit the file itself, not a link"))
                continue
            if entry.is_dir(follow_symlinks=False):
                unseen.add(self._note(entry.name, "a folder: submissions are files in the inbox itself"))
                continue
            if not entry.is_file(follow_symlinks=False):
                rejected.append(Rejected(path, "not a regular file"))
                continue
            if not entry.name.lower().endswith(ACCEPTED_SUFFIXES):
                reason = "not a page: submissions are page texts (*.txt) or page PDFs (*.pdf)"
                rejected.append(Rejected(path, reason))
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if st.st_size > self.max_bytes:
                rejected.append(
                    Rejected(path, f"too large: {st.st_size} bytes (the limit is {self.max_bytes})")
                )
                continue
            stamp = (st.st_size, st.st_mtime_ns)
            before = self._seen.get(entry.name)
            if before is None:
                watch = _Watch(stamp, now, grew=False)
            elif before.stamp != stamp:
                watch = _Watch(stamp, now, grew=True)  # written since the last scan
            else:
                watch = before
            present[entry.name] = watch
            renamed_in = st.st_ctime_ns > st.st_mtime_ns or entry.name in renamed
            settled = (
                before is not None
                and before.stamp == stamp
                and (not watch.grew or now - watch.since >= self.settle)
            )
            if (renamed_in or settled) and not open_for_writing(path):
                ready.append((st.st_mtime_ns, entry.name, path))
                del present[entry.name]
        self._seen = present
        self._noted &= unseen  # a name that comes back is noted again
        return [p for _, _, p in sorted(ready)], rejected

    def _note(self, name: str, what: str) -> str:
        """Log once that `name` stays in the inbox and is never taken."""
        if name not in self._noted:
            self._noted.add(name)
            log.warning("not taken: %s: %s; it stays in the inbox", display_name(name), what)
        return name

    def take(self, path: Path) -> Path:
        """Move a ready file into `.processing/` (atomic rename on the same file system) and stamp
        its mtime with the time it was taken, later than any file taken before: `leftovers` lists
        files in the order they arrived, also after a restart."""
        target = _free_name(self.processing, path.name)
        os.rename(path, target)
        checkpoint("inbox.take.renamed")
        if not self._last_arrival:  # after a restart: later than anything taken before it
            self._last_arrival = _newest_mtime(self.processing)
        arrived = max(time.time_ns(), self._last_arrival + 1)
        self._last_arrival = arrived
        with contextlib.suppress(OSError):  # only the order of later retries depends on it
            os.utime(target, ns=(arrived, arrived))
        return target

    def leftovers(self) -> list[Path]:
        """Files taken and not finished yet (by this run or one before), in the order they arrived."""
        found = []
        for entry in os.scandir(self.processing):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(FileNotFoundError):
                found.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.name, Path(entry.path)))
        return [path for _, _, path in sorted(found)]

    def fail(self, path: Path, reason: str) -> Path:
        """Set a file aside in `failed/` with `<name>.error.txt` saying why. Returns its new path.
        A name too long to take `.error.txt` is shortened there; the note gives it in full."""
        target = _free_name(self.failed, path.name, NAME_MAX - len(_NOTE_SUFFIX) - len(".tmp") - 1)
        note = target.with_name(target.name + _NOTE_SUFFIX)
        tmp = note.with_name(f".{note.name}.tmp")
        was = "" if target.name.startswith(path.name) else f" (set aside as {display_name(target.name)})"
        tmp.write_text(f"{display_name(path.name)}: {reason}{was}\n", encoding="utf-8")
        os.replace(tmp, note)  # the reason first: a crash before the move leaves the file to retry
        checkpoint("inbox.fail.noted")
        os.rename(path, target)
        checkpoint("inbox.fail.moved")
        log.warning(
            "failed: %s: %s (moved to %s)", display_name(path.name), reason, display_name(str(target))
        )
        return target

    def done(self, path: Path) -> None:
        """The store holds this file's bytes now: remove the copy in `.processing/`."""
        checkpoint("inbox.done.before")
        path.unlink(missing_ok=True)


def display_name(name: str) -> str:
    """A file name as one line of text for logs, reasons and the store: bytes that are not UTF-8
    as `\\xNN`, control and format characters and line breaks escaped (`\\n`, `\\u202e`)."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in _UNSHOWN else ch
        for ch in text
    )


def open_for_writing(path: Path) -> bool:
    """Does any process hold `path` open for writing? Linux tells by refusing a read lease
    (fcntl F_SETLEASE, for the file's owner or root); elsewhere, or when it will not say, False:
    the size-and-mtime settle time decides alone."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.fcntl(fd, _F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return exc.errno in (errno.EAGAIN, errno.EBUSY)
    else:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, _F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)


def _newest_mtime(folder: Path) -> int:
    """The newest mtime in `folder` (ns), 0 if it is empty: what was taken before a restart."""
    newest = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                newest = max(newest, entry.stat(follow_symlinks=False).st_mtime_ns)
    return newest


def _free_name(folder: Path, name: str, room: int = NAME_MAX) -> Path:
    """`folder/name`, or `name.1`, `name.2`… if taken: a new file never replaces an old one. A name
    longer than `room` bytes (with its `.n`) is shortened (`_shortened`)."""
    name = name.replace("/", "_") or "unnamed"
    n = 0
    while True:
        tail = f".{n}" if n else ""
        target = folder / (_shortened(name, room - len(tail)) + tail)
        if not (target.exists() or target.is_symlink()):
            return target
        n += 1


def _shortened(name: str, room: int) -> str:
    """`name` if it fits in `room` bytes, else its start, a short digest of the whole name and its
    extension (`<start>-1a2b3c4d.txt`): the same long name always shortens the same way."""
    raw = os.fsencode(name)
    if len(raw) <= room:
        return name
    stem, dot, ext = name.rpartition(".")
    suffix = os.fsencode(dot + ext) if stem and len(os.fsencode(ext)) <= 16 else b""
    digest = "-" + hashlib.sha256(raw).hexdigest()[:8]
    head = raw[: max(1, room - len(digest) - len(suffix))]
    while head and (head[-1] & 0xC0) == 0x80:  # not in the middle of a UTF-8 character
        head = head[:-1]
    if head and head[-1] >= 0xC0:
        head = head[:-1]
    return os.fsdecode(head) + digest + os.fsdecode(suffix)
