"""The submission inbox: which files are complete, taking them, and setting failures aside.

    inbox/                 the newsroom drops files here
    inbox/.processing/     taken files, until the store holds their bytes (retaken after a crash)
    inbox/failed/          files that could not be ingested, each beside `<name>.error.txt`

Only `*.txt` (exported page text) and `*.pdf` (the page PDF) files are submissions; anything else
is set aside in `failed/` with the reason.
A file is complete when it keeps its size and mtime for one scan, or at once when it was renamed
into place after its last write. A rename shows as a ctime later than the mtime, unless both fall
into the same tick of the kernel's coarse clock (a few ms: nearly always when a file is written
and renamed at once), so on Linux the inbox also watches its folder with inotify: a file whose
name's last event was a rename into the folder is complete. Partial names (`.part`, `.tmp`,
`.crdownload`) and dotfiles are never taken. Nothing here deletes a submission.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import logging
import os
import struct
import time
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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


# inotify(7): what happened to a name in the watched folder
_IN_MODIFY, _IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x2, 0x40, 0x80, 0x100, 0x200
_IN_Q_OVERFLOW, _IN_IGNORED, _IN_ONLYDIR = 0x4000, 0x8000, 0x1000000
_WATCHED = _IN_MODIFY | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
_F_SETLEASE = getattr(fcntl, "F_SETLEASE", 1024)
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then `len` bytes of NUL-padded name


class _RenamedIn:
    """Names in a folder whose last event was a rename into it (inotify), not a write or a creation.

    Without inotify (not Linux, no watches left) `names()` is always empty and the inbox falls back
    on ctime and one scan of stability. After a queue overflow it forgets what it knew."""

    def __init__(self, folder: Path) -> None:
        self._fd = -1
        self._done: dict[str, bool] = {}
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = int(libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC))
        except (OSError, AttributeError):
            return
        if fd < 0:
            return
        if int(libc.inotify_add_watch(fd, os.fsencode(folder), _WATCHED | _IN_ONLYDIR)) < 0:
            os.close(fd)
            return
        self._fd = fd
        weakref.finalize(self, os.close, fd)

    def names(self) -> set[str]:
        """The names renamed in and not written since, as of now (every event so far, in order)."""
        while self._fd >= 0:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            except OSError:
                self._done.clear()
                break
            at = 0
            while at + _EVENT.size <= len(data):
                _, mask, _, size = _EVENT.unpack_from(data, at)
                name = os.fsdecode(data[at + _EVENT.size : at + _EVENT.size + size].rstrip(b"\0"))
                at += _EVENT.size + size
                if mask & (_IN_Q_OVERFLOW | _IN_IGNORED):
                    self._done.clear()
                elif mask & (_IN_MOVED_FROM | _IN_DELETE):
                    self._done.pop(name, None)
                elif name:
                    self._done[name] = bool(mask & _IN_MOVED_TO)
        return {name for name, done in self._done.items() if done}


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
