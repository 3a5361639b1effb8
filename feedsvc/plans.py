"""The types publishing and the renderers share: what they read from the store (`EntrySource`) and
what a batch of changes requires to be rendered again (`Plan`).

`publish.plan` makes a `Plan` from store changes (pure); `render.builder` renders what it names from
an `EntrySource`; `publish` runs both. Both import this module, neither imports the other's caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from feedsvc.records import Entry, FeedInfo, FeedRef

__all__ = ["EntrySource", "Plan"]


class EntrySource(Protocol):
    """What publishing reads from the store.

    Every feed lists its entries in one total order shared by all feeds (the store's: published
    descending, then arrival descending, page, position, id; see `store.schema._FEED_MEMBERS`),
    so a section's or contributor's entries are the paper's entries in the same order with the
    others left out. `build_all` relies on it.
    """

    def feed_infos(self) -> list[FeedInfo]:
        """Every feed with at least one live entry, in `FeedRef.sort_key` order."""
        ...

    def entries(self, ref: FeedRef, *, limit: int | None = None, offset: int = 0) -> list[Entry]:
        """A feed's live entries, newest first."""
        ...

    def count(self, ref: FeedRef) -> int:
        """How many live entries a feed has."""
        ...

    def issue_entries(self, date: dt.date) -> list[Entry]:
        """One issue's live entries in page and reading order."""
        ...

    def latest_issue_date(self) -> dt.date | None:
        """The issue date of the newest live entry."""
        ...

    def issue_dates(self) -> list[dt.date]:
        """The dates of every issue with a live entry, oldest first."""
        ...


@dataclass(frozen=True)
class Plan:
    """What a batch of changes requires to be rendered again."""

    feeds: frozenset[FeedRef] = frozenset()  # feeds whose documents (and archive pages) change
    articles: tuple[Entry, ...] = ()  # article pages to write, in path order
    deleted_articles: frozenset[str] = frozenset()  # article pages no entry has any more
    pages: frozenset[str] = frozenset()  # pages for people: index.html, feeds.opml, <stem>.html
    since: dt.datetime | None = None  # oldest `published` of any changed entry, before or after
    issues: frozenset[dt.date] = frozenset()  # issues whose page (and articles' neighbours) change

    def __bool__(self) -> bool:
        return bool(self.feeds or self.articles or self.deleted_articles or self.pages)
