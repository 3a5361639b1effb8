"""Search over the whole archive without a server: a Pagefind index in bundles (see
`render/bundles.py`: the latest month, then one per year), merged in the browser.

After publishing, `update` rebuilds the bundles whose articles changed, and only those: Pagefind
cannot add to an index, so a bundle is indexed again whole, from
small staging pages made from the store (not the published pages) in a temporary folder, by the
`pagefind` binary (the extended one, which segments Chinese). The bundle's files go through
`publish.write` (atomic, only the files whose bytes changed; Pagefind names its index files by
their content, so an unchanged bundle keeps its files), its entry file last, and the files it no
longer has are deleted after. `pagefind/<name>/feedsvc.digest` records what the bundle was made
from, so a bundle whose articles did not change is not indexed again. `search.html` merges the
bundles in the browser (Pagefind's `mergeIndex`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from feedsvc import publish
from feedsvc.config import Settings
from feedsvc.errors import PublishError
from feedsvc.records import Entry
from feedsvc.render.bundles import RECENT, SEARCH_DIR, bundle_bound, bundle_of, window_start
from feedsvc.render.common import Site, clean, entry_title, esc
from feedsvc.render.keys import entry_key

log = logging.getLogger(__name__)
DIGEST = "feedsvc.digest"
# Pagefind names its bundle's entry file pagefind-entry.json. Whatever crawls an output folder of
# feeds (validators, readers' discovery, `check-feeds`) takes every *.json there for a JSON Feed, so
# the entry file takes Pagefind's own `.pf_` naming and the bundle's scripts are told (`_renamed`).
PAGEFIND_ENTRY = "pagefind-entry.json"
ENTRY = "pagefind-entry.pf_entry"
_TIMEOUT = 1800  # seconds for indexing one year


def _staging_page(site: Site, entry: Entry) -> str:
    """A page holding what search should find of `entry`: title, kicker, subtitle, people, text."""
    people = "\u3000".join(clean(p.label) for p in entry.contributors)
    parts = [clean(entry.kicker or ""), clean(entry.subtitle or ""), people, *map(clean, entry.paragraphs)]
    body = "".join(f"<p>{esc(p)}</p>" for p in parts if p)
    title = esc(entry_title(entry))
    return (
        f'<!doctype html><html lang="{site.language}"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><main data-pagefind-body><h1>{title}</h1>{body}</main></body></html>"
    )


def _digest(site: Site, entries: Iterable[Entry]) -> str:
    h = hashlib.sha256(f"{site.fingerprint}\n{site.look}\nsearch\n".encode())
    for entry in entries:
        h.update(entry_key(entry))
    return h.hexdigest()


def _read(folder: Path, rel: str) -> bytes | None:
    try:
        return (folder / rel).read_bytes()
    except OSError:
        return None


def _index(site: Site, entries: list[Entry]) -> dict[str, bytes]:
    """The Pagefind bundle for `entries`: relative path → bytes."""
    with tempfile.TemporaryDirectory(prefix="feedsvc-search-") as tmp:
        staging, bundle = Path(tmp) / "site", Path(tmp) / "bundle"
        for entry in entries:
            target = staging / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_staging_page(site, entry), encoding="utf-8")
        command = [sys.executable, "-m", "pagefind", "--site", str(staging), "--output-path", str(bundle)]
        try:
            subprocess.run(
                [*command, "--silent"], check=True, capture_output=True, timeout=_TIMEOUT, text=True
            )
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            raise PublishError(f"{SEARCH_DIR}: pagefind failed: {detail.strip()[:300]}") from exc
        files = {}
        for dirpath, _, names in os.walk(bundle):
            for name in names:
                path = Path(dirpath) / name
                files[path.relative_to(bundle).as_posix()] = path.read_bytes()
        return _renamed(files)


def _renamed(files: dict[str, bytes]) -> dict[str, bytes]:
    """The bundle with its entry file named ENTRY, and the scripts that load it saying so. A
    Pagefind whose scripts no longer name the entry file is an error, not a silently broken search."""
    old, new = PAGEFIND_ENTRY.encode(), ENTRY.encode()
    if PAGEFIND_ENTRY not in files or old not in files.get("pagefind.js", b""):
        raise PublishError(f"{SEARCH_DIR}: pagefind wrote no {PAGEFIND_ENTRY} that pagefind.js loads")
    return {
        ENTRY if rel == PAGEFIND_ENTRY else rel: data.replace(old, new) if rel.endswith(".js") else data
        for rel, data in files.items()
    }


def _existing(output: Path, name: str) -> list[str]:
    """The files of bundle `name` in the output folder (relative paths)."""
    found = []
    for dirpath, _, names in os.walk(output / SEARCH_DIR / name):
        for file in names:
            found.append((Path(dirpath) / file).relative_to(output).as_posix())
    return sorted(found)


def _on_disk(output: Path) -> list[str]:
    try:
        return sorted(n for n in os.listdir(output / SEARCH_DIR) if not n.startswith("."))
    except OSError:
        return []


def _recorded(output: Path, name: str) -> tuple[str, str]:
    """(bound, digest) recorded with bundle `name`, empty when there is none."""
    data = _read(output, f"{SEARCH_DIR}/{name}/{DIGEST}") or b""
    bound, _, digest = data.decode("utf-8", "replace").strip().partition("\n")
    return bound, digest


def _build(
    source: publish.EntrySource, site: Site, output: Path, name: str, *, days: list[dt.date], bound: str
) -> list[str]:
    """Bundle `name` of the issues `days`, unless the one on disk was made from the same articles."""
    entries = [e for day in days for e in source.issue_entries(day)]
    digest = _digest(site, entries)
    if _recorded(output, name) == (bound, digest):
        return []
    bundle = _index(site, entries)
    entry_file = bundle.pop(ENTRY)
    folder = f"{SEARCH_DIR}/{name}"
    files = [(f"{folder}/{rel}", data) for rel, data in sorted(bundle.items())]
    files += [(f"{folder}/{ENTRY}", entry_file), (f"{folder}/{DIGEST}", f"{bound}\n{digest}\n".encode())]
    changed = publish.write(output, files)
    keep = {rel for rel, _ in files}
    return changed + publish.remove(output, [p for p in _existing(output, name) if p not in keep])


def update(
    source: publish.EntrySource, settings: Settings, days: Iterable[dt.date] | None = None
) -> list[str]:
    """Bring the search bundles up to date after the issues of `days` changed (None: check every
    bundle against its digest, as a regenerate does); remove bundles no issue is in any more.
    Returns the paths written and removed."""
    site = Site.from_settings(settings)
    output = settings.paths.output
    if not site.search:
        return []
    listed = source.issue_dates()
    start = window_start(listed)
    by_bundle: dict[str, list[dt.date]] = {}
    for day in listed:
        by_bundle.setdefault(bundle_of(day, start), []).append(day)
    if days is None:
        wanted = set(by_bundle)
    else:
        wanted = {bundle_of(day, start) for day in days} | {RECENT}
        # a year bundle whose end moved (`recent` went on to a new month) is made again
        wanted |= {n for n in by_bundle if _recorded(output, n)[0] != bundle_bound(n, start)}
    changed: list[str] = []
    for name in sorted(wanted & by_bundle.keys()):
        changed += _build(source, site, output, name, days=by_bundle[name], bound=bundle_bound(name, start))
    for name in _on_disk(output):
        if name not in by_bundle:
            changed += publish.remove(output, _existing(output, name))
    return changed
