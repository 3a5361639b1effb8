"""The store's readers: live entries by feed, id and issue, the feeds, issue dates and photos,
handed to the publisher as `Entry` / `FeedInfo` records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from functools import lru_cache
from operator import itemgetter

from feedsvc.records import Entry, FeedInfo, FeedKind, FeedRef, feed_ref
from feedsvc.store.base import StoreBase, _reads, _streams
from feedsvc.store.schema import (
    _BATCH,
    _ENTRY_COLUMNS,
    _ENTRY_JOIN,
    _FEED_ORDER,
    _STUBS_OF_FEED,
    FEED_KEY,
    PAPER_FEED_ID,
    _day,
    _stub,
)

ISSUE_DATES = (  # `EntryStore.issue_dates`: one row, the dates joined by commas (in no set order)
    "SELECT group_concat(date) FROM issues d WHERE EXISTS"
    " (SELECT 1 FROM items i WHERE i.issue_date = d.date AND i.retracted = 0)"
)


_KIND_RANK = {"paper": 0, "section": 1, "contributor": 2}  # as `FeedRef.sort_key` ranks them


@lru_cache(maxsize=8192)
def _feed_info(kind: FeedKind, slug: str, name: str, count: int) -> FeedInfo:
    """A feed's `FeedInfo` (frozen: shared), the one made last for the same values if any: every
    publish lists every feed (~300 for ten years), and most feeds' counts are as they were."""
    return FeedInfo(ref=feed_ref(kind, slug), name=name, entry_count=count)


class EntryStore(StoreBase):
    """`Store`'s readers of entries and feeds."""

    @_streams
    def image_files(self, paths: Iterable[str] | None = None) -> Iterator[tuple[str, bytes]]:
        """(path, JPEG bytes) of stored photos that live items carry: these `paths`, or all."""
        query = (
            "SELECT DISTINCT im.path FROM images im JOIN item_images ii ON ii.path = im.path"
            " JOIN items i ON i.id = ii.item_id WHERE i.retracted = 0 ORDER BY im.path"
        )
        wanted = [row[0] for row in self._db.execute(query)]
        if paths is not None:
            asked = set(paths)
            wanted = [path for path in wanted if path in asked]
        for path in wanted:
            row = self._db.execute("SELECT data FROM images WHERE path = ?", (path,)).fetchone()
            if row is not None:
                yield path, bytes(row[0])

    @_reads
    def feed_infos(self) -> list[FeedInfo]:
        """Every feed with at least one live entry, in `FeedRef.sort_key` order."""
        infos = []
        for kind, slug, name, role, count in self._db.execute(
            "SELECT f.kind, COALESCE(s.slug, c.slug, ''), COALESCE(s.name, c.name, ''), c.role,"
            " f.entry_count FROM feeds f LEFT JOIN sections s ON s.feed_id = f.id"
            " LEFT JOIN contributors c ON c.feed_id = f.id WHERE f.entry_count > 0"
        ):
            label = f"{role} {name}" if role else name
            infos.append(((_KIND_RANK[kind], slug), _feed_info(kind, slug, label, count)))
        infos.sort(key=itemgetter(0))  # `FeedRef.sort_key`'s order, not made a feed
        return [info for _, info in infos]

    @_reads
    def count(self, ref: FeedRef) -> int:
        """How many live entries `ref` has."""
        row = self._db.execute("SELECT entry_count FROM feeds WHERE id = ?", (self._feed_id(ref),)).fetchone()
        return int(row[0]) if row else 0

    @_reads
    def entries(self, ref: FeedRef, *, limit: int | None = None, offset: int = 0) -> list[Entry]:
        """Live entries of a feed, newest first (published desc, arrival desc, page, position, id)."""
        # the offset is skipped in the covering index alone, before any item row is read
        rows = self._db.execute(
            "WITH m AS (SELECT item_id, published_ts, arrival, page, position, entry_id FROM feed_members"
            f" WHERE feed_id = ? ORDER BY {FEED_KEY} LIMIT ? OFFSET ?)"
            f" SELECT {_ENTRY_COLUMNS} FROM m JOIN items i ON i.id = m.item_id {_ENTRY_JOIN}"
            f" ORDER BY {_FEED_ORDER}",
            (self._feed_id(ref), -1 if limit is None else limit, offset),
        ).fetchall()
        return self._entries(rows)

    @_reads
    def entry_stubs(self, ref: FeedRef, *, limit: int, offset: int = 0) -> list[Entry]:
        """`entries` without their text (no kicker, headline, title or paragraphs): what an entry's
        digest key (`render.keys.entry_key`) and its place in a feed need, for proving a document
        current without reading what it shows. Never to be rendered (`render.stubs`)."""
        rows = self._db.execute(_STUBS_OF_FEED, (self._feed_id(ref), limit, offset)).fetchall()
        return self._entries(rows, _stub)

    @_streams
    def all_entries(self) -> Iterator[Entry]:
        """Every live entry, newest first, streamed in batches."""
        cursor = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM feed_members m JOIN items i ON i.id = m.item_id {_ENTRY_JOIN}"
            f" WHERE m.feed_id = {PAPER_FEED_ID} ORDER BY {_FEED_ORDER}"
        )
        while rows := cursor.fetchmany(_BATCH):
            yield from self._entries(rows)

    @_reads
    def entries_by_id(self, ids: Iterable[str]) -> list[Entry]:
        """The live entries with these ids, in the order asked; unknown and retracted ids are skipped."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Entry] = {}
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            rows = self._db.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM items i {_ENTRY_JOIN} WHERE i.retracted = 0"
                f" AND i.entry_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            found.update((entry.id, entry) for entry in self._entries(rows))
        return [found[i] for i in wanted if i in found]

    @_reads
    def issue_entries(self, date: dt.date) -> list[Entry]:
        """The live entries of one issue, in page and reading order."""
        rows = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM items i {_ENTRY_JOIN} WHERE i.issue_date = ?"
            " AND i.retracted = 0 ORDER BY i.page, i.position, i.entry_id",
            (date.isoformat(),),
        ).fetchall()
        return self._entries(rows)

    @_reads
    def latest_issue_date(self) -> dt.date | None:
        """The issue date of the newest live entry, if any."""
        row = self._db.execute(
            "SELECT i.issue_date FROM feed_members m JOIN items i ON i.id = m.item_id"
            f" WHERE m.feed_id = {PAPER_FEED_ID} ORDER BY {_FEED_ORDER} LIMIT 1"
        ).fetchone()
        return _day(row[0]) if row else None

    @_reads
    def issue_dates(self) -> list[dt.date]:
        """The dates of every issue with a live entry, oldest first: each stored issue (every item's
        date is one: items → pages → issues are foreign keys) that has one, a seek in the index of
        live items by date for each (3,652 in the 10-year store, ~60,000 SQLite steps), not a
        walk of that index's every entry (its 87,000 items, ~660,000 steps: 80 % of an ingest's).
        They come as one text, sorted here (ISO dates sort as the days do): a row each cost as
        much again as the seeks, in SQLite's and the driver's work per row."""
        (joined,) = self._db.execute(ISSUE_DATES).fetchone()
        return list(map(_day, sorted(joined.split(",")))) if joined else []
