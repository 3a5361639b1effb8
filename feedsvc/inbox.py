"""The submission inbox: which files are complete, taking them, and setting failures aside.

    inbox/                 the newsroom drops files here
    inbox/.processing/     taken files, until the store holds their bytes (retaken after a crash)
    inbox/failed/          files that could not be ingested, each beside `<name>.error.txt`

Only `*.txt` files are submissions; anything else is set aside in `failed/` with the reason.
A file is complete when it keeps its size and mtime for one scan, or at once when it was renamed
into place after its last write. A rename shows as a ctime later than the mtime, unless both fall
into the same tick of the kernel's coarse clock (a few ms: nearly always when a file is written
and renamed at once), so the inbox also watches its folder (watchdog: inotify, FSEvents, kqueue):
a file whose name's last event was a rename into the folder is complete. The scan stays the
fallback where no watcher runs. Partial names (`.part`, `.tmp`,
`.crdownload`) and dotfiles are never taken. Nothing here deletes a submission.
"""

from __future__ import annotations

import logging
import os
import threading
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
ACCEPTED_SUFFIXES = (".txt",)
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


@dataclass(slots=True, weakref_slot=True)
class Inbox:
    folder: Path
    max_bytes: int
    _seen: dict[str, tuple[int, int]] = field(default_factory=dict)
    _renames: _RenamedIn | None = None

    def __post_init__(self) -> None:
        for sub in (self.folder, self.processing, self.failed):
            sub.mkdir(parents=True, exist_ok=True)
        self._renames = _RenamedIn(self.folder)

    def when_renamed(self, callback: Callable[[], None]) -> None:
        """Call `callback` (from the watcher's thread) whenever a file is renamed into the folder,
        so that the daemon can scan at once (`wake.Waker`)."""
        if self._renames is not None:
            self._renames.when_renamed(callback)

    def settle(self, timeout: float = 2.0) -> bool:
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
        """Files ready to take (oldest first) and files to set aside. Call once per tick."""
        ready: list[tuple[int, str, Path]] = []
        rejected: list[Rejected] = []
        present: dict[str, tuple[int, int]] = {}
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            self.folder.mkdir(parents=True, exist_ok=True)
            return [], []
        renamed = self._renames.names() if self._renames is not None else set()
        for entry in entries:
            if self.ignored(entry.name) or entry.name == FAILED:
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                rejected.append(Rejected(path, "a symbolic link: submit the file itself, not a link"))
                continue
            if entry.is_dir(follow_symlinks=False):
                continue
            if not entry.is_file(follow_symlinks=False):
                rejected.append(Rejected(path, "not a regular file"))
                continue
            if not entry.name.lower().endswith(ACCEPTED_SUFFIXES):
                rejected.append(Rejected(path, "not a page export: submissions are text files named *.txt"))
                continue
            st = entry.stat(follow_symlinks=False)
            if st.st_size > self.max_bytes:
                rejected.append(
                    Rejected(path, f"too large: {st.st_size} bytes (the limit is {self.max_bytes})")
                )
                continue
            stamp = (st.st_size, st.st_mtime_ns)
            present[entry.name] = stamp
            renamed_in = st.st_ctime_ns > st.st_mtime_ns or entry.name in renamed
            if self._seen.get(entry.name) == stamp or renamed_in:
                ready.append((st.st_mtime_ns, entry.name, path))
        self._seen = {k: v for k, v in present.items() if k not in {p.name for _, _, p in ready}}
        return [p for _, _, p in sorted(ready)], rejected

    def take(self, path: Path) -> Path:
        """Move a ready file into `.processing/` (atomic rename on the same file system)."""
        target = _free_name(self.processing, path.name)
        os.rename(path, target)
        checkpoint("inbox.take.renamed")
        return target

    def leftovers(self) -> list[Path]:
        """Files a previous run took but did not finish: they are taken again."""
        return sorted(
            (p for p in self.processing.iterdir() if p.is_file() and not p.name.startswith(".")),
            key=lambda p: (p.stat().st_mtime_ns, p.name),
        )

    def fail(self, path: Path, reason: str) -> Path:
        """Set a file aside in `failed/` with `<name>.error.txt` saying why. Returns its new path."""
        target = _free_name(self.failed, path.name)
        note = target.with_name(target.name + ".error.txt")
        tmp = note.with_name(f".{note.name}.tmp")
        tmp.write_text(f"{display_name(path.name)}: {reason}\n", encoding="utf-8")
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


def _free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `name.1`, `name.2`… if taken: a new file never replaces an old one."""
    name = name.replace("/", "_") or "unnamed"
    target = folder / name
    n = 0
    while target.exists() or target.is_symlink():
        n += 1
        target = folder / f"{name}.{n}"
    return target
