"""A regenerate's walk of the whole paper: the part of `render.builder.Builder` that makes every
output (`Walker.everything`), walking the paper once from its oldest entry.

Each entry is handed to the open archive page of every feed it is in; a page that fills up is
finished at once, and so is a feed once its newest entry has been walked (its subscription
documents, open archive page and page for people): a feed whose last entry is years old is not
kept to the end. With worker processes (`render.pool`), the pool is started before anything else
is read, the shared pages (index, OPML, past issues, icons) are made while the workers start and
import, and the pages for people of the feeds finished once the last run is handed out are made by
the workers, which would otherwise sit idle while this process finishes those feeds' documents.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field

from feedsvc import collector
from feedsvc.errors import StoreError
from feedsvc.plans import EntrySource
from feedsvc.records import PAPER, Entry, EntryPerson, FeedInfo
from feedsvc.render.append import open_page
from feedsvc.render.common import Site, archive_pages
from feedsvc.render.feedpage import FeedPages
from feedsvc.render.feeds import FeedRenderer, Outputs, Rendered
from feedsvc.render.issues import IssuePlace, neighbours
from feedsvc.render.pool import Pool, arrived, complete, feed_page_by_id, issue_outputs, runs
from feedsvc.render.stubs import Proofs
from feedsvc.store import Store
from feedsvc.store.reader import StoreReader

_CHUNK = 500  # entries per store read while walking the whole paper in this process
_RUN_DAYS = 8  # issues per task of a worker process
_AHEAD = 3  # tasks rendered ahead per worker process
_POOL_MIN = 3000  # entries from which a regenerate starts worker processes
_POOL_MAX = 4
_REMEMBERED = 2  # full archive pages per feed whose digests a regenerate remembers: the newest ones,
# which an ingest proves current (`render.stubs.Proofs`); an ingest remembers those it computes


def empty_paper() -> FeedInfo:
    return FeedInfo(ref=PAPER, name="", entry_count=0)


@dataclass
class _Walk:
    """A feed's state while `Walker.everything` walks the paper from its oldest entry."""

    info: FeedInfo
    last: int
    recent: deque[Rendered]
    page: list[Rendered] = field(default_factory=list)
    number: int = 0
    seen: int = 0
    done: bool = False  # finished: its newest entry walked, its documents made


@dataclass
class _Started:
    """A pool handed its first runs, and the paper's order of entry ids (oldest first)."""

    pool: Pool
    order: list[str]
    pages: list[tuple[FeedInfo, list[str], Future[Outputs] | None]] = field(default_factory=list)
    """Pages for people handed to the workers: the feed, its entries' ids, the worker's result."""


class Walker:
    """What `Builder` shares with a regenerate's walk: the store, the site, the renderer, the
    feed pages, the remembered digests, and how many worker processes may be started."""

    source: EntrySource
    site: Site
    renderer: FeedRenderer
    pages: FeedPages
    proofs: Proofs
    workers: int | None
    _days: list[dt.date] | None

    def issue_dates(self) -> list[dt.date]:
        """The store's issue dates, read once per build (the issues and the past issues use them)."""
        if self._days is None:
            self._days = self.source.issue_dates()
        return self._days

    def issue(self, place: IssuePlace, entries: list[Entry]) -> Outputs:
        """An issue's page (`entries` in any order), unless the copy on disk is current."""
        return issue_outputs(self.renderer, place, entries)

    def feed_page(
        self, info: FeedInfo, recent: list[Rendered], before: list[Rendered] | None = None
    ) -> Outputs:
        """The feed's page for people; `before`: its entries before the changes (`render.feedpage`)."""
        return self.pages.page(info, recent, before)

    def shared_all(self, infos: list[FeedInfo]) -> Outputs:
        """Every page shared by the site (`Builder.shared`)."""
        raise NotImplementedError

    def everything(self) -> Iterator[Outputs]:
        """Every output (`_walk_all`), with fewer automatic collections meanwhile (`collector.long_walk`)."""
        with collector.long_walk():
            yield from self._walk_all()

    def _walk_all(self) -> Iterator[Outputs]:
        """Every output. Walks the paper once from its oldest entry, handing each entry (rendered at
        most once per format) to the open archive page of every feed it is in; a page that fills up
        is finished at once, a feed once its entries are all walked. Memory holds the open pages
        and the newest entries of each feed not yet finished."""
        site, renderer = self.site, self.renderer
        infos = self.source.feed_infos()
        listed = infos if any(i.ref == PAPER for i in infos) else [empty_paper(), *infos]
        walks: dict[tuple[str, str], _Walk] = {}  # by (kind, slug): cheaper to hash than a FeedRef
        for info in listed:
            last = archive_pages(info.entry_count, site.max_entries, site.page_size)
            walks[info.ref.kind, info.ref.slug] = _Walk(
                info=info, last=last, recent=deque(maxlen=site.max_entries)
            )
        started = self._start()
        try:
            shared = self.shared_all(infos) if started else None  # while the workers start
            for rendered in self._by_workers(started) if started else self._here():
                if isinstance(rendered, Outputs):
                    yield rendered
                    continue
                entry = rendered.entry
                for ref in renderer.feeds(entry):
                    walk = walks.get((ref.kind, ref.slug))
                    if walk is None or walk.done:
                        raise StoreError(_miscounted(entry, ref.stem, walk))
                    walk.seen += 1
                    walk.recent.append(rendered)
                    if walk.last:
                        walk.page.append(rendered)
                        if len(walk.page) == site.page_size:
                            yield self._full_page(walk)
                    if walk.seen == walk.info.entry_count:
                        walk.done = True
                        yield from self._finish(walk, started)
            yield from self._last_feeds(walks, started)
            self.proofs.save()
            yield shared if shared is not None else self.shared_all(infos)
        finally:
            if started:
                started.pool.close()

    def _full_page(self, walk: _Walk) -> Outputs:
        """The feed's open archive page, just filled up."""
        walk.number += 1
        ref, name = walk.info.ref, walk.info.name
        out = self.renderer.archive(ref, name=name, number=walk.number, last=walk.last, page=walk.page)
        if out.digest is not None and walk.number >= walk.last - _REMEMBERED:
            self.proofs.add(ref, name, walk.number, walk.last, page=walk.page, digest=out.digest)
        walk.page = []
        return out

    def _last_feeds(self, walks: dict[tuple[str, str], _Walk], started: _Started | None) -> Iterator[Outputs]:
        """The feeds not finished during the walk (they have no entries), then the pages for people
        handed to the pool's workers (`_finish`), in the order handed out."""
        for walk in walks.values():
            if walk.seen != walk.info.entry_count:
                ref = walk.info.ref
                raise StoreError(
                    f"feed {ref.stem}: the store counts {walk.info.entry_count} entries, lists {walk.seen}"
                )
            if not walk.done:
                yield from self._finish(walk, started)
        if started is not None:
            for info, ids, future in started.pages:
                yield started.pool.page_result(future) or self._feed_page_of(info, ids)
            started.pages = []
            started.pool.close(wait=False)  # every page is in: the workers exit while the rest is written

    def _finish(self, walk: _Walk, started: _Started | None) -> Iterator[Outputs]:
        """A feed's subscription documents, open archive page and page for people; its entries are
        let go of. Once the pool has handed out its last run, its workers are about to sit idle:
        the page for people is handed to them (by its entries' ids) and yielded at the end."""
        ref, name = walk.info.ref, walk.info.name
        recent = list(reversed(walk.recent))
        yield self.renderer.subscription(ref, name, recent, walk.last)
        self.proofs.add_recent(ref, recent)
        if walk.last:
            out = self.renderer.archive(
                ref, name=name, number=walk.last, last=walk.last, page=walk.page, recent=recent
            )
            if walk.page:
                self.proofs.add_chain(ref, open_page(walk.last, walk.page, out.chain))
            yield out
        if ref.kind != "paper":
            if started is not None and started.pool.handed_out and recent:
                ids = [r.entry.id for r in recent]
                started.pages.append((walk.info, ids, started.pool.feed_page(walk.info, ids)))
            else:
                yield self.feed_page(walk.info, recent)
        walk.recent.clear()
        walk.page = []

    def _feed_page_of(self, info: FeedInfo, ids: list[str]) -> Outputs:
        """A page for people the pool was to make (and could not), from its entries read here."""
        store = self.source
        assert isinstance(store, Store)
        return feed_page_by_id(self.pages, store, info, ids)

    def _start(self) -> _Started | None:
        """Worker processes for a regenerate of a large store (or with `workers` set), started now
        with their first runs, and the paper's order read while they start; None: walk here."""
        source = self.source
        count = source.count(PAPER)
        workers = self.workers if self.workers is not None else _auto_workers(count)
        if workers <= 1 or not isinstance(source, Store):
            return None
        folder = source.path.parent
        reader = StoreReader.open_readonly(folder)  # not memory-mapped: no items' pages held here
        try:
            self._days = reader.issue_dates()
            pool = Pool(self.site, folder, self.renderer.output_dir, workers, ahead=_AHEAD * workers)
            try:
                pool.start(runs(self._days, _RUN_DAYS))
                order = reader.entry_ids(PAPER)
            except BaseException:
                pool.close()
                raise
        finally:
            reader.close()
        order.reverse()
        return _Started(pool, order)

    def _by_workers(self, started: _Started) -> Iterator[Rendered | Outputs]:
        """The paper's entries from the oldest, rendered by worker processes (`render.pool`), each
        with its article page made before it and each issue's page once the issue is read: each
        entry waits in `waiting` from its run's arrival until its turn in the paper's order (the
        next entry, but for issues listed apart)."""
        store = self.source
        assert isinstance(store, Store)
        self.renderer.complete = lambda partial: complete(store, partial)
        waiting: dict[str, Rendered] = {}
        people: dict[tuple[object, ...], EntryPerson] = {}
        results = started.pool.results()
        for entry_id in started.order:
            while entry_id not in waiting:
                done = next(results, None)
                if done is None:
                    raise StoreError(f"{store.path}: entry {entry_id} is in the paper's feed, in no issue")
                yield arrived(*done, waiting, people)
            yield waiting.pop(entry_id)
        for done in results:  # issues after the newest entry's (published earlier than it)
            yield arrived(*done, {}, people)

    def _here(self) -> Iterator[Rendered | Outputs]:
        """`_by_workers` in this process: the entries read and rendered here (`prepared`)."""
        days = _IssueWalk(self)
        for rendered in self.prepared():
            yield self.renderer.article(rendered)
            rendered.slim()
            yield from days.add(rendered.entry)
            yield rendered
        yield from days.finish()

    def prepared(self) -> Iterator[Rendered]:
        """The paper's entries from the oldest, read here in chunks from the newest-first store,
        with their neighbours in their issue. An entry whose article page is out of date (every
        entry, into an empty folder) is rendered in every format at once, then slimmed
        (`Rendered.slim`) so open archive pages hold little. The others are rendered only if a
        document that holds them turns out to be out of date."""
        carry: list[Rendered] = []  # the last issue read, which may go on in the next chunk
        for end in range(self.source.count(PAPER), 0, -_CHUNK):
            start = max(0, end - _CHUNK)
            batch = self.source.entries(PAPER, limit=end - start, offset=start)
            chunk = carry + [Rendered(e) for e in reversed(batch)]
            chunk, carry = _whole_issues(chunk, last=start == 0)
            for r in chunk:
                if not self.renderer.article_current(r):
                    r.render_all(self.site)
            yield from chunk


def _miscounted(entry: Entry, stem: str, walk: _Walk | None) -> str:
    if walk is None:
        return f"entry {entry.id} is in feed {stem}, which the store does not list"
    return f"feed {stem}: the store counts {walk.info.entry_count} entries, lists more ({entry.id})"


def _whole_issues(chunk: list[Rendered], *, last: bool) -> tuple[list[Rendered], list[Rendered]]:
    """`chunk` (paper order, oldest first) split before its last issue unless it is the `last`
    chunk, each entry given its neighbours in its issue: (entries ready, entries carried over).
    The store lists an issue's entries together (they are published on its date)."""
    cut = len(chunk)
    if not last:
        day = chunk[-1].entry.issue_date
        while cut > 0 and chunk[cut - 1].entry.issue_date == day:
            cut -= 1
    ready, carry = chunk[:cut], chunk[cut:]
    start = 0
    for end in range(1, len(ready) + 1):
        if end == len(ready) or ready[end].entry.issue_date != ready[start].entry.issue_date:
            group = ready[start:end]
            around = neighbours([r.entry for r in group])
            for r in group:
                r.around = around[r.entry.id]
            start = end
    return ready, carry


class _IssueWalk:
    """Issue pages while `Walker.everything` walks the paper in this process: an issue's page is
    made once its entries are walked, linking to the issues before and after it by date (as
    `Builder.issues` does). An issue listed apart (against the store's order) is made again at the
    end, from the store."""

    def __init__(self, walker: Walker) -> None:
        self.walker = walker
        self.days = walker.issue_dates()
        self.at = {day: n for n, day in enumerate(self.days)}
        self.day: dt.date | None = None
        self.current: list[Entry] = []
        self.seen: set[dt.date] = set()
        self.split: set[dt.date] = set()

    def add(self, entry: Entry) -> Iterator[Outputs]:
        if entry.issue_date != self.day:
            yield from self._close()
            if entry.issue_date in self.seen:
                self.split.add(entry.issue_date)
            self.seen.add(entry.issue_date)
            self.day, self.current = entry.issue_date, []
        self.current.append(entry)

    def _close(self) -> Iterator[Outputs]:
        if self.day is not None and self.day not in self.split:
            yield self._page(self.day, self.current)

    def _page(self, day: dt.date, entries: list[Entry]) -> Outputs:
        return self.walker.issue(IssuePlace.among(self.days, self.at[day]), entries)

    def finish(self) -> Iterator[Outputs]:
        yield from self._close()
        for day in sorted(self.split):
            yield self._page(day, self.walker.source.issue_entries(day))


def _auto_workers(count: int) -> int:
    """Worker processes for a regenerate of `count` entries: one per CPU, none for small papers."""
    if count < _POOL_MIN:
        return 0
    return min(len(os.sched_getaffinity(0)), _POOL_MAX)
