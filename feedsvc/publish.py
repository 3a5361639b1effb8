"""From store changes to files in the served folder: plan (pure), build (render), write (atomic).

    changes ──plan()──► Plan ──build(source, plan, settings)──► Build ──write(output_dir, build)
                                  build_all(source, settings)     └──► remove(output_dir, build.obsolete)

`build` renders what a plan names, `build_all` every output (regenerate). Both return a `Build`:
an iterator of (relative path, bytes) made lazily, so a whole archive never sits in memory. When
it is exhausted, `Build.obsolete` lists outputs that are no longer produced (retracted articles,
emptied feeds, archive pages beyond the last) for `remove`. Feed documents and article pages whose
copy in the output folder is current (same digest, see `render.keys.doc_digest`) are not
rendered again; they are listed in `Build.kept`. `write` replaces a file only when its bytes
differ, atomically; nothing else writes into the output folder.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import secrets
import stat
import threading
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path

from feedsvc.config import Settings
from feedsvc.durable import Syncer, make_folders, sync_path, with_parents
from feedsvc.errors import PublishError
from feedsvc.faults import checkpoint
from feedsvc.makers import AHEAD, CHUNK, Maker, Pending, unlink_all
from feedsvc.plans import EntrySource, Plan
from feedsvc.records import Change, Entry, FeedRef
from feedsvc.render.builder import INDEX, ISSUES_INDEX, OPML, SEARCH, TEMP_SUFFIX, Build, Builder, stale_files
from feedsvc.render.common import html_path

__all__ = ["Build", "EntrySource", "Plan", "build", "build_all", "plan", "remove", "sync_path", "write"]

_BATCH_FILES = 512  # temporary files made durable together, then renamed into place
_BATCH_BYTES = 32 << 20
_SYNCFS_MIN = 16  # a smaller batch is fsynced file by file
# A run's first batch (an ingest's files, all of them) is fdatasynced file by file on a few threads
# while the next files are made (`durable.Syncer`): its cost is what it wrote. Once a batch fills,
# the run is a regenerate's: each later batch is made durable by one `syncfs`.


# ------------------------------------------------------------------------------------------ plan


def plan(changes: Iterable[Change]) -> Plan:
    """Which outputs `changes` (applied in order) touch. Pure.

    A change touches every feed of its entry before and after (so a contributor taken off an entry
    gets their feed rebuilt, or removed when it empties), the article page of its entry after, and
    the article page of its entry before when that page is not produced any more.
    """
    feeds: set[FeedRef] = set()
    write: dict[str, Entry] = {}
    delete: set[str] = set()
    since: dt.datetime | None = None
    days: set[dt.date] = set()
    for change in changes:
        feeds |= change.feeds
        for entry in (change.before, change.after):
            if entry is not None:
                days.add(entry.issue_date)
                if since is None or entry.published < since:
                    since = entry.published
        before, after = change.before, change.after
        if before is not None and (after is None or after.path != before.path):
            if before.path in write and write[before.path].id == before.id:
                del write[before.path]
            delete.add(before.path)
        if after is not None:
            write[after.path] = after
            delete.discard(after.path)
    if since is None:
        return Plan()
    pages = {INDEX, OPML, ISSUES_INDEX, SEARCH} | {html_path(ref) for ref in feeds if ref.kind != "paper"}
    return Plan(
        feeds=frozenset(feeds),
        articles=tuple(write[path] for path in sorted(write)),
        deleted_articles=frozenset(delete - write.keys()),
        pages=frozenset(pages),
        since=since,
        issues=frozenset(days),
    )


# ----------------------------------------------------------------------------------------- build


def build(source: EntrySource, plan: Plan, settings: Settings, *, output_dir: Path | None = None) -> Build:
    """The outputs `plan` names. `output_dir` (default `settings.paths.output`) is the folder the
    outputs go to: its archive pages are checked for being current, its files for being obsolete."""
    builder = Builder(source, settings, output_dir, reuse=True)
    return Build(builder.planned(plan))


def build_all(
    source: EntrySource,
    settings: Settings,
    *,
    output_dir: Path | None = None,
    reuse: bool = True,
    workers: int | None = None,
) -> Build:
    """Every output (regenerate). With `reuse`, documents current in `output_dir` (default
    `settings.paths.output`) are kept as they are; `obsolete` lists every other file there.
    `workers` processes render entries (default: one per CPU, up to 4, for 3000 entries or more;
    0 or 1: none); the bytes are the same either way."""
    builder = Builder(source, settings, output_dir, reuse=reuse, workers=workers)
    return Build(builder.everything(), lambda b: _stale(builder, b))


def _stale(builder: Builder, build: Build) -> list[str]:
    """The files in the output folder `build` did not produce or keep; none if the folder was empty
    when the build started (every file in it now is this build's: no walk of its ~100,000)."""
    return [] if builder.cold else stale_files(builder.folder, build.produced | build.kept)


# ----------------------------------------------------------------------------------------- write


def _target(folder: Path, rel: str) -> str:
    """`folder / rel` for a relative POSIX path without `.`, `..` or empty parts (as a string:
    pathlib would cost more than the rest of handling a small file's name)."""
    return _base(folder) + _checked(rel)


def _base(folder: Path | str) -> str:
    """`folder` as a string ending with the separator: `_base(folder) + rel` is
    `os.path.join(folder, rel)` for a `rel` `_checked` lets through."""
    return os.path.join(folder, "")


def _checked(rel: str) -> str:
    """`rel` if it is a relative POSIX path without `.`, `..` or empty parts: wrapped in slashes,
    such a part shows as `//`, `/./` or `/../` (an empty, absolute or trailing-slash path as `//`)."""
    wrapped = f"/{rel}/"
    if "//" in wrapped or "/./" in wrapped or "/../" in wrapped or "\\" in rel or "\0" in rel:
        raise PublishError(f"{rel!r}: not a relative path inside the output folder")
    return rel


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _unchanged(target: str, data: bytes, rel: str) -> bool:
    try:
        st = os.stat(target)
        if not stat.S_ISREG(st.st_mode):
            raise PublishError(f"{rel}: exists and is not a file")
        if st.st_size != len(data):
            return False
        with open(target, "rb") as f:
            return f.read() == data
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise PublishError(f"{rel}: cannot read: {_reason(exc)}") from exc


class _Writer(threading.Thread):
    """Writes the files `write` hands it: each to a temporary file beside its target, then, a batch
    at a time, makes the batch durable and renames its files into place in order; last, fsyncs the
    folders it renamed files in. The first batch's files are fdatasynced by a `Syncer` as they are
    written; a later batch's (a regenerate's) by one `syncfs` (an fsync per file for a small one),
    and then the folders by one `syncfs`. A later batch's files are compared and written on
    `MAKERS` threads (`makers.Maker`); the batch is renamed here, in order, once all are written. After a
    failure it writes nothing more; the failed batch's temporary files are removed and the files
    before the failing one renamed."""

    def __init__(self, listing: Callable[[list[str]], None] | None = None) -> None:
        super().__init__(name="feedsvc-write", daemon=True)
        self.listing = listing
        self.queue: queue.Queue[list[tuple[str, str, bytes]] | None] = queue.Queue(max(1, AHEAD // CHUNK))
        self.changed: list[str] = []
        self.folders: set[str] = set()
        self.new_folders: list[str] = []  # made by this run (the highest of each chain first)
        self.failure: BaseException | None = None
        self._made: set[str] = set()  # folders known to exist
        self._fresh: set[str] = set()  # folders this run made: nothing in them to compare with
        self._umask = _umask()
        self._batch: list[Pending] = []
        self._size = 0
        self._prefix = f"{os.getpid()}-{secrets.token_hex(4)}"  # unlike any left by a crashed run
        self._serial = 0
        self._syncer: Syncer | None = Syncer()  # None once the run is large
        self._maker: Maker | None = None  # once the run is large

    def run(self) -> None:
        while (chunk := self.queue.get()) is not None:
            for item in chunk:
                if self.failure is not None:
                    break
                try:
                    self._add(*item)
                except BaseException as exc:  # raised in the calling thread
                    self.failure = exc
        if self.failure is None:
            try:
                self._commit()
            except BaseException as exc:
                self.failure = exc
        if self._syncer is not None and self.failure is not None:
            self._syncer.close()  # every descriptor it holds closed
        if self._maker is not None:
            self._maker.close()  # what it made and no batch holds removed
        for pending in self._batch:  # left by a failure
            with suppress(OSError):
                os.unlink(pending.tmp)
        self._sync_folders()

    def _sync_folders(self) -> None:
        """The renames durable: the folders fsynced (by the syncer, or one `syncfs` after a large
        run), and the folders this run made with their parents (where their entries are), deepest
        first. Best effort: the files are in place already, and a folder that cannot be synced is
        no reason to fail."""
        folders = with_parents(self.folders, self.new_folders)
        if self._syncer is None or self.failure is not None:
            _sync_dirs(folders)
            return
        for folder in folders:
            self._syncer.add_folder(folder)
        self._syncer.close()

    def _add(self, rel: str, target: str, data: bytes) -> None:
        maker = self._maker
        if maker is not None and maker.failed.is_set():
            self._commit()  # a file before this one failed: raises its error, what came before written
        folder = os.path.dirname(target)
        try:
            if folder not in self._made:
                self._folder(folder, rel)
            tmp = None if maker is not None else self._changed(rel, target, data, fresh=folder in self._fresh)
        except PublishError:
            self._commit()  # what came before the failing file is written
            raise
        if maker is not None:  # a large run: compared and written on the maker's threads
            maker.add(rel, target, self._tmp_name(target), data, fresh=folder in self._fresh)
            files, size = len(self._batch) + maker.changed, self._size + maker.changed_bytes
            if files >= _BATCH_FILES or size >= _BATCH_BYTES:  # changed files, counted once made
                self._commit(whole=False)
            return
        if tmp is None:
            return
        self._batch.append(Pending(rel, target, tmp, len(data)))
        self._size += len(data)
        if len(self._batch) >= _BATCH_FILES or self._size >= _BATCH_BYTES:
            self._commit()
            if self._syncer is not None:  # a large run: later batches are synced as one
                self._syncer.close()
                self._syncer = None
                self._maker = Maker(_unchanged, self._temporary)

    def _changed(self, rel: str, target: str, data: bytes, *, fresh: bool) -> str | None:
        """`target`'s new temporary file holding `data`, if `data` differs from it (None if not)."""
        if not fresh and _unchanged(target, data, rel):
            return None
        return self._temporary(target, self._tmp_name(target), data, rel)

    def _tmp_name(self, target: str) -> str:
        """A temporary file's name beside `target`, unlike any other's."""
        folder, name = os.path.split(target)
        self._serial += 1
        return os.path.join(folder, f".{name}.{self._prefix}-{self._serial}{TEMP_SUFFIX}")

    def _temporary(self, target: str, tmp: str, data: bytes, rel: str) -> str:
        """A new temporary file `tmp` beside `target` holding `data` (not yet durable)."""
        checkpoint("publish.write.file")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise PublishError(f"{rel}: cannot write: {_reason(exc)}") from exc
        try:
            try:
                if self._umask & 0o644:
                    os.fchmod(fd, 0o644)  # whatever the umask
                view, done = memoryview(data), 0
                while done < len(data):
                    done += os.write(fd, view[done:])
                checkpoint("publish.replace.writing")
            except BaseException:
                os.close(fd)
                raise
            if self._syncer is not None:
                self._syncer.add(fd, rel)  # made durable beside the next files; closed by it
            else:
                os.close(fd)
        except BaseException as exc:
            with suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                raise PublishError(f"{rel}: cannot write: {_reason(exc)}") from exc
            raise
        return tmp

    def _folder(self, folder: str, rel: str) -> None:
        """Make `folder` if it is missing (and the folders above it); one made now is `_fresh`: no
        file in it to compare with, and `new_folders` (its entry in its parent made durable last)."""
        try:
            made = make_folders(folder)
        except OSError as exc:
            raise PublishError(f"{rel}: cannot write: {_reason(exc)}") from exc
        self.new_folders += made
        self._fresh.update(made)
        self._made.update(made)
        self._made.add(folder)

    def _commit(self, *, whole: bool = True) -> None:
        """Make the batch durable, then rename its files into place, in order. A large run's files
        are taken from the maker first and cut into batches as they would have been on this thread
        (`_BATCH_FILES` changed files or `_BATCH_BYTES`); unless `whole`, what is left short of a
        batch waits for the next. Should one have failed, those before it are written."""
        if self._maker is None:
            self._rename()
            return
        made, failure = self._maker.take()
        rest = iter(made)
        try:
            for pending in rest:
                self._batch.append(pending)
                self._size += pending.size
                if len(self._batch) >= _BATCH_FILES or self._size >= _BATCH_BYTES:
                    self._rename()
            if whole or failure is not None:
                self._rename()
        except BaseException:
            unlink_all(pending.tmp for pending in rest)
            raise
        if failure is not None:
            raise failure

    def _rename(self) -> None:
        batch = self._batch
        if not batch:
            return
        if self.listing is not None:
            self.listing([pending.rel for pending in batch])
        if self._syncer is not None:
            self._syncer.wait()
        else:
            _durable(batch)
        done = 0
        try:
            for pending in batch:
                checkpoint("publish.replace.synced")
                try:
                    os.replace(pending.tmp, pending.target)
                except OSError as exc:
                    raise PublishError(f"{pending.rel}: cannot write: {_reason(exc)}") from exc
                done += 1
                self.changed.append(pending.rel)
                self.folders.add(os.path.dirname(pending.target))
                checkpoint("publish.write.replaced")
        finally:
            del batch[:done]  # what is left has a temporary file to remove
            self._size = 0


def _umask() -> int:
    """The process's umask, read without changing it (Linux's /proc); all bits if unknown."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o777


def _durable(batch: list[Pending]) -> None:
    """Every temporary file of the batch on disk: for a large batch one `syncfs` of the output's
    file system (the disk writes them all in one go, instead of one journal commit per fsync), else
    an fsync per file."""
    if len(batch) >= _SYNCFS_MIN:
        with suppress(OSError):
            if sync_path(os.path.dirname(batch[0].tmp), whole_fs=True):
                return
    for pending in batch:
        try:
            sync_path(pending.tmp)
        except OSError as exc:
            raise PublishError(f"{pending.rel}: cannot write: {_reason(exc)}") from exc


def _sync_dirs(folders: list[str]) -> None:
    """The renames durable: the folders fsynced (many at once: one `syncfs`). Best effort: the
    files are in place already, and a folder that cannot be synced is no reason to fail."""
    if len(folders) >= _SYNCFS_MIN:
        with suppress(OSError):
            if sync_path(folders[0], whole_fs=True):
                return
    for folder in folders:
        with suppress(OSError):
            sync_path(folder)


def write(
    output_dir: Path,
    files: Iterable[tuple[str, bytes]],
    *,
    listing: Callable[[list[str]], None] | None = None,
) -> list[str]:
    """Write each (relative path, bytes) below `output_dir` whose bytes differ from the file there.

    Each file is replaced atomically (a temporary file in the same folder, made durable, then
    `os.replace`); unchanged files are not touched and keep their mtime. Returns the paths written,
    in order. Raises `PublishError` naming the path on a bad path or an OSError; the old file stays
    intact and the temporary file is removed; files before it stay written, files after it are not.

    While this thread makes the next files (iterating `files`), a writer thread compares them with
    the folder's, writes temporary files and, a batch of them at a time, makes them durable and
    renames them into place in order (see `_Writer`). Last, the folders written to are fsynced.
    `listing`, if given, is called with each batch's paths before any of them is renamed into place
    (the output manifest lists them: `pipeline`); if it raises, the batch is not written."""
    writer = _Writer(listing)
    writer.start()
    chunk: list[tuple[str, str, bytes]] = []
    base = _base(output_dir)  # `_target`'s join, once
    try:
        for rel, data in files:
            if writer.failure is not None:
                break
            chunk.append((rel, base + _checked(rel), data))
            if len(chunk) >= CHUNK:
                writer.queue.put(chunk)
                chunk = []
    finally:
        if chunk:  # also when `files` failed: what it gave before is written
            writer.queue.put(chunk)
        writer.queue.put(None)
        writer.join()
    if writer.failure is not None:
        raise writer.failure
    return writer.changed


def remove(output_dir: Path, paths: Iterable[str]) -> list[str]:
    """Delete these outputs below `output_dir` (missing ones are skipped) and folders they leave
    empty. Returns the paths deleted. Raises `PublishError` naming the path on an OSError."""
    removed: list[str] = []
    for rel in paths:
        target = Path(_target(output_dir, rel))
        try:
            checkpoint("publish.remove.file")
            target.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise PublishError(f"{rel}: cannot delete: {_reason(exc)}") from exc
        checkpoint("publish.remove.unlinked")
        removed.append(rel)
        folder = target.parent
        while folder != output_dir and output_dir in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent
    return removed
