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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache, wraps
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

from pydantic import BaseModel, ConfigDict

from feedsvc import identity
from feedsvc.config import Settings
from feedsvc.errors import StoreError
from feedsvc.models import Issue, Item, Page
from feedsvc.records import Change, Entry, EntryPerson, FeedInfo, FeedRef

__all__ = ["DB_NAME", "SCHEMA_VERSION", "Store", "Submission", "SubmissionStatus"]

DB_NAME = "feedsvc.sqlite3"
SCHEMA_VERSION = 1
PAPER_FEED_ID = 1
_BATCH = 500
_MMAP_BYTES = 1 << 30
# A checkpoint costs two fsyncs (~0.7 s on slow disks), whatever its size; an issue adds ~0.5-1 MB
# of WAL. Checkpoint every ~32 MB instead of SQLite's 4 MB, and let `checkpoint()` do it when idle.
_WAL_AUTOCHECKPOINT_PAGES = 8192

SubmissionStatus = Literal["received", "applied", "failed"]
SlugKind = Literal["section", "contributor"]

_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
    received TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'received', note TEXT);
CREATE TABLE originals (
    submission_id INTEGER PRIMARY KEY REFERENCES submissions (id), data BLOB NOT NULL);
CREATE TABLE issues (
    date TEXT PRIMARY KEY, issue_number INTEGER, page_count INTEGER, lunar TEXT);
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('paper', 'section', 'contributor')),
    entry_count INTEGER NOT NULL DEFAULT 0);
INSERT INTO feeds (id, kind) VALUES (1, 'paper');
CREATE TABLE slugs (  -- ledger: every slug ever claimed, and by whom; never released
    kind TEXT NOT NULL, slug TEXT NOT NULL, name TEXT NOT NULL, claimed_at TEXT NOT NULL,
    PRIMARY KEY (kind, slug));
CREATE TABLE sections (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, slug TEXT NOT NULL UNIQUE,
    feed_id INTEGER NOT NULL UNIQUE REFERENCES feeds (id));
CREATE TABLE contributors (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, slug TEXT NOT NULL UNIQUE,
    role TEXT, role_date TEXT, feed_id INTEGER NOT NULL UNIQUE REFERENCES feeds (id));
CREATE TABLE entry_ids (  -- ledger: every entry id ever minted, and where it was minted
    id TEXT PRIMARY KEY, issue_date TEXT NOT NULL, page INTEGER NOT NULL, position INTEGER NOT NULL,
    minted_at TEXT NOT NULL, UNIQUE (issue_date, page, position));
CREATE TABLE pages (
    issue_date TEXT NOT NULL REFERENCES issues (date), number INTEGER NOT NULL,
    section_id INTEGER REFERENCES sections (id), section_from TEXT NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (issue_date, number));
CREATE TABLE items (
    id INTEGER PRIMARY KEY, entry_id TEXT NOT NULL UNIQUE REFERENCES entry_ids (id),
    issue_date TEXT NOT NULL, page INTEGER NOT NULL, position INTEGER NOT NULL,
    minted_position INTEGER NOT NULL, kind TEXT NOT NULL, kicker TEXT, headline TEXT, subtitle TEXT,
    title TEXT NOT NULL, title_derived INTEGER NOT NULL, dateline TEXT, paragraphs TEXT NOT NULL,
    published TEXT NOT NULL, published_ts INTEGER NOT NULL, updated TEXT NOT NULL,
    retracted INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (issue_date, page) REFERENCES pages (issue_date, number));
CREATE INDEX items_by_page ON items (issue_date, page, position);
CREATE TABLE item_contributors (
    item_id INTEGER NOT NULL REFERENCES items (id), seq INTEGER NOT NULL,
    contributor_id INTEGER NOT NULL REFERENCES contributors (id), role TEXT, credit TEXT,
    PRIMARY KEY (item_id, seq));
CREATE TABLE feed_members (  -- live items of each feed, keyed in feed order
    feed_id INTEGER NOT NULL REFERENCES feeds (id), published_ts INTEGER NOT NULL,
    page INTEGER NOT NULL, position INTEGER NOT NULL, entry_id TEXT NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items (id),
    PRIMARY KEY (feed_id, published_ts DESC, page, position, entry_id)) WITHOUT ROWID;
CREATE UNIQUE INDEX feed_members_by_item ON feed_members (item_id, feed_id);
CREATE TRIGGER feed_members_count_in AFTER INSERT ON feed_members BEGIN
    UPDATE feeds SET entry_count = entry_count + 1 WHERE id = NEW.feed_id; END;
CREATE TRIGGER feed_members_count_out AFTER DELETE ON feed_members BEGIN
    UPDATE feeds SET entry_count = entry_count - 1 WHERE id = OLD.feed_id; END;
"""

_ENTRY_COLUMNS = """
    i.id, i.entry_id, i.issue_date, i.page, i.position, i.minted_position, i.kind, i.kicker,
    i.headline, i.subtitle, i.title, i.title_derived, i.dateline, i.paragraphs, i.published,
    i.updated, s.name, s.slug"""
_ENTRY_JOIN = """
    JOIN pages p ON p.issue_date = i.issue_date AND p.number = i.page
    LEFT JOIN sections s ON s.id = p.section_id"""
_FEED_ORDER = "m.published_ts DESC, m.page, m.position, m.entry_id"


class Submission(BaseModel):
    """A stored submission. `duplicate`: `add_submission` found these exact bytes already stored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    name: str
    sha256: str
    size: int
    received: dt.datetime
    status: SubmissionStatus
    duplicate: bool = False


@lru_cache(maxsize=4096)
def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@lru_cache(maxsize=4096)
def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _aware(value: dt.datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {value!r}")


def _article_path(day: dt.date, page: int, minted_position: int) -> str:
    # (field formatting: strftime costs ~10 µs a call, a lot when streaming every entry)
    return f"articles/{day.year:04d}/{day.month:02d}/{day.day:02d}/p{page}-{minted_position:02d}.html"


@lru_cache(maxsize=8192)
def _person(role: str | None, name: str, credit: str | None, slug: str) -> EntryPerson:
    return EntryPerson(role=role, name=name, credit=credit, slug=slug)  # frozen: safe to share


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


class Store:
    """One open store. Not for concurrent use from several threads; other processes may read."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path

    # ----------------------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, folder: Path) -> Store:
        """Open (creating folder and schema if needed) `folder/feedsvc.sqlite3`."""
        path = folder / DB_NAME
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
        except sqlite3.Error as exc:
            self._db.execute("ROLLBACK")
            raise StoreError(f"{self.path}: cannot {what}: {exc}") from exc
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ----------------------------------------------------------------------------- submissions

    def add_submission(self, name: str, data: bytes, received: dt.datetime) -> Submission:
        """Keep a submission's original bytes for good; the same bytes twice are stored once."""
        _aware(received, "received")
        digest = hashlib.sha256(data).hexdigest()
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
        return self.submission(sid)

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

    # ----------------------------------------------------------------------------- writing

    def apply(
        self, issue: Issue, *, submission_id: int, settings: Settings, now: dt.datetime
    ) -> tuple[Change, ...]:
        """Write the pages of a parsed issue; return one `Change` per added, edited or retracted entry.

        Each page (issue date + page number) replaces its stored version: items are matched
        (`identity.match_items`, live items first, then retracted ones, which come back), matched
        items keep their ids, new items get ids minted from where they first appeared, unmatched
        stored items are retracted. `updated` becomes `max(now, published)` for an item that was
        added or whose content (fields, section, contributors) changed; a move on its page alone
        is a change but keeps `updated`. Pages not in `issue` are left alone. An identical
        re-apply writes nothing (but the submission's status, if it was not yet `applied`) and
        returns `()`. Raises `StoreError` for an issue without a date, a page number twice, a
        config slug override that is another name's slug; nothing is written then.
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
            changes = [change for page in issue.pages for change in writer.page(page, self)]
            if submission.status != "applied":
                writer.db.execute("UPDATE submissions SET status = 'applied' WHERE id = ?", (submission_id,))
        return tuple(changes)

    # ----------------------------------------------------------------------------- reading

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
        """Live entries of a feed, newest first (published desc, page, position, id)."""
        # the offset is skipped in the covering index alone, before any item row is read
        rows = self._db.execute(
            "WITH m AS (SELECT item_id, published_ts, page, position, entry_id FROM feed_members"
            f" WHERE feed_id = ? ORDER BY published_ts DESC, page, position, entry_id LIMIT ? OFFSET ?)"
            f" SELECT {_ENTRY_COLUMNS} FROM m JOIN items i ON i.id = m.item_id {_ENTRY_JOIN}"
            f" ORDER BY {_FEED_ORDER}",
            (self._feed_id(ref), -1 if limit is None else limit, offset),
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

    def _feed_id(self, ref: FeedRef) -> int | None:
        if ref.kind == "paper":
            return PAPER_FEED_ID
        table = "sections" if ref.kind == "section" else "contributors"
        row = self._db.execute(f"SELECT feed_id FROM {table} WHERE slug = ?", (ref.slug,)).fetchone()
        return int(row[0]) if row else None

    def _entries(self, rows: Sequence[sqlite3.Row | tuple[Any, ...]]) -> list[Entry]:
        """Entries from `_ENTRY_COLUMNS` rows, with their contributors (one query per batch)."""
        people: dict[int, list[EntryPerson]] = {}
        for start in range(0, len(rows), _BATCH):
            chunk = [row[0] for row in rows[start : start + _BATCH]]
            for item_id, role, name, credit, slug in self._db.execute(
                "SELECT ic.item_id, ic.role, c.name, ic.credit, c.slug FROM item_contributors ic"
                " JOIN contributors c ON c.id = ic.contributor_id"
                f" WHERE ic.item_id IN ({','.join('?' * len(chunk))}) ORDER BY ic.item_id, ic.seq",
                chunk,
            ):
                people.setdefault(item_id, []).append(_person(role, name, credit, slug))
        return [_entry(row, tuple(people.get(row[0], ()))) for row in rows]

    def _page_entries(self, day: dt.date, number: int) -> dict[int, Entry]:
        rows = self._db.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM items i {_ENTRY_JOIN}"
            " WHERE i.issue_date = ? AND i.page = ? AND i.retracted = 0",
            (day.isoformat(), number),
        ).fetchall()
        return {row[0]: entry for row, entry in zip(rows, self._entries(rows), strict=True)}


def _submission(row: Sequence[Any]) -> Submission:
    sid, name, sha256, size, received, status = row
    return Submission(id=sid, name=name, sha256=sha256, size=size, received=_when(received), status=status)


def _entry(row: Sequence[Any], people: tuple[EntryPerson, ...]) -> Entry:
    (_, entry_id, day, page, position, minted, kind, kicker, headline, subtitle, title, derived,
     dateline, paragraphs, published, updated, section, section_slug) = row  # fmt: skip
    issue_date = _day(day)
    return Entry(
        id=entry_id,
        issue_date=issue_date,
        page=page,
        position=position,
        section=section,
        section_slug=section_slug,
        kind=kind,
        kicker=kicker,
        headline=headline,
        subtitle=subtitle,
        title=title,
        title_derived=bool(derived),
        contributors=people,
        dateline=dateline,
        paragraphs=tuple(json.loads(paragraphs)),
        published=_when(published),
        updated=_when(updated),
        path=_article_path(issue_date, page, minted),
    )


def _prepare_schema(db: sqlite3.Connection, path: Path) -> None:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        db.executescript(
            f"BEGIN IMMEDIATE; {_SCHEMA} INSERT INTO schema_version VALUES ({SCHEMA_VERSION}); COMMIT;"
        )
        return
    if "schema_version" not in tables:
        raise StoreError(f"{path}: not a feedsvc store (no schema_version table)")
    row = db.execute("SELECT version FROM schema_version").fetchone()
    if row is None or row[0] != SCHEMA_VERSION:
        found = row[0] if row else "none"
        raise StoreError(f"{path}: store schema version {found}, this feedsvc reads {SCHEMA_VERSION}")


_ITEM_FIELDS = "kind, kicker, headline, subtitle, title, title_derived, dateline, paragraphs"
Named = tuple[int, str, int]  # a section's or contributor's (id, slug, feed id)


def _fields(item: Item) -> tuple[Any, ...]:
    paragraphs = json.dumps(list(item.paragraphs), ensure_ascii=False)
    return (item.kind, item.kicker, item.headline, item.subtitle, item.title, int(item.title_derived),
            item.dateline, paragraphs)  # fmt: skip


def _shape(item: Item | Entry, section: tuple[str | None, str | None], people: Sequence[EntryPerson]) -> Any:
    """What readers see of an item besides its position, to tell whether a stored one changed."""
    return (item.kind, item.kicker, item.headline, item.subtitle, item.title, item.title_derived,
            item.dateline, tuple(item.paragraphs), section, tuple(people))  # fmt: skip


class _Writer:
    """The writes of one `apply`, inside its transaction: issue, slugs, sections, contributors, pages."""

    def __init__(
        self, db: sqlite3.Connection, settings: Settings, day: dt.date, submission_id: int, now: dt.datetime
    ) -> None:
        self.db = db
        self.settings = settings
        self.day = day
        self.day_s = day.isoformat()
        self.submission_id = submission_id
        tz = settings.paper.tz
        published = dt.datetime.combine(day, settings.paper.edition_time, tzinfo=tz)
        self.published = (published.isoformat(), int(published.timestamp()))
        self.now_s = now.astimezone(tz).isoformat()
        self.updated_s = max(now, published).astimezone(tz).isoformat()
        self.named: dict[tuple[str, str], Named] = {}  # (table, name) -> (id, slug, feed id)
        self.roles: dict[int, tuple[str | None, str | None]] = {}  # contributor id -> (role, its date)

    def issue(self, issue: Issue) -> None:
        """Record the issue's number, page count and lunar date (known values are not forgotten)."""
        new = (issue.issue_number, issue.page_count, issue.lunar_date)
        row = self.db.execute(
            "SELECT issue_number, page_count, lunar FROM issues WHERE date = ?", (self.day_s,)
        )
        old = row.fetchone()
        if old is None:
            self.db.execute("INSERT INTO issues VALUES (?, ?, ?, ?)", (self.day_s, *new))
        elif (merged := tuple(o if n is None else n for n, o in zip(new, old, strict=True))) != tuple(old):
            self.db.execute(
                "UPDATE issues SET issue_number = ?, page_count = ?, lunar = ? WHERE date = ?",
                (*merged, self.day_s),
            )

    # ----------------------------------------------------------------------------- names and slugs

    def _owner(self, kind: SlugKind, slug: str) -> str | None:
        row = self.db.execute("SELECT name FROM slugs WHERE kind = ? AND slug = ?", (kind, slug)).fetchone()
        return str(row[0]) if row else None

    def _slug(self, kind: SlugKind, name: str, current: str | None) -> str:
        """The slug for `name`: a config override, else the one it has, else a new one claimed."""
        override = self.settings.slugs.get(name)
        if current is not None and override in (None, current):
            return current
        if override is not None:
            owner = self._owner(kind, override)
            if owner is not None and owner != name:
                raise StoreError(f"config slugs: {name} = {override!r}: already the {kind} slug of {owner}")
            slug = override
        else:
            base = identity.slugify(name, person=kind == "contributor")
            slug = identity.unique_slug(base, lambda s: self._owner(kind, s) not in (None, name))
        if self._owner(kind, slug) is None:
            self.db.execute("INSERT INTO slugs VALUES (?, ?, ?, ?)", (kind, slug, name, self.now_s))
        return slug

    def _named(self, kind: SlugKind, name: str) -> Named:
        """A section or contributor by name, created (with a slug claimed and a feed) when new."""
        table = "sections" if kind == "section" else "contributors"
        if (table, name) not in self.named:
            row = self.db.execute(f"SELECT id, slug, feed_id FROM {table} WHERE name = ?", (name,)).fetchone()
            if row is None:
                slug = self._slug(kind, name, None)
                feed_id = self.db.execute("INSERT INTO feeds (kind) VALUES (?)", (kind,)).lastrowid
                new_id = self.db.execute(
                    f"INSERT INTO {table} (name, slug, feed_id) VALUES (?, ?, ?)", (name, slug, feed_id)
                ).lastrowid
                row = (new_id, slug, feed_id)
            elif (slug := self._slug(kind, name, row[1])) != row[1]:  # a new config override
                self.db.execute(f"UPDATE {table} SET slug = ? WHERE id = ?", (slug, row[0]))
                row = (row[0], slug, row[2])
            self.named[table, name] = (int(row[0]), str(row[1]), int(row[2]))
        return self.named[table, name]

    def contributor(self, name: str, role: str | None) -> Named:
        """A contributor, with `role` recorded as their latest if this issue is their newest yet."""
        cid, slug, feed_id = self._named("contributor", name)
        if cid not in self.roles:
            row = self.db.execute("SELECT role, role_date FROM contributors WHERE id = ?", (cid,)).fetchone()
            self.roles[cid] = (row[0], row[1])
        latest, since = self.roles[cid]
        if role and (since is None or self.day_s > since or (self.day_s == since and role != latest)):
            self.db.execute(
                "UPDATE contributors SET role = ?, role_date = ? WHERE id = ?", (role, self.day_s, cid)
            )
            self.roles[cid] = (role, self.day_s)
        return cid, slug, feed_id

    # ----------------------------------------------------------------------------- pages

    def page(self, page: Page, store: Store) -> list[Change]:
        """Replace one stored page by its new version; the changes in reading order, then retractions."""
        before = store._page_entries(self.day, page.number)
        name = page.section or self.settings.section_for(page.number)
        sec = self._named("section", name) if name else None
        section = (name, sec[1] if sec else None)
        page_row = (
            sec[0] if sec else None,
            page.section_from if page.section else ("config" if name else "none"),
        )
        stored = self.db.execute(
            "SELECT section_id, section_from FROM pages WHERE issue_date = ? AND number = ?",
            (self.day_s, page.number),
        ).fetchone()
        if stored is None:
            self.db.execute(
                "INSERT INTO pages VALUES (?, ?, ?, ?, ?)",
                (self.day_s, page.number, *page_row, self.submission_id),
            )

        live = sorted(before, key=lambda k: (before[k].position, k))
        target, retract = self._match(page, live, [before[k] for k in live])
        touched: list[int] = []
        for position, item in enumerate(page.items, start=1):
            credits = [self.contributor(c.name, c.role) for c in item.contributors]
            people = [EntryPerson(role=c.role, name=c.name, credit=c.credit, slug=slug)
                      for c, (_, slug, _) in zip(item.contributors, credits, strict=True)]  # fmt: skip
            iid = target.get(position)
            if iid is None:
                iid = self._mint(page.number, position, item)
            else:
                old = before.get(iid)  # None: a retracted item comes back
                same = old is not None and _shape(
                    old, (old.section, old.section_slug), old.contributors
                ) == _shape(item, section, people)
                if same and old is not None and old.position == position:
                    continue
                updated = old.updated.isoformat() if same and old else self.updated_s  # moved only: kept
                self.db.execute(
                    f"UPDATE items SET ({_ITEM_FIELDS}, position, updated, retracted)"
                    " = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) WHERE id = ?",
                    (*_fields(item), position, updated, iid),
                )
            feeds = [PAPER_FEED_ID, *([sec[2]] if sec else []), *(feed for _, _, feed in credits)]
            self._link(iid, item, [cid for cid, _, _ in credits], feeds)
            touched.append(iid)
        for iid in retract:
            self.db.execute("UPDATE items SET retracted = 1 WHERE id = ?", (iid,))
            self.db.execute("DELETE FROM feed_members WHERE item_id = ?", (iid,))

        if stored is not None and (touched or retract or tuple(stored) != page_row):
            self.db.execute(
                "UPDATE pages SET section_id = ?, section_from = ?, submission_id = ?"
                " WHERE issue_date = ? AND number = ?",
                (*page_row, self.submission_id, self.day_s, page.number),
            )
        if not touched and not retract:
            return []
        after = store._page_entries(self.day, page.number)
        return [Change(before=before.get(i), after=after[i]) for i in touched] + [
            Change(before=before[i], after=None) for i in retract
        ]

    def _match(self, page: Page, live: list[int], olds: list[Entry]) -> tuple[dict[int, int], list[int]]:
        """({new position: stored item id}, stored ids to retract): live items first, then retracted ones."""
        as_item = [
            Item(kind=e.kind, headline=e.headline, title=e.title, paragraphs=e.paragraphs) for e in olds
        ]
        matching = identity.match_items(as_item, page.items)
        target = {j + 1: live[i] for i, j in matching.pairs}
        fresh = list(matching.unmatched_new)
        if fresh:
            dead = self.db.execute(
                "SELECT id, kind, headline, title, paragraphs FROM items WHERE issue_date = ? AND page = ?"
                " AND retracted = 1 ORDER BY position, id",
                (self.day_s, page.number),
            ).fetchall()
            items = [
                Item(kind=k, headline=h, title=t, paragraphs=tuple(json.loads(p))) for _, k, h, t, p in dead
            ]
            again = identity.match_items(items, [page.items[j] for j in fresh])
            target.update((fresh[j] + 1, dead[i][0]) for i, j in again.pairs)
        return target, [live[i] for i in matching.unmatched_old]

    def _mint(self, number: int, position: int, item: Item) -> int:
        """Insert a new item with a new id, minted at its position, or past the page's last id if taken."""
        taken = self.db.execute(
            "SELECT MAX(position), SUM(position = ?) FROM entry_ids WHERE issue_date = ? AND page = ?",
            (position, self.day_s, number),
        ).fetchone()
        minted = position if not taken[1] else taken[0] + 1
        entry_id = identity.tag_uri(self.settings.paper.tag_authority, self.day, number, minted)
        self.db.execute(
            "INSERT INTO entry_ids VALUES (?, ?, ?, ?, ?)", (entry_id, self.day_s, number, minted, self.now_s)
        )
        iid = self.db.execute(
            f"INSERT INTO items (entry_id, issue_date, page, position, minted_position, {_ITEM_FIELDS},"
            " published, published_ts, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry_id, self.day_s, number, position, minted, *_fields(item), *self.published, self.updated_s),
        ).lastrowid
        assert iid is not None
        return iid

    def _link(self, iid: int, item: Item, contributor_ids: list[int], feeds: list[int]) -> None:
        """Rewrite an item's contributors and feed memberships (the feed order keys come from its row)."""
        self.db.execute("DELETE FROM item_contributors WHERE item_id = ?", (iid,))
        self.db.executemany(
            "INSERT INTO item_contributors VALUES (?, ?, ?, ?, ?)",
            [(iid, seq, cid, c.role, c.credit)
             for seq, (c, cid) in enumerate(zip(item.contributors, contributor_ids, strict=True))],
        )  # fmt: skip
        self.db.execute("DELETE FROM feed_members WHERE item_id = ?", (iid,))
        self.db.executemany(
            "INSERT INTO feed_members (feed_id, item_id, published_ts, page, position, entry_id)"
            " SELECT ?, id, published_ts, page, position, entry_id FROM items WHERE id = ?",
            [(feed, iid) for feed in dict.fromkeys(feeds)],
        )
