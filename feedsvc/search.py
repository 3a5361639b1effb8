"""Search over the whole archive without a server: a Pagefind index, one bundle per year.

After publishing, `update` rebuilds the bundle (`pagefind/<year>/`) of every year whose articles
changed, and only those: Pagefind cannot add to an index, so a year is indexed again whole, from
small staging pages made from the store (not the published pages) in a temporary folder, by the
`pagefind` binary (the extended one, which segments Chinese). The bundle's files go through
`publish.write` (atomic, only the files whose bytes changed; Pagefind names its index files by
their content, so an unchanged year keeps its files), its entry file last, and the files it no
longer has are deleted after. `pagefind/<year>/feedsvc.digest` records what the bundle was made
from, so a year whose articles did not change is not indexed again. `search.html` merges the
years' bundles in the browser (Pagefind's `mergeIndex`).
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
from feedsvc.render.builder import SEARCH_DIR
from feedsvc.render.common import Site, clean, entry_key, entry_title, esc

log = logging.getLogger(__name__)
DIGEST = "feedsvc.digest"
ENTRY = "pagefind-entry.json"
_TIMEOUT = 1800  # seconds for indexing one year


def year_dir(year: int) -> str:
    return f"{SEARCH_DIR}/{year}"


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
        return files


def _year_entries(source: publish.EntrySource, days: list[dt.date], year: int) -> list[Entry]:
    return [e for day in days if day.year == year for e in source.issue_entries(day)]


def _existing(folder: Path) -> list[str]:
    found = []
    for dirpath, _, names in os.walk(folder):
        for name in names:
            found.append((Path(dirpath) / name).relative_to(folder.parent.parent).as_posix())
    return sorted(found)


def update(source: publish.EntrySource, settings: Settings, years: Iterable[int] | None = None) -> list[str]:
    """Index again the years in `years` (every year: None) whose articles changed; remove the
    bundles of years without issues. Returns the paths written and removed."""
    site = Site.from_settings(settings)
    output = settings.paths.output
    if not site.search:
        return []
    days = source.issue_dates()
    live = {d.year for d in days}
    wanted = live if years is None else set(years)
    changed: list[str] = []
    for year in sorted(wanted):
        folder = year_dir(year)
        if year not in live:
            changed += publish.remove(output, _existing(output / folder))
            continue
        entries = _year_entries(source, days, year)
        digest = _digest(site, entries)
        if _read(output, f"{folder}/{DIGEST}") == digest.encode():
            continue
        bundle = _index(site, entries)
        entry_file = bundle.pop(ENTRY)
        files = [(f"{folder}/{rel}", data) for rel, data in sorted(bundle.items())]
        files += [(f"{folder}/{ENTRY}", entry_file), (f"{folder}/{DIGEST}", digest.encode())]
        changed += publish.write(output, files)
        keep = {rel for rel, _ in files}
        changed += publish.remove(output, [p for p in _existing(output / folder) if p not in keep])
    if years is None:  # a regenerate: bundles of years gone
        for name in sorted(os.listdir(output / SEARCH_DIR)) if (output / SEARCH_DIR).is_dir() else []:
            if name.isdecimal() and int(name) not in live:
                changed += publish.remove(output, _existing(output / SEARCH_DIR / name))
    return changed
