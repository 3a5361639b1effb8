"""The editors' state in the store, in tables of their own (created on first use, so stores made
before them open as they are):

- `editorial_items`: per entry id, the parsed item it came from (to find the same item in the
  next parse of its page, whatever the corrections made of it), the paragraph a split-off part
  starts at, the parser's warnings, and whether it is corrected, hidden or held;
- `approvals`: entry ids an editor approved (`feedsvc approve`), for `[publish] hold`;
- `correction_files`: the last version of each corrections file seen (sha256), and what came of it.

These rows are written after `Store.apply` commits, in their own transaction: if a crash comes in
between, the next apply of the page finds its items by matching the stored entries instead.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from feedsvc import identity
from feedsvc.corrections import Piece, Slot
from feedsvc.errors import StoreError
from feedsvc.models import Item

if TYPE_CHECKING:
    from feedsvc.store import Store

FileStatus = Literal["applied", "waiting", "error"]

_TABLES = """
CREATE TABLE IF NOT EXISTS editorial_items (
    entry_id TEXT PRIMARY KEY, issue_date TEXT NOT NULL, page INTEGER NOT NULL,
    source_id TEXT NOT NULL, split_at INTEGER NOT NULL, parsed_position INTEGER NOT NULL,
    parsed TEXT NOT NULL, warnings TEXT NOT NULL,
    corrected INTEGER NOT NULL, hidden INTEGER NOT NULL, held INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS editorial_items_by_page ON editorial_items (issue_date, page);
CREATE TABLE IF NOT EXISTS approvals (entry_id TEXT PRIMARY KEY, approved_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS correction_files (
    name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, status TEXT NOT NULL, note TEXT);
"""


@dataclass(frozen=True, slots=True)
class Doubt:
    """An item the parser was unsure of, for `feedsvc review`."""

    id: str
    date: dt.date
    page: int
    position: int  # as parsed (what corrections by position name)
    title: str
    excerpt: str
    warnings: tuple[str, ...]
    state: Literal["held", "approved", "corrected", "hidden", "published"]


def _parsed(item: Item) -> str:
    return json.dumps([item.kind, item.headline, item.title, list(item.paragraphs)], ensure_ascii=False)


def _item(text: str) -> Item:
    kind, headline, title, paragraphs = json.loads(text)
    return Item(kind=kind, headline=headline, title=title, paragraphs=tuple(paragraphs))


def _ready(db: sqlite3.Connection) -> bool:
    names = {"editorial_items", "approvals", "correction_files"}
    found = db.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)", sorted(names)
    ).fetchone()
    return bool(found[0] == len(names))


class Editorial:
    """The editors' tables of one open store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db: sqlite3.Connection = store._db
        try:
            if _ready(self.db):
                return
            self.db.executescript(f"BEGIN IMMEDIATE; {_TABLES} COMMIT;")
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise StoreError(f"{store.path}: cannot prepare the editors' tables: {exc}") from exc

    def _write(self, what: str, statements: Iterable[tuple[str, Sequence[object]]]) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            for sql, args in statements:
                self.db.execute(sql, args)
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise StoreError(f"{self.store.path}: cannot {what}: {exc}") from exc

    # -- identity of a page's parsed items -------------------------------------------------------
    def slots(self, day: dt.date, number: int, items: Sequence[Item]) -> list[Slot]:
        """The parsed items of a page with the ids they had (matched against the parsed items
        recorded last time, or, for a page stored before these tables, against its entries)."""
        rows = self.db.execute(
            "SELECT entry_id, source_id, split_at, parsed FROM editorial_items"
            " WHERE issue_date = ? AND page = ? ORDER BY parsed_position, split_at, entry_id",
            (day.isoformat(), number),
        ).fetchall()
        parts: dict[str, dict[int, str]] = {}
        for entry_id, source_id, split_at, _ in rows:
            if split_at:
                parts.setdefault(source_id, {})[split_at] = entry_id
        heads = [(str(r[0]), _item(r[3])) for r in rows if not r[2]]
        if not heads:
            live = sorted(self.store._page_entries(day, number).values(), key=lambda e: e.position)
            heads = [
                (e.id, Item(kind=e.kind, headline=e.headline, title=e.title, paragraphs=e.paragraphs))
                for e in live
            ]
        matching = identity.match_items([item for _, item in heads], items)
        ids: dict[int, str] = {j: heads[i][0] for i, j in matching.pairs}
        return [Slot(item, ids.get(j), parts.get(ids.get(j, ""), {})) for j, item in enumerate(items)]

    def known_ids(self, day: dt.date, number: int) -> set[str]:
        rows = self.db.execute(
            "SELECT id FROM entry_ids WHERE issue_date = ? AND page = ?", (day.isoformat(), number)
        )
        return {str(r[0]) for r in rows}

    def approved(self, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        if not wanted:
            return set()
        rows = self.db.execute(
            f"SELECT entry_id FROM approvals WHERE entry_id IN ({','.join('?' * len(wanted))})", wanted
        )
        return {str(r[0]) for r in rows}

    def record(
        self,
        day: dt.date,
        number: int,
        *,
        slots: Sequence[Slot],
        pieces: Sequence[Piece],
        placed: Mapping[tuple[int, int], str],
        held: Iterable[int],
    ) -> None:
        """Remember what each entry of a page came from (positions in `pieces` count from 1)."""
        held = set(held)
        heads = {
            piece.source: placed[number, position]
            for position, piece in enumerate(pieces, start=1)
            if piece.split_at == 0 and (number, position) in placed
        }
        statements: list[tuple[str, Sequence[object]]] = []
        for position, piece in enumerate(pieces, start=1):
            entry_id = placed.get((number, position))
            if entry_id is None:
                continue
            slot = slots[piece.source]
            source_id = heads.get(piece.source) or slot.id or entry_id
            statements.append((
                "INSERT OR REPLACE INTO editorial_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry_id, day.isoformat(), number, source_id, piece.split_at, piece.source + 1,
                 _parsed(slot.item), json.dumps(list(piece.item.warnings), ensure_ascii=False),
                 int(piece.corrected), int(piece.hidden), int(position in held)),
            ))  # fmt: skip
        # entries of the page not on it now (merged away, gone from a new version): not held
        ids = sorted(placed[number, n] for n in range(1, len(pieces) + 1) if (number, n) in placed)
        statements.append((
            "UPDATE editorial_items SET held = 0, hidden = 0 WHERE issue_date = ? AND page = ?"
            f" AND entry_id NOT IN ({','.join('?' * len(ids))})",
            (day.isoformat(), number, *ids),
        ))  # fmt: skip
        self._write("record the editors' view of a page", statements)

    # -- approvals ---------------------------------------------------------------------------------
    def approve(self, ids: Iterable[str], now: dt.datetime) -> None:
        self._write(
            "record approvals",
            (("INSERT OR IGNORE INTO approvals VALUES (?, ?)", (i, now.isoformat())) for i in ids),
        )

    def warned(
        self, *, entry_id: str | None = None, day: dt.date | None = None
    ) -> list[tuple[str, dt.date, int]]:
        """(id, date, page) of entries with warnings: one id, or every one of an issue date."""
        where, args = ("entry_id = ?", entry_id) if entry_id else ("issue_date = ?", str(day))
        rows = self.db.execute(
            f"SELECT entry_id, issue_date, page FROM editorial_items WHERE {where} AND warnings != '[]'",
            (args,),
        )
        return [(str(i), dt.date.fromisoformat(d), int(p)) for i, d, p in rows]

    def page_of(self, entry_id: str) -> tuple[dt.date, int] | None:
        row = self.db.execute("SELECT issue_date, page FROM entry_ids WHERE id = ?", (entry_id,)).fetchone()
        return (dt.date.fromisoformat(row[0]), int(row[1])) if row else None

    def page_submission(self, day: dt.date, number: int) -> int | None:
        """The submission a stored page was last written from."""
        row = self.db.execute(
            "SELECT submission_id FROM pages WHERE issue_date = ? AND number = ?", (day.isoformat(), number)
        ).fetchone()
        return int(row[0]) if row else None

    def original(self, submission_id: int) -> bytes | None:
        row = self.db.execute(
            "SELECT data FROM originals WHERE submission_id = ?", (submission_id,)
        ).fetchone()
        return bytes(row[0]) if row else None

    # -- corrections files -----------------------------------------------------------------------
    def files(self) -> dict[str, str]:
        """{file name: sha256} of the corrections files seen last."""
        return {str(n): str(h) for n, h in self.db.execute("SELECT name, sha256 FROM correction_files")}

    def file_problems(self) -> list[tuple[str, FileStatus, str]]:
        """(name, status, what is wrong) of the corrections files not (wholly) applied."""
        rows = self.db.execute(
            "SELECT name, status, note FROM correction_files WHERE note IS NOT NULL ORDER BY name"
        )
        return [(str(n), s, str(note)) for n, s, note in rows]

    def saw_file(self, name: str, sha256: str | None, status: FileStatus, note: str | None = None) -> None:
        """Record a file's version and what came of it (`sha256` None: the file is gone)."""
        if sha256 is None:
            forget = ("DELETE FROM correction_files WHERE name = ?", (name,))
            self._write("forget a corrections file", [forget])
        else:
            row = (name, sha256, status, note)
            self._write(
                "record a corrections file",
                [("INSERT OR REPLACE INTO correction_files VALUES (?, ?, ?, ?)", row)],
            )

    # -- review --------------------------------------------------------------------------------
    def doubts(self, since: dt.date | None, until: dt.date | None) -> list[Doubt]:
        """Entries with warnings, or held, between two issue dates (inclusive; None: unbounded)."""
        rows = self.db.execute(
            "SELECT e.entry_id, e.issue_date, e.page, e.parsed_position, i.title, i.paragraphs,"
            " e.warnings, e.corrected, e.hidden, e.held, a.entry_id IS NOT NULL"
            " FROM editorial_items e JOIN items i ON i.entry_id = e.entry_id"
            " LEFT JOIN approvals a ON a.entry_id = e.entry_id"
            " WHERE (e.warnings != '[]' OR e.held) AND (i.retracted = 0 OR e.held OR e.hidden)"
            " AND e.issue_date >= ? AND e.issue_date <= ?"
            " ORDER BY e.issue_date DESC, e.page, e.parsed_position, e.split_at, e.entry_id",
            (str(since or "0000"), str(until or "9999")),
        ).fetchall()
        out = []
        for entry_id, day, page, position, title, paragraphs, warnings, corrected, hidden, held, ok in rows:
            lead = "".join(json.loads(paragraphs)[:1])
            state = (
                "held" if held else "hidden" if hidden else "corrected" if corrected
                else "approved" if ok else "published"
            )  # fmt: skip
            out.append(
                Doubt(id=entry_id, date=dt.date.fromisoformat(day), page=page, position=position,
                      title=title, excerpt=lead[:80] + ("…" if len(lead) > 80 else ""),
                      warnings=tuple(json.loads(warnings)), state=state)  # type: ignore[arg-type]
            )  # fmt: skip
        return out

    def latest_date(self) -> dt.date | None:
        row = self.db.execute("SELECT MAX(issue_date) FROM editorial_items").fetchone()
        return dt.date.fromisoformat(row[0]) if row and row[0] else None
