"""The output folder's manifest: which files feedsvc wrote there, and from which store.

`<output>/.feedsvc-manifest` (a dotfile: never served) names the store, and the list of files is
split into parts by folder, in `<output>/.feedsvc-manifest.d/` (a dot-folder: never served):

    .feedsvc-manifest            .feedsvc-manifest.d/<part>   (<part>: 00 … 3f)
    feedsvc output manifest 1    feedsvc output manifest part 1
    store <the store's id>       <relative path of a file feedsvc wrote>
                                 ...

A file's part is a hash of its folder (`part_of`), so the files an ingest adds (an issue's article
pages, its issue page) fall into a few parts and a publish rewrites those (~50 KB each), not a
list of 100,000 lines (3 MB). Each part holds its lines sorted, once; a part with no line has no
file: the files are a function of the list (an output made by ingests has the same manifest bytes
as a regenerate's). A manifest written before the parts existed lists its files in
`.feedsvc-manifest` itself, after the store line; those lines are read too (an older feedsvc
reading a manifest made here sees no list and deletes nothing), and moved into parts at the next
write.

Only files it lists (and `publish.write`'s own temporary files) are ever deleted from the output
folder, so an output folder shared with anything else loses nothing else. Its store id lets an
ingest or regenerate notice that the store it opened is not the one the folder was published from
(a deleted or truncated store file, a volume not mounted) and refuse rather than delete every older
article page (`pipeline` checks it; `--new-store` overrides). Each file of it is replaced
atomically (durable before it is renamed into place); `pipeline` lists a batch of files before
`publish.write` renames them into place (`write` with the files added; a full run appends them to
the journal, `feedsvc.journal`, whose lines `read` counts and `write` folds in) and unlists files only
after deleting them, so a crash at any point leaves every file feedsvc wrote listed, and never a
listed file that feedsvc did not write (at worst one it was about to write, or has just deleted).
"""

from __future__ import annotations

import math
import os
import secrets
import zlib
from collections.abc import Iterable, Iterator, Set
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from feedsvc import journal
from feedsvc.durable import Syncer, make_folders, sync_path, with_parents
from feedsvc.errors import PublishError
from feedsvc.render.builder import TEMP_SUFFIX

NAME = ".feedsvc-manifest"
PARTS = NAME + ".d"
_HEADER = "feedsvc output manifest 1"
_PART_HEADER = "feedsvc output manifest part 1"
_PART_COUNT = 64
_ROOT = ""  # the lines listed in `.feedsvc-manifest` itself (a manifest from before the parts)

Parts = dict[str, list[str]]
"""Part name → its lines (sorted, each once) as the files on disk hold them."""


def part_of(rel: str) -> str:
    """The part listing `rel`: a hash of its folder (the files of one folder share a part)."""
    return _part_of_folder(rel.rpartition("/")[0])


@lru_cache(maxsize=1 << 14)
def _part_of_folder(folder: str) -> str:
    return f"{zlib.crc32(folder.encode('utf-8')) % _PART_COUNT:02x}"


class Listed(Set[str]):
    """A manifest's files as a set that a publish changes without copying: a shared, frozen
    `base` (the list as read, ~100,000 paths in a 10-year output) and the paths `added` to it and
    `removed` from it since. `updated` makes a new one from the last (the `Manifest`s a process
    keeps are never changed in place) by copying the changes only; once they outnumber
    `_fold_at(base)` (~2,500 for 100,000 paths: the square root balances copying the changes at
    each publish against copying the base at a fold) they are folded into a new base. A copy of
    the whole list at every publish cost ~8 ms of an ingest into the 10-year output, and the
    collector (`feedsvc.collector`) walked that fresh copy at the publish's end (~7 M of its
    ~10 M instructions an ingest)."""

    __slots__ = ("_added", "_base", "_removed")

    def __init__(
        self,
        base: Iterable[str] = (),
        added: frozenset[str] = frozenset(),
        removed: frozenset[str] = frozenset(),
    ) -> None:
        self._base = base if isinstance(base, frozenset) else frozenset(base)
        self._added = added - self._base  # never in the base
        self._removed = removed & self._base  # only from the base

    @classmethod
    def of(cls, files: Set[str]) -> Listed:
        return files if isinstance(files, Listed) else cls(files)

    def __contains__(self, rel: object) -> bool:
        return rel in self._added or (rel in self._base and rel not in self._removed)

    def __len__(self) -> int:
        return len(self._base) - len(self._removed) + len(self._added)

    def __iter__(self) -> Iterator[str]:
        removed = self._removed
        yield from (rel for rel in self._base if rel not in removed) if removed else self._base
        yield from self._added

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Listed) and other._base is self._base:  # the changes alone differ
            return (self._added, self._removed) == (other._added, other._removed)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # as a set's: equal to sets, so not hashable

    def changed(self, plus: Iterable[str], minus: Iterable[str]) -> Listed:
        """These files with `plus` listed and then `minus` not."""
        plus, minus = frozenset(plus), frozenset(minus)  # `plus`: also the files found current
        added = self._added.union(plus.difference(self._base)).difference(minus)
        removed = self._removed.difference(plus).union(minus.intersection(self._base))
        if len(added) + len(removed) > _fold_at(len(self._base)):
            return Listed(self._base.difference(removed).union(added))
        return Listed(self._base, added, removed)


def _fold_at(base: int) -> int:
    """How many changes a `Listed` with `base` paths in its base carries before they are folded in."""
    return max(256, 8 * math.isqrt(base))


@dataclass(slots=True)
class Manifest:
    store_id: str | None = None
    files: Set[str] = field(default_factory=Listed)
    saved: Parts | None = field(default=None, compare=False)
    """What the manifest on disk says, by part (`store_id` aside): known when this was read or
    written, or made from one that was by `updated`. None: not known, every part is written."""
    delta: tuple[frozenset[str], frozenset[str]] | None = field(default=None, compare=False)
    """(added, removed): `files` against `saved`, so `write` rewrites only the parts they fall in;
    None: not known (the parts are compared whole)."""
    saved_store: str | None = field(default=None, compare=False)  # the store line on disk

    def ours(self, rel: str) -> bool:
        """Did feedsvc write `rel`? (listed, or one of `publish.write`'s temporary files)"""
        name = rel.rsplit("/", 1)[-1]
        return rel in self.files or (name.startswith(".") and name.endswith(TEMP_SUFFIX))


def store_id(output_dir: Path) -> str | None:
    """The store id the output folder was last published from, if it has a manifest."""
    try:
        with open(output_dir / NAME, encoding="utf-8") as f:
            header, second = f.readline().rstrip("\n"), f.readline().rstrip("\n")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise PublishError(f"{output_dir / NAME}: cannot read the output manifest: {exc}") from exc
    return _store_line(output_dir, header, second)


def _store_line(output_dir: Path, header: str, second: str) -> str:
    if header != _HEADER or not second.startswith("store "):
        raise PublishError(f"{output_dir / NAME}: not a feedsvc output manifest")
    return second[len("store ") :]


_Stat = tuple[int, int, int, int, int]
_LAST: dict[str, tuple[tuple[_Stat, ...], Manifest]] = {}
"""The manifest this process last read or wrote, by output folder, with its files' identities
then: a daemon publishing one issue after another reads its 100,000 lines once, not at every
publish. Taken only while every file is the same one (device, inode, size, modification and change
times: `write` replaces a file by renaming a new one). The `Manifest`s handed out are never
changed in place."""


def _identity(path: str) -> _Stat:
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _part_names(output_dir: Path) -> list[str]:
    try:
        names = os.listdir(output_dir / PARTS)
    except FileNotFoundError:
        return []
    return sorted(n for n in names if not n.startswith("."))


def _identities(output_dir: Path, names: list[str]) -> tuple[_Stat, ...]:
    folder = os.fspath(output_dir / PARTS)
    try:
        journaled = _identity(os.path.join(folder, journal.NAME))
    except FileNotFoundError:
        journaled = (0, 0, 0, 0, 0)
    parts = (_identity(os.path.join(folder, n)) for n in names)
    return (_identity(os.fspath(output_dir / NAME)), journaled, *parts)


def read(output_dir: Path) -> Manifest | None:
    """The manifest, or None when the folder has none (never published, or published before
    manifests existed: then nothing already there counts as feedsvc's)."""
    key = os.fspath(output_dir)
    try:
        names = _part_names(output_dir)
        identity = _identities(output_dir, names)
        last = _LAST.get(key)
        if last is not None and last[0] == identity:
            return last[1]
        with open(output_dir / NAME, encoding="utf-8") as f:
            lines = f.read().split("\n")
        parts = {_ROOT: _lines(lines[2:])}
        for name in names:
            parts[name] = _read_part(output_dir / PARTS / name)
        journaled = journal.read(output_dir / PARTS)
    except FileNotFoundError:
        _LAST.pop(key, None)
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise PublishError(f"{output_dir / NAME}: cannot read the output manifest: {exc}") from exc
    sid = _store_line(output_dir, lines[0], lines[1] if len(lines) > 1 else "")
    listed = frozenset().union(*parts.values())
    once = sum(map(len, parts.values())) == len(listed)  # else a line listed twice: parts made anew
    added = frozenset(journaled).difference(listed)  # listed by a full run's journal: not in parts yet
    files = Listed(listed, added)
    found = Manifest(sid, files, parts if once else None, (added, frozenset()) if once else None, sid)
    _LAST[key] = (identity, found)  # the identities from before the read: changed since, read again
    return found


def _read_part(path: Path) -> list[str]:
    """A part's lines; refused when damaged (a wrong header, or no newline at its end: cut short,
    its last line maybe a piece of a path), as `.feedsvc-manifest` itself is."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    if lines[0] != _PART_HEADER:
        raise PublishError(f"{path}: not a part of a feedsvc output manifest")
    if not text.endswith("\n"):
        raise PublishError(f"{path}: a part of the output manifest cut short (no newline at its end)")
    return _lines(lines[1:])


def _lines(lines: list[str]) -> list[str]:
    """The listed paths among a file's lines: all but the empty last one (a file ends with a
    newline), unless a line is empty elsewhere (a file edited by hand)."""
    if lines and not lines[-1]:
        lines.pop()
    return [line for line in lines if line] if "" in lines else lines


def render(store: str | None, files: Iterable[str]) -> dict[str, bytes]:
    """The manifest's files (relative to the output folder) for `files` from `store`: what
    `write` leaves on disk, whatever the history."""
    parts: dict[str, list[str]] = {}
    for rel in files:
        parts.setdefault(part_of(rel), []).append(rel)
    out = {NAME: _root_text(store).encode("utf-8")}
    for name, lines in parts.items():
        out[f"{PARTS}/{name}"] = _part_text(sorted(set(lines))).encode("utf-8")
    return out


def _root_text(store: str | None) -> str:
    return f"{_HEADER}\nstore {store or ''}\n"


def _part_text(lines: list[str]) -> str:
    return "\n".join([_PART_HEADER, *lines]) + "\n"


def write(output_dir: Path, manifest: Manifest) -> Manifest:
    """Make the manifest on disk say `manifest`: each part whose lines change replaced
    atomically, parts left empty deleted, then the store line; returns the manifest as now on disk
    (carrying what it saved: hand it to `updated` for the next write)."""
    key = os.fspath(output_dir)
    _LAST.pop(key, None)
    old = manifest.saved
    new, touched = _new_parts(manifest)
    if old is None:
        changed = new
        gone = [n for n in _part_names(output_dir) if n not in new]
    else:
        changed = {n: new[n] for n in touched if n in new and old.get(n) != new[n]}
        gone = [n for n in touched if n != _ROOT and n not in new and old.get(n)]
    try:
        if changed or gone:
            _write_parts(output_dir, changed, gone)
        if old is None or old.get(_ROOT) or manifest.saved_store != manifest.store_id:
            _replace(output_dir, NAME, _root_text(manifest.store_id))
            sync_path(output_dir)
        if journal.remove(output_dir / PARTS):  # its lines are `manifest.files`' (see `read`)
            sync_path(output_dir / PARTS)
    except (OSError, PublishError) as exc:
        reason = exc.strerror or exc if isinstance(exc, OSError) else exc
        raise PublishError(f"{output_dir / NAME}: cannot write the output manifest: {reason}") from exc
    saved: Parts = {_ROOT: [], **new}
    done = Manifest(manifest.store_id, manifest.files, saved, (frozenset(), frozenset()), manifest.store_id)
    with suppress(OSError):
        _LAST[key] = (_identities(output_dir, sorted(new)), done)
    return done


def _new_parts(manifest: Manifest) -> tuple[Parts, Iterable[str]]:
    """Every part's lines for `manifest.files`, and the parts that may differ from `saved` (the
    others are `saved`'s lists, not copied)."""
    old, delta = manifest.saved, manifest.delta
    if old is None or delta is None or old.get(_ROOT):  # not known, or lines from before the parts
        parts: Parts = {}
        for rel in manifest.files:
            parts.setdefault(part_of(rel), []).append(rel)
        for lines in parts.values():
            lines.sort()
        return parts, parts.keys() | (old or {}).keys()
    by_part: dict[str, tuple[set[str], set[str]]] = {}
    for n, changes in enumerate(delta):
        for rel in changes:
            by_part.setdefault(part_of(rel), (set(), set()))[n].add(rel)
    parts = {n: lines for n, lines in old.items() if n != _ROOT}
    for name, (plus, minus) in by_part.items():
        lines = _merged(parts.get(name, []), plus, minus)
        if lines:
            parts[name] = lines
        else:
            parts.pop(name, None)
    return parts, by_part.keys()


def _write_parts(output_dir: Path, changed: Parts, gone: list[str]) -> None:
    """Each changed part to a temporary file, all made durable at once (fdatasyncs on a few
    threads), renamed into place; emptied parts deleted; the folder fsynced. First, the temporary
    parts a killed run left are deleted (the caller holds the writer lock: none is being written)."""
    folder = output_dir / PARTS
    new_folders = make_folders(os.fspath(folder))
    _remove_leftovers(folder)
    syncer, made = Syncer(), []
    try:
        for name, lines in sorted(changed.items()):
            tmp = folder / f".{name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
            made.append((tmp, folder / name))
            try:
                data = memoryview(_part_text(lines).encode("utf-8"))
                while data:
                    data = data[os.write(fd, data) :]
            except BaseException:
                os.close(fd)
                raise
            syncer.add(fd, f"{PARTS}/{name}")
        syncer.wait()
        for tmp, target in made:
            os.replace(tmp, target)
        made.clear()
    finally:
        syncer.close()
        for tmp, _ in made:
            with suppress(OSError):
                tmp.unlink()
    for name in gone:
        with suppress(FileNotFoundError):
            (folder / name).unlink()
    for path in with_parents([os.fspath(folder)], new_folders):  # the folder, and any it made
        sync_path(path)


def _remove_leftovers(folder: Path) -> None:
    """Delete the temporary parts (`.<part>.<random>.feedsvc-tmp`) a killed write left in `folder`:
    `read` and the served-files sweep skip them, so nothing else ever would."""
    for name in os.listdir(folder):
        if name.startswith(".") and name.endswith(TEMP_SUFFIX):
            with suppress(FileNotFoundError):
                os.unlink(folder / name)


def _replace(output_dir: Path, name: str, text: str) -> None:
    new_folders = make_folders(os.fspath(output_dir))
    tmp = output_dir / f"{name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, output_dir / name)
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise
    for path in with_parents([], new_folders):  # the entries of the folders made
        sync_path(path)


def _merged(base: list[str], added: set[str], removed: set[str]) -> list[str]:
    """`base` (a part's lines as read: sorted and each once, as `write` leaves them, or a file
    edited by hand) with `added` and without `removed`, sorted, each once. A part holds ~1,600
    lines: sorting them again costs less than proving they need not be."""
    return sorted(set(base).union(added).difference(removed))


def updated(manifest: Manifest, store: str, produced: Iterable[str], obsolete: Iterable[str]) -> Manifest:
    """After a publish: `produced` (written or found current) are listed, `obsolete` are not.
    `manifest` itself when that changes nothing (one copy of the list at most, none then)."""
    new, gone = set(produced), set(obsolete)
    if store == manifest.store_id and new <= manifest.files and manifest.files.isdisjoint(gone):
        return manifest
    files = Listed.of(manifest.files).changed(new, gone)  # the changes copied, not the whole list
    delta = None
    if manifest.delta is not None and manifest.saved is not None:
        added, removed = manifest.delta
        was, now = manifest.files, files

        def on_disk(rel: str) -> bool:  # is `rel` listed in `saved`?
            return rel in removed or (rel in was and rel not in added)

        changed = added | removed | new | gone
        delta = (
            frozenset(r for r in changed if r in now and not on_disk(r)),
            frozenset(r for r in changed if r not in now and on_disk(r)),
        )
    return Manifest(store, files, manifest.saved, delta, manifest.saved_store)
