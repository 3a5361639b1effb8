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

import ctypes
import logging
import os
import struct
import unicodedata
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc.faults import checkpoint

log = logging.getLogger(__name__)

PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".swp", "~")
ACCEPTED_SUFFIXES = (".txt", ".pdf")
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
                reason = "not a page: submissions are page texts (*.txt) or page PDFs (*.pdf)"
                rejected.append(Rejected(path, reason))
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
