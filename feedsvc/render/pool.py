"""Rendering a regenerate in worker processes, so it uses every CPU and the main process only
assembles documents.

Each worker opens the store read-only (`store.reader`) and is handed runs of issue dates (`Days`):
it reads those issues' entries and renders, unless the copy in the output folder is current, each
entry's article page and its bytes in every feed format, and each issue's page (`render_days`). It
sends back the bytes, each entry's digest key (`Rendered.key`, made for its article page's digest:
the main process needs it for the documents' digests) and the entry packed as a plain tuple
(pickling pydantic models costs as much as rendering them), slimmed to what pages listing it use
once its feed bytes are made (no paragraphs but the lead: `Rendered.slim`). An entry whose article
page is current is not rendered and goes back slimmed too (`Rendered.partial`): should a document
holding it be out of date, the main process reads it again from the store (`FeedRenderer.complete`)
and renders it.
`Pool` hands runs of dates to the workers a few ahead of their use. Output bytes do not depend on
where an entry was rendered: should the pool break, the main process renders the runs itself.
Once every run is handed out, the workers would soon sit idle while the main process finishes the
feeds whose newest entries come in the last runs: they make those feeds' pages for people
(`Worker.feed_page`, from the entries' ids, read whole from the store), the same bytes as from
the main process.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import operator
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from feedsvc import collector
from feedsvc.errors import StoreError
from feedsvc.records import Entry, EntryFields, EntryPerson, FeedInfo, entry_fields, entry_of, person_fields
from feedsvc.render import html
from feedsvc.render.common import EntryParts, Site
from feedsvc.render.feedpage import FeedPages
from feedsvc.render.feeds import FORMATS, FeedRenderer, Outputs, Rendered
from feedsvc.render.issues import IssuePlace, issue_digest, issue_path, neighbours
from feedsvc.store import Store
from feedsvc.store.reader import StoreReader

_ENTRY_FIELDS = tuple(Entry.model_fields)
_PERSON_FIELDS = tuple(EntryPerson.model_fields)
# every field's value, in order, in one call, from `records.entry_fields` / `person_fields` (an
# attribute read of a pydantic model is a call of its `__getattr__` hook: ~26 an entry packed)
_entry_values = operator.itemgetter(*_ENTRY_FIELDS)
_person_values = operator.itemgetter(*_PERSON_FIELDS)
_CONTRIBUTORS = _ENTRY_FIELDS.index("contributors")
_PARAGRAPHS = _ENTRY_FIELDS.index("paragraphs")

T = TypeVar("T")
Packed = tuple[Any, ...]
Made = tuple[Packed, bytes, tuple[bytes, ...] | None, bytes | None]  # entry, key, feed bytes, article
DaysDone = tuple[list[Made], list[tuple[str, bytes | None]]]  # entries, issue pages (None: current)


def pack(entry: Entry, *, slim: bool = False) -> Packed:
    """`entry` as a plain tuple; `slim`: without its paragraphs but the lead."""
    fields = entry_fields(entry)
    values = list(_entry_values(fields))
    values[_CONTRIBUTORS] = tuple([_person_values(person_fields(p)) for p in fields["contributors"]])
    if slim:
        values[_PARAGRAPHS] = fields["paragraphs"][:1]
    return tuple(values)


def unpack(values: Packed, people: dict[tuple[Any, ...], EntryPerson] | None = None) -> Entry:
    """The `Entry` `pack` packed, not validated again (`records.entry_of`, as the store builds its entries).
    `people`: the contributors made so far, shared (they are frozen) instead of made again."""
    fields = dict(zip(_ENTRY_FIELDS, values, strict=True))
    people = {} if people is None else people
    contributors = []
    for p in fields["contributors"]:
        person = people.get(p)
        if person is None:
            person = people[p] = EntryPerson.model_construct(**dict(zip(_PERSON_FIELDS, p, strict=True)))
        contributors.append(person)
    fields["contributors"] = tuple(contributors)
    return entry_of(cast("EntryFields", fields))


@dataclass(frozen=True, slots=True)
class Days:
    """A run of issue dates, oldest first, with the issues just before and after it."""

    days: tuple[dt.date, ...]
    before: dt.date | None
    after: dt.date | None


def runs(days: Sequence[dt.date], size: int) -> list[Days]:
    """`days` (every issue date, oldest first) cut into runs of `size`."""
    out = []
    for start in range(0, len(days), size):
        part = tuple(days[start : start + size])
        before = days[start - 1] if start > 0 else None
        after = days[start + size] if start + size < len(days) else None
        out.append(Days(part, before, after))
    return out


def issue_outputs(
    renderer: FeedRenderer,
    place: IssuePlace,
    entries: list[Entry],
    *,
    keys: Mapping[str, bytes] | None = None,
    parts: Mapping[str, EntryParts] | None = None,
) -> Outputs:
    """An issue's page (`entries` in any order), unless the copy in the output folder is current.
    `keys`: the entries' `entry_key`s by id, if made already; `parts`: their `EntryParts`, where
    made (the cards take their cleaned title, kicker and lead)."""
    path = issue_path(place.day)
    digest = issue_digest(renderer.site, place, entries, keys=keys)
    if renderer.digest_on_disk(path) == digest:
        return Outputs(kept=[path])
    page = html.issue_page(renderer.site, place, entries, digest=digest, parts=parts)
    return Outputs(files=[(path, page)])


class Worker:
    """What renders runs of issues: the site, the store read-only, the output folder to compare with."""

    def __init__(self, site: Site, store: Path, output_dir: Path | None) -> None:
        self.site = site
        self.store = StoreReader.open_readonly(store)
        self.renderer = FeedRenderer(site, output_dir)
        self.pages = FeedPages(site, output_dir)

    def render_days(self, task: Days) -> DaysDone:
        site, renderer = self.site, self.renderer
        by_day: dict[dt.date, list[Entry]] = {day: [] for day in task.days}
        for entry in self.store.entries_between(task.days[0], task.days[-1]):
            by_day.setdefault(entry_fields(entry)["issue_date"], []).append(entry)
        made: list[Made] = []
        issues: list[tuple[str, bytes | None]] = []
        dates = list(task.days)
        for n, day in enumerate(dates):
            entries = by_day[day]
            around = neighbours(entries)
            keys: dict[str, bytes] = {}
            parts: dict[str, EntryParts] = {}
            for entry in entries:
                eid = entry_fields(entry)["id"]
                r = Rendered(entry, around[eid])
                keys[eid] = r.key  # for the article's digest, and the issue's
                if renderer.article_current(r):  # rendered later if ever needed, made whole then
                    made.append((pack(entry, slim=True), r.key, None, None))
                    continue
                r.render_all(site)
                parts[eid] = r.parts(site)
                data = tuple(r.data(site, i) for i in range(len(FORMATS)))
                made.append((pack(entry, slim=True), r.key, data, r.article))
            place = IssuePlace.among(dates, n, task.before, task.after)
            out = issue_outputs(renderer, place, entries, keys=keys, parts=parts)
            issues.append((out.kept[0], None) if out.kept else out.files[0])
        return made, issues

    def feed_page(self, info: FeedInfo, ids: Sequence[str]) -> Outputs:
        """`info`'s page for people with the entries `ids` (`feed_page_by_id`)."""
        return feed_page_by_id(self.pages, self.store, info, ids)

    def close(self) -> None:
        self.store.close()


_worker: Worker | None = None  # in a worker process


def _start(site: Site, store: Path, output_dir: Path | None) -> None:
    global _worker  # noqa: PLW0603 - the worker's one piece of state, set once when it starts
    collector.for_a_worker()
    _worker = Worker(site, store, output_dir)


def _render_days(task: Days) -> DaysDone:
    assert _worker is not None, "worker not started"
    return _worker.render_days(task)


def _feed_page(info: FeedInfo, ids: tuple[str, ...]) -> Outputs:
    assert _worker is not None, "worker not started"
    return _worker.feed_page(info, ids)


class Pool:
    """`workers` processes rendering runs of issues ahead of their use (`results`, in order).
    Should the pool break (a worker killed, or unable to start), the runs not yet done are
    rendered in this process."""

    def __init__(self, site: Site, store: Path, output_dir: Path | None, workers: int, ahead: int) -> None:
        self.args = (site, store, output_dir)
        self.ahead = ahead
        self._local: Worker | None = None
        self._todo: deque[Days] = deque()
        self._running: deque[tuple[Days, Future[DaysDone] | None]] = deque()
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of a process holding a store
            initializer=_start,
            initargs=self.args,
        )

    def start(self, tasks: Sequence[Days]) -> None:
        """Hand the first `ahead` of `tasks` to the workers now (their processes start with the
        first), so that they start and import while this process does other work."""
        self._todo.extend(tasks)
        self._fill()

    def results(self, tasks: Sequence[Days] = ()) -> Iterator[DaysDone]:
        """Each run's result, in order: the runs given to `start`, then `tasks`."""
        self._todo.extend(tasks)
        while self._todo or self._running:
            self._fill()
            task, future = self._running.popleft()
            done = self._result(future)
            yield done if done is not None else self._here(task)

    def _fill(self) -> None:
        while self._todo and len(self._running) < self.ahead:
            task = self._todo.popleft()
            self._running.append((task, self._submit(task)))

    @property
    def handed_out(self) -> bool:
        """Is every run handed to the workers (they are about to sit idle)?"""
        return not self._todo

    def feed_page(self, info: FeedInfo, ids: Sequence[str]) -> Future[Outputs] | None:
        """Have a worker make a feed's page for people from its newest entries (`ids`, newest
        first), read from the store; None if the pool is broken (make it here)."""
        if self._pool is None:
            return None
        try:
            return self._pool.submit(_feed_page, info, tuple(ids))
        except BrokenProcessPool:
            self._broken()
            return None

    def page_result(self, future: Future[Outputs] | None) -> Outputs | None:
        """A page `feed_page` handed out; None if the pool broke meanwhile (make it here)."""
        return self._result(future)

    def _submit(self, task: Days) -> Future[DaysDone] | None:
        if self._pool is None:
            return None
        try:
            return self._pool.submit(_render_days, task)
        except BrokenProcessPool:
            self._broken()
            return None

    def _result(self, future: Future[T] | None) -> T | None:
        if future is None:
            return None
        try:
            return future.result()
        except BrokenProcessPool:
            self._broken()
            return None

    def _broken(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _here(self, task: Days) -> DaysDone:
        if self._local is None:
            self._local = Worker(*self.args)
        return self._local.render_days(task)

    def close(self, *, wait: bool = True) -> None:
        """End the workers; without `wait` (the build is done), they exit while this process goes
        on (the executor's thread reaps them)."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None
        if self._local is not None:
            self._local.close()
            self._local = None


def arrived(
    made: list[Made],
    issues: list[tuple[str, bytes | None]],
    waiting: dict[str, Rendered],
    people: dict[tuple[object, ...], EntryPerson],
) -> Outputs:
    """A run of issues from a worker: its entries put in `waiting`, its pages as `Outputs`."""
    out = Outputs()
    for packed, key, data, article in made:
        r = Rendered(unpack(packed, people), key=key)
        r.article_current = r.partial = data is None
        if data is None:
            out.kept.append(r.entry.path)
        else:
            r.fill(data)
            out.files.append((r.entry.path, article or b""))
        waiting[r.entry.id] = r
    for path, page in issues:
        if page is None:
            out.kept.append(path)
        else:
            out.files.append((path, page))
    return out


def feed_page_by_id(pages: FeedPages, store: Store, info: FeedInfo, ids: Sequence[str]) -> Outputs:
    """`info`'s page for people (`render.feedpage`) with the entries `ids` (newest first), read
    whole from `store`: the bytes the main process makes from the same entries slimmed. A worker
    makes it so (`Worker.feed_page`), and the main process when the worker could not."""
    entries = store.entries_by_id(ids)
    if len(entries) != len(ids):
        raise StoreError(f"{store.path}: entries of feed {info.ref.stem} are gone from the store")
    return pages.page(info, [Rendered(e) for e in entries])


def complete(store: Store, partial: Sequence[Rendered]) -> None:
    """Entries slimmed before they were rendered (`Rendered.partial`) made whole from the store."""
    found = {e.id: e for e in store.entries_by_id(r.entry.id for r in partial)}
    for r in partial:
        entry = found.get(r.entry.id)
        if entry is None:
            raise StoreError(f"{store.path}: entry {r.entry.id} is gone from the store while publishing")
        r.entry, r.partial = entry, False
