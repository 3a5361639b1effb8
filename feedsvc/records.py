"""What the store hands to the renderers: published entries and the feeds they belong to.

Pure data. `Entry` is an item as published (with its permanent id, dates and slugs); `FeedRef`
names one feed (the whole paper, a section, or a contributor) and where its files live.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Literal, TypedDict

from pydantic import BaseModel, ConfigDict, field_validator

from feedsvc.models import ImageRef, ItemKind

FeedKind = Literal["paper", "section", "contributor"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FeedRef(_Frozen):
    """One feed. `stem` is its path below the output folder without extension."""

    kind: FeedKind
    slug: str  # "" for the whole paper

    @property
    def stem(self) -> str:
        if self.kind == "paper":
            return "feed"
        folder = "sections" if self.kind == "section" else "contributors"
        return f"{folder}/{self.slug}"

    @property
    def sort_key(self) -> tuple[int, str]:
        return ({"paper": 0, "section": 1, "contributor": 2}[self.kind], self.slug)


PAPER = FeedRef(kind="paper", slug="")


class FeedInfo(_Frozen):
    """A feed as listed for people: `name` follows the paper's name in titles ("要闻", "记者 董笑瑜")."""

    ref: FeedRef
    name: str
    entry_count: int


class EntryPerson(_Frozen):
    role: str | None
    name: str
    credit: str | None = None
    slug: str

    # The two properties read the fields from `__dict__` (where pydantic keeps them): each
    # `self.role` is a call of pydantic's `__getattr__` hook, which the interpreter does not
    # specialize; `__dict__` is one such read for all of them (~10 an entry rendered).

    @property
    def label(self) -> str:
        fields = self.__dict__
        role = fields["role"]
        return f"{role} {fields['name']}" if role else fields["name"]

    @property
    def is_photographer(self) -> bool:
        credit = self.__dict__["credit"]
        return credit is not None and ("摄" in credit or "图" in credit)


class PersonFields(TypedDict):
    """`EntryPerson`'s fields as pydantic keeps them (its `__dict__`), typed: see `entry_fields`."""

    role: str | None
    name: str
    credit: str | None
    slug: str


def person_fields(person: EntryPerson) -> PersonFields:
    """`person`'s fields as pydantic keeps them, typed (see `entry_fields`)."""
    return person.__dict__  # type: ignore[return-value]  # the test keeps the two types alike


class EntryImage(ImageRef):
    """A photo an entry carries, as stored: its place and size, and its JPEG's size in bytes (None
    when the store holds no bytes for it), for enclosures."""

    length: int | None = None


class Entry(_Frozen):
    """An item as published. `id` is a tag URI that never changes once minted."""

    id: str
    issue_date: dt.date
    page: int
    position: int  # reading order on its page, from 1
    section: str | None
    section_slug: str | None
    kind: ItemKind
    kicker: str | None
    headline: str | None
    subtitle: str | None
    title: str
    title_derived: bool
    contributors: tuple[EntryPerson, ...]
    dateline: str | None
    paragraphs: tuple[str, ...]
    published: dt.datetime
    updated: dt.datetime
    path: str  # the article page below the output folder, e.g. "articles/2023/06/26/p1-03.html"
    images: tuple[EntryImage, ...] = ()  # photos printed with it (PDF submissions), published at their path

    @field_validator("published", "updated")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("entry datetimes must carry a time zone")
        return value

    @property
    def writers(self) -> tuple[EntryPerson, ...]:
        """Who wrote it: everyone not credited only for pictures (`文/图` wrote and photographed)."""
        return sort_credits(self.contributors)[1]

    @property
    def photographers(self) -> tuple[EntryPerson, ...]:
        return sort_credits(self.contributors)[2]

    @property
    def summary(self) -> str:
        return self.paragraphs[0] if self.paragraphs else ""

    def feeds(self) -> tuple[FeedRef, ...]:
        """Every feed this entry appears in."""
        refs = [PAPER]
        if self.section and self.section_slug:
            refs.append(feed_ref("section", self.section_slug))
        seen = set()
        for person in self.contributors:
            if person.slug not in seen:
                seen.add(person.slug)
                refs.append(feed_ref("contributor", person.slug))
        return tuple(refs)


class EntryFields(TypedDict):
    """`Entry`'s fields as pydantic keeps them (its `__dict__`), typed: see `entry_fields`."""

    id: str
    issue_date: dt.date
    page: int
    position: int
    section: str | None
    section_slug: str | None
    kind: ItemKind
    kicker: str | None
    headline: str | None
    subtitle: str | None
    title: str
    title_derived: bool
    contributors: tuple[EntryPerson, ...]
    dateline: str | None
    paragraphs: tuple[str, ...]
    published: dt.datetime
    updated: dt.datetime
    path: str
    images: tuple[EntryImage, ...]


def entry_fields(entry: Entry) -> EntryFields:
    """`entry`'s fields as pydantic keeps them (its `__dict__`), typed. The render path reads an
    entry's fields this way: each `entry.title` is a call of pydantic's `__getattr__` hook (the
    interpreter specializes no attribute read of a class that has one), ~145 an entry rendered,
    where one read of the `__dict__` serves them all. `tests/test_render_fields.py` checks that
    the two types list the same fields with the same types."""
    return entry.__dict__  # type: ignore[return-value]


def entry_of(fields: EntryFields) -> Entry:
    """The `Entry` of these fields (every one, in the model's order), not validated again: what
    `Entry.model_construct` makes, without its per-field work. For values validated already (the
    store's rows, a worker's packed entries); the dict becomes the entry's own."""
    entry = _new(Entry)
    _set(entry, "__dict__", fields)
    _set(entry, "__pydantic_fields_set__", set(_ENTRY_NAMES))
    _set(entry, "__pydantic_extra__", None)
    _set(entry, "__pydantic_private__", None)
    return entry


_ENTRY_NAMES = tuple(Entry.model_fields)
_new = object.__new__
_set = object.__setattr__


_People = tuple[EntryPerson, ...]
_CREDITS: list[tuple[_People, _People, _People]] = [((), (), ())]


def sort_credits(contributors: _People) -> tuple[_People, _People, _People]:
    """(contributors, writers, photographers) of an entry's `contributors`, sorted out in one pass
    and kept for the last tuple asked about, by identity: an entry rendered asks ~5 times (its
    parts, content and article page). Nothing is kept on the entry, so its equality, copies and
    pickles are what they were; a copy with other contributors holds another tuple."""
    last = _CREDITS[0]
    if last[0] is not contributors:
        writers: list[EntryPerson] = []
        photographers: list[EntryPerson] = []
        for p in contributors:
            if p.is_photographer:
                photographers.append(p)
                if "文" in (p.credit or ""):
                    writers.append(p)
            else:
                writers.append(p)
        last = _CREDITS[0] = (contributors, tuple(writers), tuple(photographers))
    return last


@functools.lru_cache(maxsize=4096)
def feed_ref(kind: FeedKind, slug: str) -> FeedRef:
    """`FeedRef(kind=kind, slug=slug)`, validated once per feed (it is frozen: one instance serves)."""
    return FeedRef(kind=kind, slug=slug)


class Change(_Frozen):
    """One entry's change from a store write: added (before None), retracted (after None), or edited."""

    before: Entry | None
    after: Entry | None

    @property
    def feeds(self) -> frozenset[FeedRef]:
        refs: set[FeedRef] = set()
        for entry in (self.before, self.after):
            if entry is not None:
                refs.update(entry.feeds())
        return frozenset(refs)
