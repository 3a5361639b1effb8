"""Issues (期) as the site shows them: their pages, the printed order, neighbours. Pure.

An issue page lists its pages (版面) and their items in printed order (page, then position on the
page); an article page links to the items before and after it in that order; an issue page links
to the issues before and after it. The past issues are listed a year at a time: `issues/YYYY.html`
has one year's issues by month, `issues/index.html` every year with its count of issues and the
newest year's issues; an ingest changes the index and its own year's page only.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from feedsvc.records import Entry, entry_fields
from feedsvc.render import theme
from feedsvc.render.common import Site, entry_title
from feedsvc.render.keys import entry_key

ISSUES_INDEX = "issues/index.html"
YEAR_PAGE = re.compile(r"([0-9]{4})\.html")  # a year's page in `issues/`

Months = list[tuple[int, list[dt.date]]]  # a year's issue dates by month, newest month first


def year_path(year: int) -> str:
    """`issues/2023.html`"""
    return f"issues/{year}.html"


@functools.lru_cache(maxsize=1024)
def issue_path(day: dt.date) -> str:
    """`issues/2023/06/26.html` (kept: `strftime` costs more than the rest of an article's link)"""
    return f"issues/{day:%Y/%m/%d}.html"


def printed(entries: Iterable[Entry]) -> list[Entry]:
    """An issue's entries in printed order: page, then position on the page."""
    return sorted(entries, key=_printed_key)


def _printed_key(entry: Entry) -> tuple[int, int, str]:
    fields = entry_fields(entry)
    return fields["page"], fields["position"], fields["id"]


@dataclass(frozen=True, slots=True)
class IssuePlace:
    """An issue's date and the dates of the issues before and after it (None: there is none),
    which its page links to."""

    day: dt.date
    previous: dt.date | None = None
    following: dt.date | None = None

    @classmethod
    def among(
        cls, days: Sequence[dt.date], at: int, before: dt.date | None = None, after: dt.date | None = None
    ) -> IssuePlace:
        """The issue `days[at]` (`days` oldest first); `before`, `after`: the issues just before
        and after `days`, if it is a run of the issues (`render.pool.Days`)."""
        previous = days[at - 1] if at > 0 else before
        following = days[at + 1] if at + 1 < len(days) else after
        return cls(days[at], previous, following)


@dataclass(frozen=True, slots=True)
class Link:
    path: str
    title: str


@dataclass(frozen=True, slots=True)
class Around:
    """An article's neighbours in its issue's printed order."""

    previous: Link | None = None
    next: Link | None = None

    def key(self) -> bytes:
        """What the article page takes from its neighbours, for its digest."""
        parts = [f"{x.path}|{x.title}" if x else "" for x in (self.previous, self.next)]
        return ("around\t" + "\t".join(parts) + "\n").encode("utf-8", "surrogatepass")


def neighbours(entries: Sequence[Entry]) -> dict[str, Around]:
    """Every entry's `Around` by id; `entries` are one issue's, in any order."""
    ordered = printed(entries)
    links = [Link(entry_fields(e)["path"], entry_title(e)) for e in ordered]
    out = {}
    for i, e in enumerate(ordered):
        out[entry_fields(e)["id"]] = Around(
            previous=links[i - 1] if i > 0 else None, next=links[i + 1] if i + 1 < len(links) else None
        )
    return out


def issue_digest(
    site: Site, place: IssuePlace, entries: Iterable[Entry], *, keys: Mapping[str, bytes] | None = None
) -> str:
    """What an issue page's bytes depend on: the site, its date and neighbours, its entries.
    `keys`: the entries' `entry_key`s by id where known already (a worker has made them for the
    article pages' digests)."""
    templates = theme.fingerprint(site.theme, "issue.html")
    day, previous, following = place.day, place.previous, place.following
    h = hashlib.sha256(
        f"{site.fingerprint}\n{site.look}\n{templates}\nissue\n{day}\n{previous}\n{following}\n".encode()
    )
    known = keys or {}
    for e in printed(entries):
        fields = entry_fields(e)
        key, images = known.get(fields["id"]), fields["images"]
        h.update(entry_key(e) if key is None else key)
        h.update(repr(images).encode() if images else b"()")
    return h.hexdigest()


def by_month(days: Iterable[dt.date]) -> list[tuple[int, Months]]:
    """Issue dates grouped by year then month, newest first; days within a month oldest first.
    Each year and month is found by bisection and sliced out whole (the dates of ten years are
    not handed out one by one)."""
    ordered = sorted(set(days))
    years: list[tuple[int, Months]] = []
    end = len(ordered)
    while end:
        year = ordered[end - 1].year
        start = bisect.bisect_left(ordered, dt.date(year, 1, 1), 0, end)
        months: Months = []
        while end > start:
            month = ordered[end - 1].month
            first = bisect.bisect_left(ordered, dt.date(year, month, 1), start, end)
            months.append((month, ordered[first:end]))
            end = first
        years.append((year, months))
    return years


def year_counts(years: Sequence[tuple[int, Months]]) -> tuple[tuple[int, int], ...]:
    """(year, number of issues) for `by_month`'s years, newest first."""
    return tuple((year, sum(len(days) for _, days in months)) for year, months in years)


def year_digest(site: Site, years: Sequence[int], year: int, months: Months) -> str:
    """What a year's page depends on: the site, which years there are, its issue dates."""
    templates = theme.fingerprint(site.theme, "issues_year.html")
    h = hashlib.sha256(f"{site.fingerprint}\n{site.look}\n{templates}\nissues\n{year}\n{years}\n".encode())
    for month, days in months:
        h.update(_month_line(month, tuple(days)))
    return h.hexdigest()


@functools.lru_cache(maxsize=4096)
def _month_line(month: int, days: tuple[dt.date, ...]) -> bytes:
    """A month's line in `year_digest` (kept: a publish digests every year's, ten years' dates,
    and all but the newest month's are the last publish's). Kept for every paper of the process
    (`service`): a ten-year paper has ~121 months, and an LRU smaller than all papers' months
    together misses every time when they publish in turn (5 papers in 512: 0.4 % hits)."""
    return f"{month}:{','.join(map(dt.date.isoformat, days))}\n".encode()
