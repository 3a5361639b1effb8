"""The SQLite store (WAL): submissions with their original bytes, issues, pages, items, contributors,
sections, and two ledgers that make identity permanent — entry ids and slugs, never reused.

`apply` writes one parsed `Issue` in one transaction and returns what changed; the readers hand
`Entry` / `FeedInfo` records to the publisher. Every datetime is stored as ISO 8601 with its
offset and returned aware. Time is passed in (`received`, `now`); nothing here reads the clock.

Feed membership is kept in `feed_members` (live items only, ordered like the feeds, counted into
`feeds.entry_count` by triggers), so reading a feed's newest entries is one index range, and an
`apply` only touches the rows of the pages it writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

from feedsvc.config import Settings
from feedsvc.errors import MissingStore, StoreError
from feedsvc.faults import checkpoint
from feedsvc.models import Issue
from feedsvc.records import Change, Entry, EntryImage, EntryPerson, FeedInfo, FeedRef
from feedsvc.store import proofs
from feedsvc.store.proofs import KnownPage, PageChain, PageDigest
from feedsvc.store.schema import (
    _BATCH,
    _ENTRY_COLUMNS,
    _ENTRY_JOIN,
    _FEED_ORDER,
    _MMAP_BYTES,
    _STUB_COLUMNS,
    _WAL_AUTOCHECKPOINT_PAGES,
    DB_NAME,
    FEED_KEY,
    PAPER_FEED_ID,
    SCHEMA_VERSION,
    Submission,
    SubmissionStatus,
    _aware,
    _day,
    _entry,
    _person,
    _prepare_schema,
    _submission,
)
from feedsvc.store.writer import _Writer

__all__ = ["DB_NAME", "SCHEMA_VERSION", "MissingStore", "Store", "Submission", "SubmissionStatus"]

P = ParamSpec("P")
R = TypeVar("R")


def _reads(method: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
    """A reader: SQLite errors (a corrupt page, an unreadable file) become `StoreError`."""

    @wraps(method)
    def read(self: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the store: {exc}") from exc

    return read


def _streams(
    method: Callable[Concatenate[Store, P], Iterator[R]],
) -> Callable[Concatenate[Store, P], Iterator[R]]:
    """`_reads` for a generator."""

    @wraps(method)
    def stream(self: Store, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[R]:
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


class Store:
    """One open store. Not for concurrent use from several threads; other processes may read."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path

    # ----------------------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, folder: Path, *, create: bool = True) -> Store:
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

    def __enter__(self) -> Store:
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

    # ----------------------------------------------------------------------------- submissions

    def add_submission(
        self, name: str, data: bytes, received: dt.datetime, *, key: str | None = None
    ) -> Submission:
        """Keep a submission's original bytes for good; the same identity twice is stored once.
        Its identity `key` (kept as `sha256`) is the sha256 of its bytes unless the caller says
        otherwise (`resubmit.submission_key`: what the file name contributed to the parse too)."""
        _aware(received, "received")
        plain = hashlib.sha256(data).hexdigest()
        digest = key or plain
        with self._transaction("store a submission") as db:
            row = db.execute("SELECT id FROM submissions WHERE sha256 = ?", (digest,)).fetchone()
            if row is not None:
                return self.submission(row[0]).model_copy(update={"duplicate": True})
            sid = db.execute(
                "INSERT INTO submissions (name, sha256, size, received) VALUES (?, ?, ?, ?)",
                (name, digest, len(data), received.isoformat()),
            ).lastrowid
            assert sid is not None
            db.execute("INSERT INTO originals (submission_id, data) VALUES (?, ?)", (sid, data))
            if digest != plain:
                db.execute("INSERT INTO submission_bytes VALUES (?, ?)", (sid, plain))
            checkpoint("store.add_submission.uncommitted")
        return self.submission(sid)

    @_reads
    def store_id(self) -> str:
        """The random id this store was given when it was made."""
        return str(self._db.execute("SELECT value FROM store_info WHERE key = 'id'").fetchone()[0])

    @_reads
    def same_bytes(self, data: bytes) -> list[Submission]:
        """The stored submissions whose bytes are `data` (under any identity), oldest first."""
        plain = hashlib.sha256(data).hexdigest()
        rows = self._db.execute(
            "SELECT id FROM submissions WHERE sha256 = ?"
            " UNION SELECT submission_id FROM submission_bytes WHERE sha256 = ? ORDER BY 1",
            (plain, plain),
        )
        return [self.submission(row[0]) for row in rows.fetchall()]

    @_reads
    def superseded(self) -> set[int]:
        """Ids of submissions a resend under a corrected name replaced."""
        return {int(row[0]) for row in self._db.execute("SELECT submission_id FROM superseded")}

    def supersede(self, old_id: int, by_id: int, keep: Iterable[tuple[dt.date, int]]) -> tuple[Change, ...]:
        """`by_id` resent `old_id`'s bytes under a corrected name: the pages last written from
        `old_id`, but for those in `keep`, are withdrawn (their live items retracted), and
        `old_id` is marked superseded. Returns the retractions."""
        kept = set(keep)
        changes: list[Change] = []
        with self._transaction("withdraw a superseded submission's pages") as db:
            db.execute("INSERT OR IGNORE INTO superseded VALUES (?, ?)", (old_id, by_id))
            pages = db.execute(
                "SELECT issue_date, number FROM pages WHERE submission_id = ? ORDER BY 1, 2", (old_id,)
            ).fetchall()
            for day, number in pages:
                if (_day(day), number) in kept:
                    continue
                for iid, entry in self._page_entries(_day(day), number).items():
                    db.execute("UPDATE items SET retracted = 1 WHERE id = ?", (iid,))
                    db.execute("DELETE FROM feed_members WHERE item_id = ?", (iid,))
                    changes.append(Change(before=entry, after=None))
        return tuple(changes)

    @_reads
    def submission(self, submission_id: int) -> Submission:
        row = self._db.execute(
            "SELECT id, name, sha256, size, received, status FROM submissions WHERE id = ?",
            (submission_id,),
        ).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no submission {submission_id}")
        return _submission(row)

    def mark_submission(self, submission_id: int, status: SubmissionStatus, note: str | None = None) -> None:
        """Record what became of a submission (e.g. `failed` with the parse error)."""
        with self._transaction("mark a submission") as db:
            db.execute(
                "UPDATE submissions SET status = ?, note = ? WHERE id = ?", (status, note, submission_id)
            )

    @_reads
    def submission_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0])

    @_streams
    def originals(self) -> Iterator[tuple[Submission, bytes]]:
        """Every stored submission with its bytes, oldest first (for re-parsing).

        Each one is read on its own, so the caller may `apply` between them.
        """
        ids = [row[0] for row in self._db.execute("SELECT id FROM submissions ORDER BY id")]
        for sid in ids:
            row = self._db.execute("SELECT data FROM originals WHERE submission_id = ?", (sid,)).fetchone()
            if row is not None:
                yield self.submission(sid), bytes(row[0])

    @_reads
    def original(self, submission_id: int) -> bytes | None:
        """A stored submission's bytes."""
        row = self._db.execute("SELECT data FROM originals WHERE submission_id = ?", (submission_id,))
        found = row.fetchone()
        return bytes(found[0]) if found is not None else None

    @_reads
    def page_sources(self, date: dt.date, numbers: Iterable[int]) -> dict[int, Submission]:
        """The submission each of these stored pages of `date` was last written from."""
        found: dict[int, Submission] = {}
        for number in numbers:
            row = self._db.execute(
                "SELECT submission_id FROM pages WHERE issue_date = ? AND number = ?",
                (date.isoformat(), number),
            ).fetchone()
            if row is not None:
                found[number] = self.submission(row[0])
        return found

    # ----------------------------------------------------------------------------- writing

    def apply(
        self,
        issue: Issue,
        *,
        submission_id: int,
        settings: Settings,
        now: dt.datetime,
        images: Mapping[str, bytes] | None = None,
        pins: Mapping[int, Mapping[int, str]] | None = None,
        withheld: Mapping[int, Collection[int]] | None = None,
        placed: dict[tuple[int, int], str] | None = None,
    ) -> tuple[Change, ...]:
        """Write the pages of a parsed issue; return one `Change` per added, edited or retracted entry.

        Each page (issue date + page number) replaces its stored version: items are matched
        (`identity.match_items`, live items first, then retracted ones, which come back), matched
        items keep their ids, new items get ids minted from where they first appeared, unmatched
        stored items are retracted. A new item is published at its issue's edition time (or now,
        if earlier) and its `updated` is its `published`; an item whose content (fields, section,
        contributors) changed gets `updated = max(now, published)`; a move on its page alone is a
        change but keeps `updated`. Pages not in `issue` are left alone. An identical
        re-apply writes nothing (but the submission's status, if it was not yet `applied`) and
        returns `()`. Raises `StoreError` for an issue without a date, a page number twice, a
        config slug override that is another name's slug; nothing is written then. `images`: the
        JPEG bytes of the photos the items carry (PDF submissions), by path, stored with them.

        For the editors' corrections (`feedsvc.editorial`): `pins` {page: {position: entry id}}
        keeps those ids at those positions before any matching; `withheld` {page: positions} are
        stored but kept out of the feeds (as retracted); `placed`, if given, receives the entry
        id written at each (page, position).
        """
        _aware(now, "now")
        submission = self.submission(submission_id)
        if issue.date is None:
            raise StoreError(f"{submission.name}: cannot store an issue without an issue date")
        numbers = [page.number for page in issue.pages]
        if len(set(numbers)) != len(numbers):
            raise StoreError(f"{submission.name}: the issue has the same page number twice: {numbers}")
        writer = _Writer(self._db, settings, issue.date, submission_id, now)
        with self._transaction(f"store {submission.name}"):
            writer.issue(issue)
            writer.images(issue, images or {})
            changes = [
                change
                for page in issue.pages
                for change in writer.page(
                    page,
                    self._page_entries,
                    (pins or {}).get(page.number),
                    (withheld or {}).get(page.number, ()),
                )
            ]
            if placed is not None:
                placed.update(writer.placed)
            if submission.status != "applied":
                writer.db.execute("UPDATE submissions SET status = 'applied' WHERE id = ?", (submission_id,))
            checkpoint("store.apply.uncommitted")
        return tuple(changes)

    # ----------------------------------------------------------------------------- reading

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
            infos.append(FeedInfo(ref=FeedRef(kind=kind, slug=slug), name=label, entry_count=count))
        return sorted(infos, key=lambda info: info.ref.sort_key)

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
        digest key (`render.common.entry_key`) and its place in a feed need, for proving a document
        current without reading what it shows. Never to be rendered (`render.stubs`)."""
        rows = self._db.execute(
            "WITH m AS (SELECT item_id, published_ts, arrival, page, position, entry_id FROM feed_members"
            f" WHERE feed_id = ? ORDER BY {FEED_KEY} LIMIT ? OFFSET ?)"
            f" SELECT {_STUB_COLUMNS} FROM m JOIN items i ON i.id = m.item_id {_ENTRY_JOIN}"
            f" ORDER BY {_FEED_ORDER}",
            (self._feed_id(ref), limit, offset),
        ).fetchall()
        return self._entries(rows)

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
        """The dates of every issue with a live entry, oldest first."""
        rows = self._db.execute(
            "SELECT DISTINCT issue_date FROM items WHERE retracted = 0 ORDER BY issue_date"
        ).fetchall()
        return [_day(row[0]) for row in rows]

    # ----------------------------------------------------------------- archive page digests

    @_reads
    def key_generation(self) -> int:
        """Counts the writes that could change a stored entry's key (`store.proofs`)."""
        return proofs.generation(self._db)

    @_reads
    def known_page(
        self, ref: FeedRef, number: int, place: str, offset: int, generation: int
    ) -> KnownPage | None:
        """Archive page `number`'s remembered digest, if it still holds (`store.proofs.known`)."""
        feed_id = self._feed_id(ref)
        return (
            None
            if feed_id is None
            else proofs.known(self._db, feed_id, number, place=place, offset=offset, gen=generation)
        )

    def remember_pages(self, pages: Sequence[tuple[FeedRef, PageDigest]], generation: int) -> None:
        """Keep full archive pages' digests computed at `generation` (`store.proofs`)."""
        feeds: dict[FeedRef, int | None] = {}
        with self._transaction("remember archive page digests"):
            for ref, _ in pages:
                if ref not in feeds:
                    feeds[ref] = self._feed_id(ref)
            found = [(feed_id, page) for ref, page in pages if (feed_id := feeds[ref]) is not None]
            proofs.remember(self._db, found, generation)

    @_reads
    def page_chain(self, ref: FeedRef, number: int, below: int, generation: int) -> PageChain | None:
        """Archive page `number`'s remembered chain, if it still holds (`store.proofs.chain`)."""
        feed_id = self._feed_id(ref)
        return (
            None if feed_id is None else proofs.chain(self._db, feed_id, number, below=below, gen=generation)
        )

    def remember_chains(self, pages: Sequence[tuple[FeedRef, PageChain]], generation: int) -> None:
        """Keep open archive pages' chains computed at `generation` (`store.proofs`)."""
        with self._transaction("remember open archive pages"):
            found = [(feed_id, page) for ref, page in pages if (feed_id := self._feed_id(ref)) is not None]
            proofs.remember_chains(self._db, found, generation)

    def _feed_id(self, ref: FeedRef) -> int | None:
        if ref.kind == "paper":
            return PAPER_FEED_ID
        table = "sections" if ref.kind == "section" else "contributors"
        row = self._db.execute(f"SELECT feed_id FROM {table} WHERE slug = ?", (ref.slug,)).fetchone()
        return int(row[0]) if row else None

    def _entries(self, rows: Sequence[sqlite3.Row | tuple[Any, ...]]) -> list[Entry]:
        """Entries from `_ENTRY_COLUMNS` rows, with their contributors and photos (a query each per batch)."""
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
        return [_entry(row, tuple(people.get(row[0], ())), tuple(images.get(row[0], ()))) for row in rows]

    def _page_entries(self, day: dt.date, number: int) -> dict[int, Entry]:
        rows = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM items i {_ENTRY_JOIN}"
            " WHERE i.issue_date = ? AND i.page = ? AND i.retracted = 0",
            (day.isoformat(), number),
        ).fetchall()
        return {row[0]: entry for row, entry in zip(rows, self._entries(rows), strict=True)}
