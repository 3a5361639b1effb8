"""The search index's pending changes: the issue dates an ingest, edit or regenerate changed, noted
in the store folder (`search-pending`) until the search bundles are built again (`search.update`).
Every function here is called with the writer lock held, unless it says otherwise.
"""

from __future__ import annotations

import datetime as dt
import logging

from feedsvc import lock, search
from feedsvc.config import Settings
from feedsvc.errors import PublishError
from feedsvc.store import Store

log = logging.getLogger(__name__)
SEARCH_PENDING = "search-pending"
SEARCH_TAKING = "search-pending.taking"


def later(settings: Settings, days: set[dt.date] | None) -> None:
    """Note the issue dates whose search bundles must be made again (None: check them all) in
    `search-pending` in the store folder (the caller holds the writer lock), until `index`
    has done it. Best effort: without the note the nightly regenerate brings the index up to date."""
    if not settings.site.search or days == set():
        return
    lines = ["all"] if days is None else sorted(d.isoformat() for d in days)
    try:
        with open(settings.paths.store / SEARCH_PENDING, "a", encoding="utf-8") as f:
            f.write("".join(f"{line}\n" for line in lines))
    except OSError as exc:
        log.warning("%s: cannot note the search index's changes: %s", SEARCH_PENDING, exc.strerror)


def pending(settings: Settings) -> bool:
    """Are there changes the search index has not taken yet?"""
    store = settings.paths.store
    return (store / SEARCH_PENDING).exists() or (store / SEARCH_TAKING).exists()


def take(settings: Settings) -> set[dt.date] | None:
    """The noted dates (None: all), moved to `search-pending.taking` (with what an earlier run
    that failed left there) until the index is built. The caller holds the writer lock."""
    note, taking = settings.paths.store / SEARCH_PENDING, settings.paths.store / SEARCH_TAKING
    lines: list[str] = []
    for path in (taking, note):
        try:
            lines += path.read_text(encoding="utf-8").split()
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("%s: unreadable, indexing every changed bundle: %s", path, exc)
            lines.append("all")
    try:
        taking.write_text("".join(f"{line}\n" for line in sorted(set(lines))), encoding="utf-8")
        note.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("%s: %s", taking, exc.strerror)
    try:
        return None if "all" in lines else {dt.date.fromisoformat(line) for line in lines}
    except ValueError:
        return None


def index(settings: Settings, store: Store, days: set[dt.date] | None) -> None:
    """Build the search bundles `days` touch. A failure is logged, not raised: the feeds and pages
    are published, and the note stays for the next try (the daemon's next quiet scan, the next
    ingest, a regenerate). The caller holds the search lock."""
    try:
        changed = search.update(store, settings, days)
    except PublishError as exc:
        log.warning("search index not updated: %s", exc)
        return
    (settings.paths.store / SEARCH_TAKING).unlink(missing_ok=True)
    if changed:
        log.info("search index: %d files written or removed", len(changed))


def run(settings: Settings, store: Store) -> None:
    """The search index brought up to date with the noted changes, after the outputs are written
    (the caller holds the writer lock). Should the daemon be building it meanwhile, it takes the
    note when it is done."""
    if not pending(settings):
        return
    with lock.searcher(settings.paths.store) as held:
        if held:
            index(settings, store, take(settings))
