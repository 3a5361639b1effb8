"""Ingest and regenerate: parse → store → plan → render → publish.

The edges (CLI, daemon) pass in the time; everything here runs under the writer lock, so the
daemon and the one-shot commands never write the store or the output at once. A marker in the
store folder (`publish-pending`) is set before the store changes and cleared once the output is
written: if writing fails (full disk, read-only folder) or the process dies on the way, the store
keeps what it took, the marker stays, and the next run (or daemon tick) rewrites every output. A
submission stored but not applied when the process died is applied when it comes again.
The next run rewrites every output too when the settings or the site's templates changed since the
output was last published whole (`published`), so no page keeps the old look until the nightly run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc import (
    collector,
    editing,
    journal,
    lock,
    manifest,
    publish,
    published,
    resubmit,
    review,
    search_note,
)
from feedsvc.config import Settings
from feedsvc.errors import MissingStore, ParseError, PublishError, StoreError
from feedsvc.faults import checkpoint
from feedsvc.inbox import display_name
from feedsvc.intake import check_issue, page_keys, read_parsed
from feedsvc.models import Issue
from feedsvc.parse import hints_from_settings, warnings_of
from feedsvc.parse.submission import parse_submission
from feedsvc.records import Change
from feedsvc.render.common import FEED_TYPES
from feedsvc.store import Store, Submission

log = logging.getLogger(__name__)
Progress = Callable[[int], None] | None  # called with the count of outputs built so far
Edit = Callable[[Store, Settings, dt.datetime], editing.Applied]
PENDING_MARKER = "publish-pending"


@dataclass(frozen=True, slots=True)
class Report:
    """What one ingest or regenerate did."""

    name: str
    duplicate: bool = False
    items: int = 0
    changes: tuple[Change, ...] = ()
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed_feeds: tuple[str, ...] = field(default=())  # output paths of feed documents that changed
    warnings: tuple[str, ...] = ()  # the parser's doubts about the submission (see parse.warnings_of)
    notes: tuple[str, ...] = ()  # the editors' corrections that did not fit, bad corrections files

    def summary(self) -> str:
        if self.duplicate:
            return f"{self.name}: identical to a stored submission; skipped"
        added = sum(1 for c in self.changes if c.before is None)
        retracted = sum(1 for c in self.changes if c.after is None)
        edited = len(self.changes) - added - retracted
        parsed = f"{self.items} items parsed; " if self.items else ""  # regenerate, an edit: none
        return (
            f"{self.name}: {parsed}{added} added, {edited} updated, "
            f"{retracted} retracted; {len(self.written)} files written ({len(self.changed_feeds)} feeds), "
            f"{len(self.removed)} removed"
        )

    def feed_urls(self, settings: Settings) -> list[str]:
        """Absolute URLs of the feed documents whose bytes changed (the WebSub topics)."""
        return [settings.paper.base_url + path for path in self.changed_feeds]


def _feeds_among(paths: Iterable[str]) -> tuple[str, ...]:
    suffixes = tuple(f".{kind.ext}" for kind in FEED_TYPES)
    return tuple(p for p in paths if p.endswith(suffixes) and not p.startswith("archive/"))


def ingest_file(
    settings: Settings,
    path: Path,
    now: dt.datetime,
    *,
    name: str | None = None,
    progress: Progress = None,
    new_store: bool = False,
    search_now: bool = True,
) -> Report:
    """Parse, store and publish one submission; only the affected outputs are rewritten. The
    search index follows at once, or with `search_now` off (the daemon) when `update_search` runs."""
    name = display_name(name or path.name)  # a name is text: no raw newline or undecodable bytes
    data, parsed = read_parsed(settings, path, name=name, now=now)
    return ingest_parsed(
        settings,
        name,
        data,
        parsed.issue,
        now,
        progress=progress,
        new_store=new_store,
        images=parsed.images,
        search_now=search_now,
    )


def ingest_parsed(
    settings: Settings,
    name: str,
    data: bytes,
    issue: Issue,
    now: dt.datetime,
    *,
    progress: Progress = None,
    new_store: bool = False,
    images: Mapping[str, bytes] | None = None,
    search_now: bool = True,
) -> Report:
    """Store and publish a submission `intake.read_submission` read and parsed. `new_store`: see `open_store`.
    `images`: its photos' JPEG bytes by published path (a page PDF: `intake.read_parsed`). The search
    index follows at once, or with `search_now` off (the daemon) in `update_search`."""
    checkpoint("pipeline.ingest.parsed")
    assert issue.date is not None  # check_issue
    with (
        lock.writer(settings.paths.store),
        open_store(settings, new_store=new_store) as store,
        collector.paused() as gc_state,
    ):
        made_with = published.publishing_with(settings)  # before any template is read for this publish
        behind = _behind(settings)  # rewrite all first
        if behind:
            gc_state.resume()  # a whole regenerate follows: the collector stays on
        _mark_pending(settings)
        sources = store.page_sources(issue.date, (page.number for page in issue.pages))
        submission = store.add_submission(name, data, now, key=resubmit.submission_key(data, issue))
        checkpoint("pipeline.ingest.added")
        fresh = not submission.duplicate or submission.status == "received"  # "received": cut short
        if not fresh and not behind:
            _clear_pending(settings)
            return Report(
                name=name, duplicate=True, items=len(issue.items), warnings=tuple(warnings_of(issue))
            )
        try:
            applied = (
                editing.apply_issue(
                    store, issue, submission_id=submission.id, settings=settings, now=now, images=images
                )
                if fresh
                else editing.Applied()
            )
            changes = applied.changes
            if fresh:
                changes += _supersede(store, submission, data, issue)
        except BaseException:
            if not behind:  # rolled back: the output is as current as before
                _clear_pending(settings)
            raise
        checkpoint("pipeline.ingest.applied")
        for line in resubmit.shorter_copy_warnings(
            name, len(data), sources, changes, now=now, submission_id=submission.id,
            data_start_of=lambda sid: (store.original(sid) or b"").startswith(data),
        ):  # fmt: skip
            log.warning("%s", line)
        files = (
            publish.build_all(store, settings)
            if behind
            else publish.build(store, publish.plan(changes), settings)
        )
        photos = store.image_files(None if behind else (images or {}))
        written, removed = _publish(
            settings, files, store.store_id(), progress, full=behind, photos=photos, made_with=made_with
        )
        review.refresh(store, settings)
        search_note.later(settings, None if behind else _changed_days(changes))
        if search_now:
            search_note.run(settings, store)
        return Report(
            name=name,
            items=len(issue.items),
            warnings=tuple(warnings_of(issue)),
            changes=changes,
            written=written,
            removed=removed,
            changed_feeds=_feeds_among(written),
            notes=applied.notes,
        )


def _supersede(store: Store, submission: Submission, data: bytes, issue: Issue) -> tuple[Change, ...]:
    """The same bytes stored before under a name that gave another date or page: this resend
    corrects the name, so the pages that one wrote (and this one does not) are withdrawn."""
    changes: tuple[Change, ...] = ()
    for earlier in store.same_bytes(data):
        if earlier.id != submission.id and earlier.sha256 != submission.sha256:
            withdrawn = store.supersede(earlier.id, submission.id, page_keys(issue))
            log.warning(
                "%s: the same bytes as %s, under a corrected name: %d items of its pages withdrawn",
                submission.name, earlier.name, len(withdrawn),
            )  # fmt: skip
            changes += withdrawn
    return changes


def regenerate(
    settings: Settings,
    now: dt.datetime,
    *,
    reparse: bool = False,
    progress: Progress = None,
    only_if_pending: bool = False,
    new_store: bool = False,
) -> Report:
    """Rewrite every output from the store (only files whose bytes change are touched); with
    `reparse`, first parse every stored original again (ids are kept by matching). With
    `only_if_pending` (the daemon's retry), nothing is done unless the output is still behind
    (`output_behind`) once the writer lock is held: an ingest running meanwhile may have caught up."""
    with lock.writer(settings.paths.store), open_store(settings, new_store=new_store) as store:
        made_with = published.publishing_with(settings)  # the look as the build reads it, not as it is after
        if only_if_pending and output_behind(settings) is None:
            return Report(name="regenerate")
        _mark_pending(settings)
        changes: list[Change] = []
        notes: list[str] = []
        if reparse:
            superseded = store.superseded()
            for submission, data in store.originals():
                if submission.id in superseded:
                    continue
                try:
                    parsed = parse_submission(
                        data, source=submission.name, hints=hints_from_settings(settings)
                    )
                    check_issue(settings, parsed.issue, submission.name)
                except ParseError as exc:
                    log.warning("re-parse skipped: %s", exc)
                    continue
                applied = editing.apply_issue(
                    store,
                    parsed.issue,
                    submission_id=submission.id,
                    settings=settings,
                    now=now,
                    images=parsed.images,
                )
                changes.extend(applied.changes)
                notes.extend(applied.notes)
                checkpoint("pipeline.regenerate.reparsed")
        synced = editing.sync(store, settings, now)  # corrections files changed since last seen
        changes.extend(synced.changes)
        notes.extend(synced.notes)
        build = publish.build_all(store, settings)
        written, removed = _publish(
            settings,
            build,
            store.store_id(),
            progress,
            full=True,
            photos=store.image_files(),
            made_with=made_with,
        )
        review.refresh(store, settings)
        search_note.later(settings, None)
        search_note.run(settings, store)
        return Report(
            name="regenerate",
            items=0,
            changes=tuple(changes),
            written=written,
            removed=removed,
            changed_feeds=_feeds_among(written),
            notes=tuple(notes),
        )


def edit(settings: Settings, now: dt.datetime, change: Edit, *, name: str = "corrections") -> Report:
    """Apply an editors' change to the store (`change(store, settings, now)`: corrections files
    synced, an approval) and rewrite only the outputs it affects."""
    with lock.writer(settings.paths.store), open_store(settings) as store:
        made_with = published.publishing_with(settings)
        behind = _behind(settings)
        _mark_pending(settings)
        try:
            applied = change(store, settings, now)
        except BaseException:
            if not behind:
                _clear_pending(settings)
            raise
        if not applied.changes and not behind:
            _clear_pending(settings)
            return Report(name=name, notes=applied.notes)
        files = (
            publish.build_all(store, settings)
            if behind
            else publish.build(store, publish.plan(applied.changes), settings)
        )
        written, removed = _publish(settings, files, store.store_id(), full=behind, made_with=made_with)
        review.refresh(store, settings)
        search_note.later(settings, None if behind else _changed_days(applied.changes))  # indexed later
        return Report(
            name=name,
            changes=applied.changes,
            written=written,
            removed=removed,
            changed_feeds=_feeds_among(written),
            notes=applied.notes,
        )


def _counted(files: Iterable[tuple[str, bytes]], progress: Progress) -> Iterator[tuple[str, bytes]]:
    for n, item in enumerate(files, start=1):
        if progress is not None:
            progress(n)
        yield item


def open_store(settings: Settings, *, new_store: bool = False) -> Store:
    """Open the store, refusing (StoreError) one that is not the store the output folder was
    published from, as its manifest says: a store file deleted, truncated or on a volume not
    mounted would otherwise be made anew, empty, and the next publish would delete every older
    article page. `new_store` (the operator's `--new-store`) opens or makes it all the same."""
    try:
        known = manifest.store_id(settings.paths.output)
    except PublishError as exc:  # nothing is stored yet: the submission is not lost
        raise StoreError(str(exc)) from exc
    folder, output = settings.paths.store, settings.paths.output
    try:
        store = Store.open(folder, create=new_store or known is None)
    except MissingStore as exc:
        raise StoreError(
            f"{exc.path}: the store is missing or empty, but the output folder {output} was published "
            f"from store {known}: is its volume mounted? (--new-store starts a new store there)"
        ) from exc
    found = store.store_id()
    if known is not None and found != known and not new_store:
        store.close()
        raise StoreError(
            f"{folder}: this store ({found}) is not the one the output folder {output} was published "
            f"from ({known}); --new-store publishes it there, replacing that output"
        )
    return store


def check_store(settings: Settings) -> None:
    """`open_store`'s refusal, under the writer lock, without changing anything else."""
    with lock.writer(settings.paths.store), open_store(settings):
        pass


def _publish(
    settings: Settings,
    build: publish.Build,
    store_id: str,
    progress: Progress = None,
    *,
    full: bool,
    photos: Iterable[tuple[str, bytes]] = (),
    made_with: str,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Write a build's outputs and the photos its entries carry (their JPEG bytes from the store),
    then delete what the build made obsolete and feedsvc wrote (the output manifest lists those):
    (written, removed). `full`: a build of every output (`build_all`)."""
    marker = settings.paths.store / PENDING_MARKER
    output = settings.paths.output
    try:
        found = manifest.read(output)  # None: nothing published here yet, so this publish is all of it
        listing = _Listing(output, found or manifest.Manifest(), store_id)
        appended = journal.Journal(output / manifest.PARTS)  # a full run's batches listed
        files = itertools.chain(_counted(build, progress), photos)
        try:
            written = tuple(publish.write(output, files, listing=appended if full else listing))
        finally:
            appended.close()
        checkpoint("pipeline.publish.written")
        before = listing.manifest
        listed = manifest.updated(before, store_id, build.produced | build.kept | set(written), ())
        if listed != before or appended.used:  # the journal's lines put in the parts, it deleted
            listed = manifest.write(output, listed)
        obsolete = [rel for rel in build.obsolete if listed.ours(rel)]
        if len(obsolete) < len(build.obsolete):
            log.warning(
                "left alone: %d files in %s that feedsvc did not write (not in %s)",
                len(build.obsolete) - len(obsolete), output, manifest.NAME,
            )  # fmt: skip
        removed = tuple(publish.remove(output, obsolete))
        checkpoint("pipeline.publish.removed")
        final = manifest.updated(listed, store_id, (), obsolete)
        if full:  # forget listed files that are gone (deleted by a run killed before it said so)
            current = build.produced | build.kept
            there = {rel for rel in final.files if rel in current or (output / rel).exists()}
            final = manifest.Manifest(final.store_id, there, final.saved, None, final.saved_store)
        if final != listed:
            manifest.write(output, final)
        if full or found is None:
            published.record(settings, made_with)
    except PublishError:
        marker.touch()
        raise
    finally:
        build.close()  # a build stopped early: its walk and workers end now, not at a collection
    marker.unlink(missing_ok=True)
    checkpoint("pipeline.publish.done")
    return written, removed


class _Listing:
    """`publish.write`'s `listing`: the files of each batch listed in the output manifest before
    they are renamed into place (a crash then never leaves a file feedsvc wrote unlisted). A full
    run (a regenerate) appends each batch to the manifest's journal instead (listing 100,000 files
    a batch at a time would rewrite the manifest's parts again and again)."""

    def __init__(self, output: Path, before: manifest.Manifest, store_id: str) -> None:
        self.output, self.manifest, self.store_id = output, before, store_id

    def __call__(self, rels: list[str]) -> None:
        listed = manifest.updated(self.manifest, self.store_id, rels, ())
        if listed is not self.manifest:
            self.manifest = manifest.write(self.output, listed)


def _changed_days(changes: Iterable[Change]) -> set[dt.date]:
    return {e.issue_date for c in changes for e in (c.before, c.after) if e is not None}


def update_search(settings: Settings) -> None:
    """The daemon's: the search index brought up to date beside ingesting (only taking the note
    holds the writer lock; the store is read while others write)."""
    with lock.searcher(settings.paths.store) as held:
        if not held:
            return
        with lock.writer(settings.paths.store):
            days = search_note.take(settings)
        with open_store(settings) as store:
            search_note.index(settings, store, days)


def output_behind(settings: Settings) -> str | None:
    """Why every output must be published again before anything else, if it must: an earlier
    publish failed or was cut short, or the output was made with other settings or another look
    (`published`)."""
    if publish_pending(settings):
        return "an earlier publish failed or was cut short"
    return published.behind(settings)


def _behind(settings: Settings) -> bool:
    """`output_behind`, its reason logged: a whole publish of a 10-year output takes minutes."""
    why = output_behind(settings)
    if why is not None:
        log.info("publishing every output: %s", why)
    return why is not None


def publish_pending(settings: Settings) -> bool:
    """Did an earlier publish fail (or a crash cut it short), leaving the output behind the store?"""
    return (settings.paths.store / PENDING_MARKER).exists()


def _mark_pending(settings: Settings) -> None:
    """Set the marker before the store changes: until `_publish` completes and clears it, the
    output may be behind the store, and a crash anywhere in between leaves it set."""
    marker = settings.paths.store / PENDING_MARKER
    try:
        marker.touch()
        publish.sync_path(marker.parent)  # the marker survives a power cut that the store's commit does
    except OSError as exc:
        raise StoreError(f"{marker}: cannot write: {exc.strerror}") from exc
    checkpoint("pipeline.marker.set")


def _clear_pending(settings: Settings) -> None:
    (settings.paths.store / PENDING_MARKER).unlink(missing_ok=True)
