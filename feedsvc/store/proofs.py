"""Digests of full archive pages kept in the store, so an ingest proves an older page current
without reading its entries (`render.stubs.known_page`).

At an ingest each feed's walk stops at the first page older than the changes that is current on
disk: for most feeds the page just before the open one, 100 entries read only to compute its
digest (`render.keys.doc_digest`: the document's place and its entries' keys). A full page's
digest is remembered here when a build computes it (`page_digests`), with what it was computed
from beyond its entries' keys (`place`: the site's fingerprint, the feed, its title, the page's
number and links) and the entry at its newest position. It is taken again only while

- no stored entry's key can have changed since: `key_generation` counts every write that could
  change one (an item's row updated, a feed membership, contributor or photo of an item removed, a
  contributor's or section's name or slug, the section of a stored page, a photo's bytes), by
  triggers, so no code path can forget to; adding new items does not count: their keys are new;
- the page holds the same entries: pages are counted from a feed's oldest entry, so an entry
  added before the page's newest (an issue dated earlier arriving late) moves another entry to
  its newest position, and one removed counts above;
- the place is the same (a feed renamed by a contributor's new role, new settings).

Then the digest is the one the page's entries would give, and the page is current if its files
carry it. Anything else reads the page's entries (as stubs) as before.

The open (newest) archive page of each feed is remembered too (`page_chains`): the `key_chain` of
its entries' keys (`render.common`), how many it held, the newest of them and the page's
`updated`. While the generation is the same and that entry still sits at the page's position of
that many entries, the page's first entries are those, unchanged: an ingest that appends entries
to the page makes its digest from the chain and the new keys alone (`render.append`).

The keys of each feed's newest entries (the subscription documents' and the feed page's) are
remembered too (`recent_keys`): while the generation is the same and the keys were made by the
same definition (`form`: `render.keys.key_form`, so a feedsvc that keys entries otherwise takes
none an older one made), an entry's key is the one remembered, so an ingest reads those entries
as stubs without their contributors and photos and takes their keys from here
(`Store.recent_stubs`; each key is checked to begin with its stub's id, `updated`, path and
position too), reading whole only the new entries.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from feedsvc.store.schema import FEED_KEY

_SIZE = struct.Struct(">I")  # a packed key's length (`pack_keys`)

_TABLES = """
CREATE TABLE IF NOT EXISTS key_generation (n INTEGER NOT NULL);
INSERT INTO key_generation SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM key_generation);
CREATE TABLE IF NOT EXISTS page_digests (
    feed_id INTEGER NOT NULL, number INTEGER NOT NULL, generation INTEGER NOT NULL,
    place TEXT NOT NULL, newest TEXT NOT NULL, published TEXT NOT NULL, digest TEXT NOT NULL,
    PRIMARY KEY (feed_id, number)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS page_chains (
    feed_id INTEGER PRIMARY KEY, number INTEGER NOT NULL, generation INTEGER NOT NULL,
    entries INTEGER NOT NULL, newest TEXT NOT NULL, updated TEXT NOT NULL, chain BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS recent_keys (
    feed_id INTEGER PRIMARY KEY, generation INTEGER NOT NULL, form TEXT NOT NULL, keys BLOB NOT NULL);
"""
_PROOF_TABLES = frozenset({"key_generation", "page_digests", "page_chains", "recent_keys"})
_BUMP = "BEGIN UPDATE key_generation SET n = n + 1; END"
# (trigger name, event): every write that can change a stored entry's key or a feed's membership
# but adding entries (see the module docstring)
_TRIGGERS = (
    ("keys_items_updated", "AFTER UPDATE ON items"),
    ("keys_items_deleted", "AFTER DELETE ON items"),
    ("keys_members_updated", "AFTER UPDATE ON feed_members"),
    ("keys_members_deleted", "AFTER DELETE ON feed_members"),
    ("keys_people_updated", "AFTER UPDATE ON item_contributors"),
    ("keys_people_deleted", "AFTER DELETE ON item_contributors"),
    ("keys_photos_updated", "AFTER UPDATE ON item_images"),
    ("keys_photos_deleted", "AFTER DELETE ON item_images"),
    ("keys_contributor_renamed", "AFTER UPDATE OF name, slug ON contributors"),
    ("keys_section_renamed", "AFTER UPDATE OF name, slug ON sections"),
    ("keys_page_section", "AFTER UPDATE OF section_id ON pages"),
    ("keys_image_updated", "AFTER UPDATE ON images"),
    ("keys_image_deleted", "AFTER DELETE ON images"),
    # INSERT OR REPLACE of a photo some stored item carries (its byte size is in their keys)
    (
        "keys_image_replaced",
        "AFTER INSERT ON images WHEN EXISTS (SELECT 1 FROM item_images WHERE path = NEW.path)",
    ),
)


@dataclass(frozen=True, slots=True)
class KnownPage:
    """A full archive page's digest as remembered, and its newest entry's `published`."""

    digest: str
    published: dt.datetime


@dataclass(frozen=True, slots=True)
class PageChain:
    """An archive page's first `entries` entries (oldest first; `newest` the id of the last of
    them): the `key_chain` of their keys and the page's `updated` with them alone."""

    number: int
    entries: int
    newest: str
    updated: dt.datetime
    chain: bytes


@dataclass(frozen=True, slots=True)
class PageDigest:
    """A full archive page's digest to remember: `newest` is the entry id at its newest position."""

    number: int
    place: str
    newest: str
    published: dt.datetime
    digest: str


def prepare(db: sqlite3.Connection) -> None:
    """The tables and triggers, made when a store without them is opened (every store then counts
    from generation 0: no digest is remembered yet)."""
    found = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = "".join(
        f"CREATE TRIGGER IF NOT EXISTS {name} {event} {_BUMP};\n"
        for name, event in _TRIGGERS
        if name not in found
    )
    if missing or not tables >= _PROOF_TABLES:
        # a store from before page_chains remembers digests of the archive pages' former definition
        # (RENDER_VERSION 2): forget them rather than rely on the settings' fingerprint alone
        forget = "DELETE FROM page_digests;" if "page_chains" not in tables else ""
        db.executescript(f"BEGIN IMMEDIATE; {_TABLES} {forget} {missing} COMMIT;")


def generation(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT n FROM key_generation").fetchone()
    return int(row[0]) if row else -1


def known(
    db: sqlite3.Connection, feed_id: int, number: int, *, place: str, offset: int, gen: int
) -> KnownPage | None:
    """The remembered digest of page `number` of the feed, if it still holds (module docstring);
    `offset`: the page's newest entry's place in the feed, newest first."""
    row = db.execute(
        "SELECT d.digest, d.published FROM page_digests d WHERE d.feed_id = ? AND d.number = ?"
        " AND d.generation = ? AND d.place = ? AND d.newest = (SELECT entry_id FROM feed_members"
        f" WHERE feed_id = ? ORDER BY {FEED_KEY} LIMIT 1 OFFSET ?)",
        (feed_id, number, gen, place, feed_id, offset),
    ).fetchone()
    if row is None:
        return None
    return KnownPage(digest=str(row[0]), published=dt.datetime.fromisoformat(row[1]))


def remember(db: sqlite3.Connection, pages: Iterable[tuple[int, PageDigest]], gen: int) -> None:
    """Keep these (feed id, digest), computed from the store at generation `gen` (in a transaction)."""
    db.executemany(
        "INSERT OR REPLACE INTO page_digests VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(f, p.number, gen, p.place, p.newest, p.published.isoformat(), p.digest) for f, p in pages],
    )


def chain(db: sqlite3.Connection, feed_id: int, number: int, *, below: int, gen: int) -> PageChain | None:
    """The feed's remembered page `number` if it still holds (module docstring); `below`: how many
    of the feed's entries are newer than the page's oldest, or it (its place counted from the
    newest, plus one)."""
    row = db.execute(
        "SELECT entries, newest, updated, chain FROM page_chains"
        " WHERE feed_id = ? AND number = ? AND generation = ?",
        (feed_id, number, gen),
    ).fetchone()
    if row is None or not 0 < row[0] <= below:
        return None
    at = db.execute(
        f"SELECT entry_id FROM feed_members WHERE feed_id = ? ORDER BY {FEED_KEY} LIMIT 1 OFFSET ?",
        (feed_id, below - row[0]),
    ).fetchone()
    if at is None or at[0] != row[1]:
        return None
    return PageChain(number, int(row[0]), str(row[1]), dt.datetime.fromisoformat(row[2]), bytes(row[3]))


def remember_chains(db: sqlite3.Connection, pages: Iterable[tuple[int, PageChain]], gen: int) -> None:
    """Keep these (feed id, open page), computed from the store at generation `gen` (in a
    transaction): one a feed, the newest given."""
    db.executemany(
        "INSERT OR REPLACE INTO page_chains VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(f, p.number, gen, p.entries, p.newest, p.updated.isoformat(), p.chain) for f, p in pages],
    )


def pack_keys(keys: Iterable[bytes]) -> bytes:
    """Keys as one blob: each with its length before it (a key may hold any byte)."""
    return b"".join(len(key).to_bytes(4, "big") + key for key in keys)


def unpack_keys(blob: bytes) -> list[bytes]:
    """The keys `pack_keys` packed; none if the blob is not whole (each key ends with a newline)."""
    keys, at, whole = [], 0, len(blob)
    while at < whole:
        if at + 4 > whole:
            return []
        (size,) = _SIZE.unpack_from(blob, at)
        at += 4
        end = at + size
        if size == 0 or end > whole or blob[end - 1] != 0x0A:
            return []
        keys.append(blob[at:end])
        at = end
    return keys


def recent_keys(db: sqlite3.Connection, feed_id: int, *, gen: int, form: str) -> list[bytes]:
    """The remembered keys of the feed's newest entries, if taken at generation `gen` by the key
    definition `form` (else none)."""
    row = db.execute(
        "SELECT keys FROM recent_keys WHERE feed_id = ? AND generation = ? AND form = ?", (feed_id, gen, form)
    ).fetchone()
    return unpack_keys(bytes(row[0])) if row else []


def remember_recent(
    db: sqlite3.Connection, feeds: Iterable[tuple[int, Sequence[bytes]]], gen: int, form: str
) -> None:
    """Keep these (feed id, its newest entries' keys), computed at generation `gen` by the key
    definition `form` (in a transaction)."""
    db.executemany(
        "INSERT OR REPLACE INTO recent_keys VALUES (?, ?, ?, ?)",
        [(f, gen, form, pack_keys(k)) for f, k in feeds],
    )
