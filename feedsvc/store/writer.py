"""The write path of `Store.apply`: issue, slugs, sections, contributors and pages, in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from feedsvc import identity
from feedsvc.config import Settings
from feedsvc.errors import StoreError
from feedsvc.models import Issue, Item, Page
from feedsvc.records import Change, Entry, EntryPerson
from feedsvc.store.schema import PAPER_FEED_ID, SlugKind

if TYPE_CHECKING:
    from feedsvc.store import Store


_ITEM_FIELDS = "kind, kicker, headline, subtitle, title, title_derived, dateline, paragraphs"
Named = tuple[int, str, int]  # a section's or contributor's (id, slug, feed id)


def _fields(item: Item) -> tuple[Any, ...]:
    paragraphs = json.dumps(list(item.paragraphs), ensure_ascii=False)
    return (item.kind, item.kicker, item.headline, item.subtitle, item.title, int(item.title_derived),
            item.dateline, paragraphs)  # fmt: skip


def _shape(item: Item | Entry, section: tuple[str | None, str | None], people: Sequence[EntryPerson]) -> Any:
    """What readers see of an item besides its position, to tell whether a stored one changed."""
    images = tuple((ref.path, ref.width, ref.height, tuple(ref.bbox)) for ref in item.images)
    return (item.kind, item.kicker, item.headline, item.subtitle, item.title, item.title_derived,
            item.dateline, tuple(item.paragraphs), section, tuple(people), images)  # fmt: skip


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
        # A new item is published at the edition time of its issue date, or now if its page came
        # in earlier (pages are often sent the evening before): a feed never shows a future date.
        published = min(dt.datetime.combine(day, settings.paper.edition_time, tzinfo=tz), now.astimezone(tz))
        self.published = (published.isoformat(), int(published.timestamp()))
        self.now_s = now.astimezone(tz).isoformat()
        # An edited item was updated now; a new one has not changed since it was published.
        self.updated_s = max(now, published).astimezone(tz).isoformat()
        self.named: dict[tuple[str, str], Named] = {}  # (table, name) -> (id, slug, feed id)
        self.roles: dict[int, tuple[str | None, str | None]] = {}  # contributor id -> (role, its date)
        self.recut: set[str] = set()  # photos whose bytes this apply replaced by others
        self.placed: dict[tuple[int, int], str] = {}  # (page, position) -> entry id written there

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

    def images(self, issue: Issue, data: Mapping[str, bytes]) -> None:
        """Store the bytes of the photos the issue's items carry (a path's bytes are replaced; the
        paths whose bytes changed are noted, and the items carrying them count as changed)."""
        for path, new in data.items():
            row = self.db.execute("SELECT data FROM images WHERE path = ?", (path,)).fetchone()
            if row is not None and bytes(row[0]) != new:
                self.recut.add(path)
        rows = [
            (ref.path, self.day_s, page.number, data[ref.path])
            for page in issue.pages
            for item in page.items
            for ref in item.images
            if ref.path in data
        ]
        self.db.executemany("INSERT OR REPLACE INTO images VALUES (?, ?, ?, ?)", dict.fromkeys(rows))

    def _item_images(self, iid: int, item: Item) -> None:
        self.db.execute("DELETE FROM item_images WHERE item_id = ?", (iid,))
        self.db.executemany(
            "INSERT INTO item_images VALUES (?, ?, ?, ?, ?, ?)",
            [(iid, seq, ref.path, ref.width, ref.height, json.dumps(list(ref.bbox)))
             for seq, ref in enumerate(item.images)],
        )  # fmt: skip

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

    def page(
        self, page: Page, store: Store, pins: Mapping[int, str] | None = None, withheld: Collection[int] = ()
    ) -> list[Change]:
        """Replace one stored page by its new version; the changes in reading order, then retractions.

        `pins` ({position: entry id}) gives items the id they must keep (the editors' corrections
        decide it); `withheld` positions are written (ids minted or kept) but kept out of the feeds,
        as retracted. `self.placed` records the entry id written at each position."""
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
        target, retract = self._match(page, live, before, pins or {})
        touched: list[int] = []
        written: dict[int, int] = {}  # position -> item row id
        for position, item in enumerate(page.items, start=1):
            credits = [self.contributor(c.name, c.role) for c in item.contributors]
            people = [EntryPerson(role=c.role, name=c.name, credit=c.credit, slug=slug)
                      for c, (_, slug, _) in zip(item.contributors, credits, strict=True)]  # fmt: skip
            iid = target.get(position)
            if iid is None:
                iid = written[position] = self._mint(page.number, position, item)
            else:
                written[position] = iid
                old = before.get(iid)  # None: a retracted item comes back
                same = old is not None and _shape(
                    old, (old.section, old.section_slug), old.contributors
                ) == _shape(item, section, people)
                same = same and not any(ref.path in self.recut for ref in item.images)
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
        held = {written[p] for p in withheld if p in written}
        touched = [iid for iid in touched if iid not in held]
        retract = [*retract, *(iid for iid in held if iid in before)]
        for iid in held - set(before):  # new or retracted before: nothing to tell
            self.db.execute("UPDATE items SET retracted = 1 WHERE id = ?", (iid,))
            self.db.execute("DELETE FROM feed_members WHERE item_id = ?", (iid,))
        self._record_placed(page.number, written)
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

    def _record_placed(self, number: int, written: dict[int, int]) -> None:
        ids = dict(
            self.db.execute(
                f"SELECT id, entry_id FROM items WHERE id IN ({','.join('?' * len(written))})",
                list(written.values()),
            ).fetchall()
        )
        self.placed.update(((number, p), str(ids[iid])) for p, iid in written.items())

    def _pinned(self, number: int, pins: Mapping[int, str]) -> dict[int, int]:
        """{position: stored item id} for the pinned entry ids stored on this page."""
        if not pins:
            return {}
        rows = self.db.execute(
            f"SELECT entry_id, id FROM items WHERE issue_date = ? AND page = ?"
            f" AND entry_id IN ({','.join('?' * len(pins))})",
            (self.day_s, number, *pins.values()),
        ).fetchall()
        by_id = {str(e): int(i) for e, i in rows}
        return {p: by_id[e] for p, e in pins.items() if e in by_id}

    def _match(
        self, page: Page, live_ids: list[int], before: dict[int, Entry], pins: Mapping[int, str]
    ) -> tuple[dict[int, int], list[int]]:
        """({new position: stored item id}, stored ids to retract): pinned ids first, then live items
        matched, then retracted ones."""
        target = self._pinned(page.number, pins)
        taken = set(target.values())
        live = [k for k in live_ids if k not in taken]
        rest = [j for j in range(len(page.items)) if j + 1 not in target]
        as_item = [
            Item(kind=e.kind, headline=e.headline, title=e.title, paragraphs=e.paragraphs)
            for e in (before[k] for k in live)
        ]
        matching = identity.match_items(as_item, [page.items[j] for j in rest])
        target.update((rest[j] + 1, live[i]) for i, j in matching.pairs)
        fresh = [rest[j] for j in matching.unmatched_new]
        if fresh:
            dead = [
                row
                for row in self.db.execute(
                    "SELECT id, kind, headline, title, paragraphs FROM items WHERE issue_date = ?"
                    " AND page = ? AND retracted = 1 ORDER BY position, id",
                    (self.day_s, page.number),
                ).fetchall()
                if row[0] not in taken
            ]
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
            (
                entry_id,
                self.day_s,
                number,
                position,
                minted,
                *_fields(item),
                *self.published,
                self.published[0],
            ),
        ).lastrowid
        assert iid is not None
        return iid

    def _link(self, iid: int, item: Item, contributor_ids: list[int], feeds: list[int]) -> None:
        """Rewrite an item's contributors and feed memberships (the feed order keys come from its row)."""
        self._item_images(iid, item)
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
