"""The output folder's manifest: which files feedsvc wrote there, and from which store.

`<output>/.feedsvc-manifest` (a dotfile: never served) is a text file:

    feedsvc output manifest 1
    store <the store's id>
    <relative path of a file feedsvc wrote>
    ...

Only files it lists (and `publish.write`'s own temporary files) are ever deleted from the output
folder, so an output folder shared with anything else loses nothing else. Its store id lets an
ingest or regenerate notice that the store it opened is not the one the folder was published from
(a deleted or truncated store file, a volume not mounted) and refuse rather than delete every older
article page (`pipeline` checks it; `--new-store` overrides). Written atomically, after the files
it adds and before nothing: a crash can leave a file unlisted (then it is never deleted), never a
listed file that feedsvc did not write.
"""

from __future__ import annotations

import os
import secrets
from bisect import bisect_left
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc.errors import PublishError
from feedsvc.render.builder import TEMP_SUFFIX

NAME = ".feedsvc-manifest"
_HEADER = "feedsvc output manifest 1"


@dataclass(slots=True)
class Manifest:
    store_id: str | None = None
    files: set[str] = field(default_factory=set)
    read_order: list[str] = field(default_factory=list, compare=False)  # the lines as read (sorted)
    delta: tuple[frozenset[str], frozenset[str]] | None = field(default=None, compare=False)
    """(added, removed): `files` against `read_order` when that is sorted and each line once (as
    `write` leaves it), so `write` merges a few changes into the list instead of going through
    100,000 lines; None: not known, `files` is sorted whole."""

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
_LAST: dict[str, tuple[_Stat, Manifest]] = {}
"""The manifest this process last read or wrote, by file, with the file's identity then: a daemon
publishing one issue after another reads its 100,000 lines once, not at every publish. Taken only
while the file is the same one (device, inode, size, modification and change times: `write`
replaces it by renaming a new file). The `Manifest`s handed out are never changed in place."""


def _identity(path: str) -> _Stat:
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def read(output_dir: Path) -> Manifest | None:
    """The manifest, or None when the folder has none (never published, or published before
    manifests existed: then nothing already there counts as feedsvc's)."""
    target = os.fspath(output_dir / NAME)
    try:
        identity = _identity(target)
        last = _LAST.get(target)
        if last is not None and last[0] == identity:
            return last[1]
        with open(target, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        _LAST.pop(target, None)
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise PublishError(f"{target}: cannot read the output manifest: {exc}") from exc
    sid = _store_line(output_dir, lines[0], lines[1] if len(lines) > 1 else "")
    listed = [line for line in lines[2:] if line]
    files = set(listed)
    clean = len(files) == len(listed) and all(map(str.__lt__, listed, listed[1:]))
    found = Manifest(sid, files, listed, (frozenset(), frozenset()) if clean else None)
    _LAST[target] = (identity, found)  # the identity from before the read: changed since, read again
    return found


def write(output_dir: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically (durable before it is renamed into place)."""
    lines = _sorted(manifest)
    text = "\n".join([_HEADER, f"store {manifest.store_id or ''}", *lines]) + "\n"
    target = output_dir / NAME
    _LAST.pop(os.fspath(target), None)
    tmp = output_dir / f"{NAME}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        _LAST[os.fspath(target)] = (
            _identity(os.fspath(target)),
            Manifest(manifest.store_id, manifest.files, lines, (frozenset(), frozenset())),
        )
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink()
        raise PublishError(f"{target}: cannot write the output manifest: {exc.strerror or exc}") from exc


def _sorted(manifest: Manifest) -> list[str]:
    """`sorted(manifest.files)`, made from the lines as read (sorted already, as `write` leaves
    them) and the files added and removed since: the few changes placed by bisection and the runs
    between them copied as slices; without `delta`, a merge of two sorted runs."""
    if manifest.delta is not None:
        return _merged(manifest.read_order, *manifest.delta)
    files = manifest.files
    lines = [line for line in manifest.read_order if line in files]
    lines += sorted(files.difference(manifest.read_order))
    lines.sort()
    if len(lines) != len(files):  # a line listed twice in the file
        return sorted(files)
    return lines


def _merged(base: list[str], added: frozenset[str], removed: frozenset[str]) -> list[str]:
    """`base` (sorted, each line once) with `added` (none in it) inserted and `removed` (all in it)
    left out, sorted."""
    events = sorted(
        [(bisect_left(base, x), 0, x) for x in added] + [(bisect_left(base, x), 1, x) for x in removed]
    )
    lines: list[str] = []
    at = 0
    for index, kind, line in events:
        lines += base[at:index]
        if kind == 0:
            lines.append(line)
            at = index
        else:
            at = index + 1
    lines += base[at:]
    return lines


def updated(manifest: Manifest, store: str, produced: Iterable[str], obsolete: Iterable[str]) -> Manifest:
    """After a publish: `produced` (written or found current) are listed, `obsolete` are not.
    `manifest` itself when that changes nothing (one copy of the list at most, none then)."""
    new, gone = set(produced), set(obsolete)
    if store == manifest.store_id and new <= manifest.files and manifest.files.isdisjoint(gone):
        return manifest
    files = manifest.files | new
    files -= gone
    delta = None
    if manifest.delta is not None:
        added, removed = manifest.delta
        was, now = manifest.files, files

        def in_base(rel: str) -> bool:  # is `rel` a line of `read_order`?
            return rel in removed or (rel in was and rel not in added)

        changed = added | removed | new | gone
        delta = (
            frozenset(r for r in changed if r in now and not in_base(r)),
            frozenset(r for r in changed if r not in now and in_base(r)),
        )
    return Manifest(store, files, manifest.read_order, delta)
