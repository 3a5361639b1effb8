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


def read(output_dir: Path) -> Manifest | None:
    """The manifest, or None when the folder has none (never published, or published before
    manifests existed: then nothing already there counts as feedsvc's)."""
    try:
        lines = (output_dir / NAME).read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise PublishError(f"{output_dir / NAME}: cannot read the output manifest: {exc}") from exc
    sid = _store_line(output_dir, lines[0], lines[1] if len(lines) > 1 else "")
    listed = [line for line in lines[2:] if line]
    return Manifest(sid, set(listed), listed)


def write(output_dir: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically (durable before it is renamed into place)."""
    text = "\n".join([_HEADER, f"store {manifest.store_id or ''}", *_sorted(manifest)]) + "\n"
    target = output_dir / NAME
    tmp = output_dir / f"{NAME}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink()
        raise PublishError(f"{target}: cannot write the output manifest: {exc.strerror or exc}") from exc


def _sorted(manifest: Manifest) -> list[str]:
    """`sorted(manifest.files)`, made from the lines as read (sorted already, as `write` leaves
    them) and the files added since: a merge of two sorted runs instead of a sort of 100,000."""
    files = manifest.files
    lines = [line for line in manifest.read_order if line in files]
    lines += sorted(files.difference(manifest.read_order))
    lines.sort()
    if len(lines) != len(files):  # a line listed twice in the file
        return sorted(files)
    return lines


def updated(manifest: Manifest, store: str, produced: Iterable[str], obsolete: Iterable[str]) -> Manifest:
    """After a publish: `produced` (written or found current) are listed, `obsolete` are not.
    `manifest` itself when that changes nothing (one copy of the list at most, none then)."""
    new, gone = set(produced), set(obsolete)
    if store == manifest.store_id and new <= manifest.files and manifest.files.isdisjoint(gone):
        return manifest
    files = manifest.files | new
    files -= gone
    return Manifest(store, files, manifest.read_order)
