"""The store's connection: opening (pragmas, schema), closing, transactions, the readers' error
handling, and the row readers every part of `Store` shares (`_feed_id`, `_entries`,
`_page_entries`). The parts of `Store` (`feedsvc.store`) build on `StoreBase`."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from feedsvc.errors import MissingStore, StoreError
from feedsvc.records import Entry, EntryImage, EntryPerson, FeedRef
from feedsvc.store import proofs
from feedsvc.store.schema import (
    _BATCH,
    _ENTRY_COLUMNS,
    _ENTRY_JOIN,
    _MMAP_BYTES,
    _WAL_AUTOCHECKPOINT_PAGES,
    DB_NAME,
    PAPER_FEED_ID,
    _entry,
    _person,
    _prepare_schema,
)

S = TypeVar("S", bound="StoreBase")
P = ParamSpec("P")
R = TypeVar("R")


def _reads(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """A reader: SQLite errors (a corrupt page, an unreadable file) become `StoreError`."""

    @wraps(method)
    def read(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store: {exc}") from exc

    return read


def _streams(
    method: Callable[Concatenate[S, P], Iterator[R]],
) -> Callable[Concatenate[S, P], Iterator[R]]:
    """`_reads` for a generator."""

    @wraps(method)
    def stream(self: S, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[R]:
        try:
            yield from method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store: {exc}") from exc

    return stream


def _has_data(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the store: {exc.strerror}") from exc


class StoreBase:
    """One open store. Not for concurrent use from several threads; other processes may read."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        # each section's and contributor's feed id by its slug, once read outside a transaction: a
        # row keeps its feed for good and is never deleted, but a new config slug override gives it
        # another slug (`_Writer._named`, in `Store.apply`, which empties this): no other process
        # writes while the writer lock is held (one rolled back could: not kept)
        self._feed_ids: dict[tuple[str, str], int] = {}

    # ----------------------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, folder: Path, *, create: bool = True) -> Self:
        """Open (creating folder and schema if needed) `folder/feedsvc.sqlite3`. With
        `create=False`, a store file that is missing or empty is a `StoreError` (`MissingStore`)."""
        path = folder / DB_NAME
        if not create and not _has_data(path):
            raise MissingStore(path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{folder}: cannot create the store folder: {exc.strerror}") from exc
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from exc
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA busy_timeout = 10000")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")  # reads without copying: ~2x faster scans
            db.execute(f"PRAGMA wal_autocheckpoint = {_WAL_AUTOCHECKPOINT_PAGES}")
            _prepare_schema(db, path)
            proofs.prepare(db)
        except sqlite3.Error as exc:
            db.close()
            raise StoreError(f"{path}: not a readable feedsvc store: {exc}") from exc
        except StoreError:
            db.close()
            raise
        return cls(db, path)

    def close(self) -> None:
        """Close the connection (the last one to close also checkpoints the WAL)."""
        self._db.close()

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file, for an idle moment (e.g. after publishing)."""
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot checkpoint: {exc}") from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _transaction(self, what: str) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot {what}: {exc}") from exc
        try:
            yield self._db
        except (sqlite3.Error, OSError) as exc:
            self._db.execute("ROLLBACK")
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise StoreError(f"{self.path}: cannot {what}: {reason}") from exc
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _feed_id(self, ref: FeedRef) -> int | None:
        if ref.kind == "paper":
            return PAPER_FEED_ID
        known = self._feed_ids.get((ref.kind, ref.slug))
        if known is not None:
            return known
        table = "sections" if ref.kind == "section" else "contributors"
        row = self._db.execute(f"SELECT feed_id FROM {table} WHERE slug = ?", (ref.slug,)).fetchone()
        if row is None:
            return None
        if not self._db.in_transaction:
            self._feed_ids[ref.kind, ref.slug] = int(row[0])
        return int(row[0])

    def _entries(
        self, rows: Sequence[sqlite3.Row | tuple[Any, ...]], make: Callable[..., Entry] = _entry
    ) -> list[Entry]:
        """Entries from `_ENTRY_COLUMNS` rows (or `_STUB_COLUMNS` rows, `make` being `_stub`), with
        their contributors and photos (a query each per batch)."""
        people: dict[int, list[EntryPerson]] = {}
        images: dict[int, list[EntryImage]] = {}
        for start in range(0, len(rows), _BATCH):
            chunk = [row[0] for row in rows[start : start + _BATCH]]
            for item_id, path, width, height, bbox, length in self._db.execute(
                "SELECT ii.item_id, ii.path, ii.width, ii.height, ii.bbox, length(im.data)"
                " FROM item_images ii LEFT JOIN images im ON im.path = ii.path"
                f" WHERE ii.item_id IN ({','.join('?' * len(chunk))}) ORDER BY ii.item_id, ii.seq",
                chunk,
            ):
                box = tuple(json.loads(bbox))
                ref = EntryImage(path=path, width=width, height=height, bbox=box, length=length)
                images.setdefault(item_id, []).append(ref)
            for item_id, role, name, credit, slug in self._db.execute(
                "SELECT ic.item_id, ic.role, c.name, ic.credit, c.slug FROM item_contributors ic"
                " JOIN contributors c ON c.id = ic.contributor_id"
                f" WHERE ic.item_id IN ({','.join('?' * len(chunk))}) ORDER BY ic.item_id, ic.seq",
                chunk,
            ):
                people.setdefault(item_id, []).append(_person(role, name, credit, slug))
        return [make(row, tuple(people.get(row[0], ())), tuple(images.get(row[0], ()))) for row in rows]

    def _page_entries(self, day: dt.date, number: int) -> dict[int, Entry]:
        rows = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM items i {_ENTRY_JOIN}"
            " WHERE i.issue_date = ? AND i.page = ? AND i.retracted = 0",
            (day.isoformat(), number),
        ).fetchall()
        return {row[0]: entry for row, entry in zip(rows, self._entries(rows), strict=True)}
