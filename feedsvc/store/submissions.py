"""The store's submissions: their original bytes kept for good, their identities and status, and
the pages each was last written from."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator

from feedsvc.errors import StoreError
from feedsvc.faults import checkpoint
from feedsvc.records import Change
from feedsvc.store.base import StoreBase, _reads, _streams
from feedsvc.store.schema import Submission, SubmissionStatus, _aware, _day, _submission


class SubmissionStore(StoreBase):
    """`Store`'s submissions (`add_submission`, `originals`, `supersede`...)."""

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
