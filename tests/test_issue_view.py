"""An issue page's view and digest made with what is known beforehand: `html.issue_view` (cards'
dates kept by instant, pages grouped in one pass) gives the view the per-card way gave, and
`issues.issue_digest` with the entries' keys made already gives the digest made from the entries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from feedsvc.records import Entry, EntryImage
from feedsvc.render import html
from feedsvc.render.common import Site, clean, entry_title
from feedsvc.render.issues import IssuePlace, issue_digest, issue_path, printed
from feedsvc.render.keys import entry_key
from tests.render_helpers import entry, fixture_entries, settings

DAY = dt.date(2023, 6, 26)
PLACE = IssuePlace(DAY, previous=DAY - dt.timedelta(days=1))
PHOTO = EntryImage(path="images/2023/06/26/p3-1.jpg", width=800, height=600, bbox=(0, 0, 1, 1), length=9)


def entries() -> list[Entry]:
    later = dt.datetime(2023, 6, 26, 23, 59, 59, 999_999, tzinfo=dt.UTC)  # another day in Beijing
    return [
        *[e for e in fixture_entries() if e.issue_date == DAY],
        entry(DAY, 3, 2).model_copy(update={"images": (PHOTO,), "published": later}),
        entry(DAY, 2, 7, kicker="<引>").model_copy(update={"section": "综\x07合"}),
        entry(DAY, 1, 9).model_copy(update={"published": dt.datetime(1890, 1, 1, tzinfo=dt.UTC)}),
    ]


def reference(site: Site, day: dt.date, listed: list[Entry]) -> html.IssueView:
    """The view as it was made before: each card's date from `Site.local`, pages rebuilt per card."""
    words = html._words(site.ui)
    pages: list[html.PageView] = []
    for e in printed(listed):
        if not pages or pages[-1].number != e.page:
            section = clean(e.section) if e.section else None
            pages.append(html.PageView(e.page, words.f("page", n=e.page), section, ()))
        local = site.local(e.published)
        card = html.Card(
            path=e.path,
            title=entry_title(e),
            kicker=clean(e.kicker) if e.kicker else None,
            lead=html.lead(e),
            where=words.f("page", n=e.page) + (f" · {clean(e.section)}" if e.section else ""),
            date=words.date(local),
            datetime=local.isoformat(),
            image=e.images[0] if e.images else None,
        )
        last = pages[-1]
        pages[-1] = html.PageView(last.number, last.label, last.section, (*last.cards, card))
    return html.IssueView(day=day, path=issue_path(day), pages=tuple(pages))


@pytest.mark.parametrize("ui", ["zh", "en"])
def test_issue_view_is_the_view_made_card_by_card(ui: str, tmp_path: Path) -> None:
    site = dataclasses.replace(Site.from_settings(settings(tmp_path)), ui=ui)
    listed = entries()
    for _ in range(2):  # the second time from what was kept
        assert html.issue_view(site, DAY, listed[::-1]) == reference(site, DAY, listed)
    other = dataclasses.replace(site, tz=zoneinfo.ZoneInfo("UTC"))  # not what the first zone kept
    assert html.issue_view(other, DAY, listed) == reference(other, DAY, listed)
    assert html.issue_view(other, DAY, listed) != html.issue_view(site, DAY, listed)


def test_issue_digest_from_keys_made_already(tmp_path: Path) -> None:
    site = Site.from_settings(settings(tmp_path))
    listed = entries()
    plain = issue_digest(site, PLACE, listed)
    keys = {e.id: entry_key(e) for e in listed}
    assert issue_digest(site, PLACE, listed, keys=keys) == plain
    partly = dict(list(keys.items())[:2])
    assert issue_digest(site, PLACE, listed, keys=partly) == plain
    keys[listed[0].id] = b"another key\n"  # the keys given are what is hashed
    assert issue_digest(site, PLACE, listed, keys=keys) != plain


def test_cards_dates_kept_by_instant_not_by_wall_time(tmp_path: Path) -> None:
    """Two instants an hour apart that read the same on a clock going back (`fold`) compare equal
    as datetimes of one zone: each card shows its own."""
    site = Site.from_settings(settings(tmp_path))
    first = dt.datetime(2023, 11, 5, 1, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    second = first.replace(fold=1)
    assert first == second and first.utcoffset() != second.utcoffset()
    cards = [html.card(site, entry(DAY, 1, 1).model_copy(update={"published": w})) for w in (first, second)]
    assert [c.datetime for c in cards] == ["2023-11-05T13:30:00+08:00", "2023-11-05T14:30:00+08:00"]


def test_an_issues_place_among_the_issues() -> None:
    days = [DAY + dt.timedelta(days=n) for n in (0, 1, 3)]
    assert [IssuePlace.among(days, n) for n in range(3)] == [
        IssuePlace(days[0], None, days[1]),
        IssuePlace(days[1], days[0], days[2]),
        IssuePlace(days[2], days[1], None),
    ]
    before, after = DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=9)  # a run's neighbours
    assert IssuePlace.among(days, 0, before, after) == IssuePlace(days[0], before, days[1])
    assert IssuePlace.among(days, 2, before, after) == IssuePlace(days[2], days[1], after)
