"""The store opened read-only, for reading a whole archive in parts: a regenerate's worker
processes each read runs of issue dates (`entries_between`), the main process reads only the order
of the paper's feed (`entry_ids`) and puts the workers' entries in it.

Opened with SQLite's `mode=ro`: such a connection never writes (no schema check or migration: the
process that opened the store for writing did those), and several may read while one process
writes, as WAL allows. Not memory-mapped (unlike `Store.open`): reading the whole archive through
a map would count every page read in the reading process's RSS, in each process; read through
SQLite's small page cache, the file's pages stay in the kernel's cache only.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from feedsvc.errors import MissingStore, StoreError
from feedsvc.records import Entry, FeedRef
from feedsvc.store import Store
from feedsvc.store.schema import _ENTRY_COLUMNS, _ENTRY_JOIN, DB_NAME, FEED_KEY


class StoreReader(Store):
    """A store opened read-only (`open_readonly`), with the reads a regenerate splits up."""

    @classmethod
    def open_readonly(cls, folder: Path) -> StoreReader:
        """Open `folder/feedsvc.sqlite3` read-only; a missing store is `MissingStore`."""
        path = folder / DB_NAME
        if not path.is_file():
            raise MissingStore(path)
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            db.execute("PRAGMA busy_timeout = 10000")
            db.execute("PRAGMA mmap_size = 0")  # see the module's docstring
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the store to read it: {exc}") from exc
        return cls(db, path)

    def entry_ids(self, ref: FeedRef) -> list[str]:
        """The ids of a feed's live entries, newest first (the feed's order; its index alone)."""
        try:
            feed_id = self._feed_id(ref)
            rows = self._db.execute(
                f"SELECT entry_id FROM feed_members WHERE feed_id = ? ORDER BY {FEED_KEY}", (feed_id,)
            ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store: {exc}") from exc
        return [row[0] for row in rows]

    def entries_between(self, first: dt.date, last: dt.date) -> list[Entry]:
        """The live entries of the issues from `first` to `last` (both included), by issue date,
        then in page and reading order."""
        try:
            rows = self._db.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM items i {_ENTRY_JOIN} WHERE i.issue_date BETWEEN ? AND ?"
                " AND i.retracted = 0 ORDER BY i.issue_date, i.page, i.position, i.entry_id",
                (first.isoformat(), last.isoformat()),
            ).fetchall()
            return self._entries(rows)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store: {exc}") from exc
