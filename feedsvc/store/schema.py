"""The store's schema, its constants, and how rows become records."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from feedsvc.errors import StoreError
from feedsvc.records import Entry, EntryImage, EntryPerson, entry_of

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

# Feed order (newest first): published instant, then arrival (later first), then page and reading
# order. `arrival` is given once, when an item is first stored: every item a store write adds gets
# the same value, larger than any before, so the items of a page that comes in after another page
# of its date sort after (chronologically) every item already there, and a feed's archive pages
# (counted from the oldest) only ever grow at the open end. Items of one write keep page and
# reading order among themselves. Stores made before `arrival` get 0 for every item (see
# `_add_arrival`): their order stays as it was.
_FEED_MEMBERS = """
CREATE TABLE feed_members (  -- live items of each feed, keyed in feed order
    feed_id INTEGER NOT NULL REFERENCES feeds (id), published_ts INTEGER NOT NULL,
    arrival INTEGER NOT NULL, page INTEGER NOT NULL, position INTEGER NOT NULL,
    entry_id TEXT NOT NULL, item_id INTEGER NOT NULL REFERENCES items (id),
    PRIMARY KEY (feed_id, published_ts DESC, arrival DESC, page, position, entry_id)) WITHOUT ROWID;
CREATE UNIQUE INDEX feed_members_by_item ON feed_members (item_id, feed_id);
CREATE TRIGGER feed_members_count_in AFTER INSERT ON feed_members BEGIN
    UPDATE feeds SET entry_count = entry_count + 1 WHERE id = NEW.feed_id; END;
CREATE TRIGGER feed_members_count_out AFTER DELETE ON feed_members BEGIN
    UPDATE feeds SET entry_count = entry_count - 1 WHERE id = OLD.feed_id; END;
"""

_SCHEMA = f"""
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
    retracted INTEGER NOT NULL DEFAULT 0, arrival INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (issue_date, page) REFERENCES pages (issue_date, number));
CREATE INDEX items_by_page ON items (issue_date, page, position);
CREATE TABLE item_contributors (
    item_id INTEGER NOT NULL REFERENCES items (id), seq INTEGER NOT NULL,
    contributor_id INTEGER NOT NULL REFERENCES contributors (id), role TEXT, credit TEXT,
    PRIMARY KEY (item_id, seq));
{_FEED_MEMBERS}"""

# Tables added after schema version 1, created in older stores when they are opened:
# store_info: 'id', a random id given when the store is made (the output manifest names it, so a
#   store that went missing and was made anew is not published over the old one's output);
# submission_bytes: the sha256 of a submission's bytes where `submissions.sha256` is not it (its
#   file name gave the parse a date or page number: see `resubmit.submission_key`);
# superseded: submissions whose pages a resend of the same bytes under a corrected name replaced
#   (`regenerate --reparse` skips them);
# images: photos cut from page PDFs (JPEG bytes, published under the output folder at `path`);
# item_images: which items carry them, with their pixel size and box on the page.
_ADDED_TABLES = frozenset({"store_info", "submission_bytes", "superseded", "images", "item_images"})
_ADDED_SCHEMA = """
CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submission_bytes (
    submission_id INTEGER PRIMARY KEY REFERENCES submissions (id), sha256 TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS submission_bytes_by_digest ON submission_bytes (sha256);
CREATE TABLE IF NOT EXISTS superseded (
    submission_id INTEGER PRIMARY KEY REFERENCES submissions (id),
    by_id INTEGER NOT NULL REFERENCES submissions (id));
CREATE TABLE IF NOT EXISTS images (
    path TEXT PRIMARY KEY, issue_date TEXT NOT NULL, page INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS item_images (
    item_id INTEGER NOT NULL REFERENCES items (id), seq INTEGER NOT NULL, path TEXT NOT NULL,
    width INTEGER NOT NULL, height INTEGER NOT NULL, bbox TEXT NOT NULL, PRIMARY KEY (item_id, seq));
"""

_ENTRY_COLUMNS = """
    i.id, i.entry_id, i.issue_date, i.page, i.position, i.minted_position, i.kind, i.kicker,
    i.headline, i.subtitle, i.title, i.title_derived, i.dateline, i.paragraphs, i.published,
    i.updated, s.name, s.slug"""
_ENTRY_JOIN = """
    JOIN pages p ON p.issue_date = i.issue_date AND p.number = i.page
    LEFT JOIN sections s ON s.id = p.section_id"""
# `Store.entry_stubs`: the columns an entry's digest key and its place in a feed need, its text left
# out: `_stub` builds an entry of them with empty text fields.
_STUB_COLUMNS = """
    i.id, i.entry_id, i.issue_date, i.page, i.position, i.minted_position, i.kind, i.published,
    i.updated, s.name, s.slug"""
STUB_UPDATED = [c.strip() for c in _STUB_COLUMNS.split(",")].index("i.updated")  # its ISO text
_FEED_ORDER = "m.published_ts DESC, m.arrival DESC, m.page, m.position, m.entry_id"
FEED_KEY = "published_ts DESC, arrival DESC, page, position, entry_id"  # feed_members in feed order
# a feed's entries as stubs, newest first (feed id, limit, offset); the offset is skipped in the
# covering index alone, before any item row is read
_STUBS_OF_FEED = (
    "WITH m AS (SELECT item_id, published_ts, arrival, page, position, entry_id FROM feed_members"
    f" WHERE feed_id = ? ORDER BY {FEED_KEY} LIMIT ? OFFSET ?)"
    f" SELECT {_STUB_COLUMNS} FROM m JOIN items i ON i.id = m.item_id {_ENTRY_JOIN} ORDER BY {_FEED_ORDER}"
)
# a feed's newest entries as stubs (feed id, limit): with nothing to skip, the feed's rows are walked
# in its key's order, joined as they come and stopped at the limit, with no rows gathered and
# sorted again (`_STUBS_OF_FEED` sorts what it joined: ~23 % more instructions for ~52 rows a feed)
NEWEST_STUBS = (
    f"SELECT {_STUB_COLUMNS} FROM feed_members m JOIN items i ON i.id = m.item_id {_ENTRY_JOIN}"
    f" WHERE m.feed_id = ? ORDER BY {_FEED_ORDER} LIMIT ?"
)


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
    """A stored instant, its zone shared with every other instant read at the same offset:
    `fromisoformat` makes a `timezone` object a call, and two aware datetimes with different zone
    objects are compared (and subtracted) through both zones' `utcoffset`, ~5x slower than when
    they hold the same one (the same result for fixed offsets): an ingest compares the `updated`
    of each feed's newest entries to find its documents' (`FeedRenderer.newest`)."""
    when = dt.datetime.fromisoformat(text)
    zone = when.tzinfo
    if zone is None:
        return when
    shared = _ZONES.get(zone)
    if shared is None:
        if len(_ZONES) >= _ZONES_KEPT:  # a store with many offsets: only those seen first shared
            return when
        shared = _ZONES.setdefault(zone, zone)
    return when if shared is zone else when.replace(tzinfo=shared)


_ZONES: dict[dt.tzinfo, dt.tzinfo] = {}  # each fixed offset's zone, as `_when` first read it
_ZONES_KEPT = 1024


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


def _submission(row: Sequence[Any]) -> Submission:
    sid, name, sha256, size, received, status = row
    return Submission(id=sid, name=name, sha256=sha256, size=size, received=_when(received), status=status)


_json = json.JSONDecoder().raw_decode  # `json.loads` without its checks: the store wrote these


def _entry(row: Sequence[Any], people: tuple[EntryPerson, ...], images: tuple[EntryImage, ...] = ()) -> Entry:
    """An `Entry` from a row, not validated again: every value was validated on its way in (the
    parser's models, aware datetimes stored with their offset), and reading a whole archive
    spends its time here. Builds what `Entry.model_construct` builds, without its per-field work
    (~2x cheaper than validating, ~3x than `model_construct`); `test_store` checks that the
    result equals a validated copy."""
    (_, entry_id, day, page, position, minted, kind, kicker, headline, subtitle, title, derived,
     dateline, paragraphs, published, updated, section, section_slug) = row  # fmt: skip
    issue_date = _day(day)
    return entry_of({
        "id": entry_id, "issue_date": issue_date, "page": page, "position": position,
        "section": section, "section_slug": section_slug, "kind": kind, "kicker": kicker,
        "headline": headline, "subtitle": subtitle, "title": title, "title_derived": bool(derived),
        "contributors": people, "dateline": dateline, "paragraphs": tuple(_json(paragraphs)[0]),
        "published": _when(published), "updated": _when(updated),
        "path": _article_path(issue_date, page, minted), "images": images,
    })  # fmt: skip


def _stub(row: Sequence[Any], people: tuple[EntryPerson, ...], images: tuple[EntryImage, ...] = ()) -> Entry:
    """An entry without its text from a `_STUB_COLUMNS` row: what `_entry` made of the stub columns
    when they held NULL, '', 0 and '[]' in the text's place, in the same field order (a feed's
    newest entries are read as stubs at every ingest, ~1,800 rows an ingest of the 10-year paper:
    no JSON decoded nor text columns carried for them)."""
    _, entry_id, day, page, position, minted, kind, published, updated, section, section_slug = row
    issue_date = _day(day)
    return entry_of({
        "id": entry_id, "issue_date": issue_date, "page": page, "position": position,
        "section": section, "section_slug": section_slug, "kind": kind, "kicker": None,
        "headline": None, "subtitle": None, "title": "", "title_derived": False,
        "contributors": people, "dateline": None, "paragraphs": (),
        "published": _when(published), "updated": _when(updated),
        "path": _article_path(issue_date, page, minted), "images": images,
    })  # fmt: skip


def _prepare_schema(db: sqlite3.Connection, path: Path) -> None:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        db.executescript(
            f"BEGIN IMMEDIATE; {_SCHEMA} INSERT INTO schema_version VALUES ({SCHEMA_VERSION}); COMMIT;"
        )
        tables = {"schema_version"}
    if "schema_version" not in tables:
        raise StoreError(f"{path}: not a feedsvc store (no schema_version table)")
    row = db.execute("SELECT version FROM schema_version").fetchone()
    if row is None or row[0] != SCHEMA_VERSION:
        found = row[0] if row else "none"
        raise StoreError(f"{path}: store schema version {found}, this feedsvc reads {SCHEMA_VERSION}")
    if not tables >= _ADDED_TABLES:  # a store made before these tables: added, nothing else changes
        db.executescript(
            f"BEGIN IMMEDIATE; {_ADDED_SCHEMA} INSERT OR IGNORE INTO store_info VALUES"
            f" ('id', '{secrets.token_hex(16)}'); COMMIT;"
        )
    _add_arrival(db)
    _add_indexes(db)


# Indexes added later, made when a store without them is opened (once: a scan of `items`).
# items_live_by_date: the dates of the issues with a live entry (`Store.issue_dates`, at every
#   publish) read from the index instead of from every item's row.
_ADDED_INDEXES = {
    "items_live_by_date": (
        "CREATE INDEX IF NOT EXISTS items_live_by_date ON items (issue_date) WHERE retracted = 0"
    ),
}


def _add_indexes(db: sqlite3.Connection) -> None:
    found = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    missing = [sql for name, sql in _ADDED_INDEXES.items() if name not in found]
    if missing:
        db.executescript(f"BEGIN IMMEDIATE; {'; '.join(missing)}; COMMIT;")


def _has_arrival(db: sqlite3.Connection) -> bool:
    return any(row[1] == "arrival" for row in db.execute("PRAGMA table_info(items)"))


def _add_arrival(db: sqlite3.Connection) -> None:
    """A store made before `items.arrival`: the column added (0 for every item, so the feeds keep
    their order) and `feed_members` rebuilt with it in its key; the entry counts stay as they are
    (the rows are copied before the counting triggers exist). Checked again under the write lock:
    another process opening the same old store may have done it meanwhile."""
    if _has_arrival(db):
        return
    table, *created = _statements(_FEED_MEMBERS)
    statements = [
        "ALTER TABLE items ADD COLUMN arrival INTEGER NOT NULL DEFAULT 0",
        "DROP TRIGGER feed_members_count_in",
        "DROP TRIGGER feed_members_count_out",
        "ALTER TABLE feed_members RENAME TO feed_members_before_arrival",
        "DROP INDEX feed_members_by_item",
        table,
        "INSERT INTO feed_members (feed_id, published_ts, arrival, page, position, entry_id, item_id)"
        " SELECT feed_id, published_ts, 0, page, position, entry_id, item_id"
        " FROM feed_members_before_arrival",
        "DROP TABLE feed_members_before_arrival",
        *created,
    ]
    db.execute("BEGIN IMMEDIATE")
    try:
        if not _has_arrival(db):
            for statement in statements:
                db.execute(statement)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _statements(script: str) -> list[str]:
    """The SQL statements of `script`, one a string (a trigger's body stays whole)."""
    found, lines = [], []
    for line in script.splitlines(keepends=True):
        lines.append(line)
        if sqlite3.complete_statement("".join(lines)):
            found.append("".join(lines).strip())
            lines = []
    return found
