"""The output manifest's journal: the files a full run (a regenerate) is about to rename into place.

A regenerate writes ~100,000 files; listing each batch in the manifest's parts before renaming it
would rewrite the parts again and again. Instead each batch's paths are appended to
`<output>/.feedsvc-manifest.d/.journal` (one line each) and made durable before the batch's
renames: one append and one fdatasync per batch. `manifest.read` counts its lines as listed; the
manifest's next write holds them in its parts and deletes the journal (`remove`). A kill at any
point leaves every file the run renamed into place listed (in the journal, or the parts).

A line cut short by a kill (the batch it belongs to was not renamed yet) is ignored by `read` and
cut off before the next append. The caller holds the writer lock: one process appends at a time.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

from feedsvc.durable import make_folders, sync_path, with_parents
from feedsvc.errors import PublishError

__all__ = ["NAME", "Journal", "read", "remove"]

NAME = ".journal"  # a dotfile: not one of the manifest's parts


def read(folder: Path) -> list[str]:
    """The paths the journal in `folder` lists (its whole lines); none when there is no journal."""
    path = folder / NAME
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise PublishError(f"{path}: cannot read the output manifest's journal: {exc}") from exc
    whole = data[: data.rfind(b"\n") + 1]  # a last line cut short by a kill: not listed
    try:
        return [line for line in whole.decode("utf-8").split("\n") if line]
    except UnicodeDecodeError as exc:
        raise PublishError(f"{path}: not an output manifest's journal: {exc}") from exc


def remove(folder: Path) -> bool:
    """Delete the journal in `folder` (its lines are in the parts, durable); True if there was one."""
    try:
        os.unlink(folder / NAME)
    except FileNotFoundError:
        return False
    return True


class Journal:
    """`publish.write`'s `listing` for a full run: each batch's paths appended to the journal in
    `folder` and made durable (the file is made at the first batch); `used` once it appended."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used = False
        self._fd: int | None = None

    def __call__(self, rels: list[str]) -> None:
        path = self.folder / NAME
        try:
            fd = self._fd if self._fd is not None else self._open()
            data = memoryview("".join(f"{rel}\n" for rel in rels).encode("utf-8"))
            while data:
                data = data[os.write(fd, data) :]
            os.fdatasync(fd)
        except OSError as exc:
            raise PublishError(
                f"{path}: cannot write the output manifest's journal: {exc.strerror or exc}"
            ) from exc
        self.used = True

    def _open(self) -> int:
        """The journal opened to append (made, and its entry in the folder durable, if new)."""
        made = make_folders(os.fspath(self.folder))
        path = self.folder / NAME
        flags = os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
            self._fd = fd
            _cut_short_line(fd)
            return fd
        self._fd = fd
        for folder in with_parents([os.fspath(self.folder)], made):
            sync_path(folder)
        return fd

    def close(self) -> None:
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None


def _cut_short_line(fd: int) -> None:
    """Cut off a last line a kill left without its newline (the next append would extend it)."""
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        os.ftruncate(fd, os.pread(fd, size, 0).rfind(b"\n") + 1)
