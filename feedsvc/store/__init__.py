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
from collections.abc import Collection, Mapping

from feedsvc.config import Settings
from feedsvc.errors import MissingStore, StoreError
from feedsvc.faults import checkpoint
from feedsvc.models import Issue
from feedsvc.records import Change
from feedsvc.store.digests import DigestStore
from feedsvc.store.entries import EntryStore
from feedsvc.store.schema import DB_NAME, SCHEMA_VERSION, Submission, SubmissionStatus, _aware
from feedsvc.store.submissions import SubmissionStore
from feedsvc.store.writer import _Writer

__all__ = ["DB_NAME", "SCHEMA_VERSION", "MissingStore", "Store", "Submission", "SubmissionStatus"]


class Store(SubmissionStore, EntryStore, DigestStore):
    """One open store. Not for concurrent use from several threads; other processes may read.

    Its parts: the connection (`store.base`), submissions (`store.submissions`), the readers
    (`store.entries`), archive pages' digests (`store.digests`); `apply` writes (`store.writer`)."""

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
        # a new config slug override renamed a section or contributor (`_Writer._named`): the feed
        # ids kept by slug (`_feed_id`) are read again (a rolled-back apply changed none)
        self._feed_ids.clear()
        return tuple(changes)
