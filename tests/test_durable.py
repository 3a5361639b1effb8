"""durable.Syncer: every file handed over is fdatasynced and its descriptor closed, also when one
fails; the first failure is raised naming its file, after all have finished."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from feedsvc import durable
from feedsvc.errors import PublishError


def _open_fds(folder: Path) -> set[str]:
    """This process's open descriptors on `folder` or files in it (other tests' threads may open or
    close descriptors of their own meanwhile)."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed since the listing
        if target == str(folder) or target.startswith(f"{folder}/"):
            found.add(fd)
    return found


def _written(folder: Path, n: int) -> list[tuple[int, str]]:
    files = []
    for i in range(n):
        fd = os.open(folder / f"{i}.html", os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, b"x" * i)
        files.append((fd, f"{i}.html"))
    return files


def test_every_file_synced_and_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _open_fds(tmp_path)
    synced: list[str] = []
    lock = threading.Lock()
    real = os.fdatasync

    def sync(fd: int) -> None:
        with lock:
            synced.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", sync)
    syncer = durable.Syncer(threads=3, ahead=4)  # fewer slots than files: `add` waits for one
    for fd, rel in _written(tmp_path, 20):
        syncer.add(fd, rel)
    syncer.wait()
    assert sorted(synced) == sorted(f"{i}.html" for i in range(20))
    syncer.add_folder(str(tmp_path))
    syncer.close()
    assert _open_fds(tmp_path) == before


def test_a_failure_is_raised_once_all_are_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _open_fds(tmp_path)
    real = os.fdatasync

    def sync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("/7.html"):
            raise OSError(errno.EIO, "Input/output error")
        real(fd)

    monkeypatch.setattr(os, "fdatasync", sync)
    syncer = durable.Syncer()
    for fd, rel in _written(tmp_path, 12):
        syncer.add(fd, rel)
    with pytest.raises(PublishError, match=r"^7\.html: cannot write: Input/output error$"):
        syncer.wait()
    syncer.close()
    assert _open_fds(tmp_path) == before  # every descriptor closed, the failing one too
