"""What `entry_parts` makes once and the pages take from it (the cleaned paragraphs, the instants
in RFC 3339, the cleaned title, kicker and summary of a card) gives the bytes the pages made from
the entry itself give: control characters, line breaks inside paragraphs, long leads, photo
items, corrections, instants before 1901 (local mean time, shown in UTC). And the entries a worker
packs for the main process come back whole."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from pathlib import Path

import markupsafe
import pytest

from feedsvc.records import PAPER, Entry, EntryImage, EntryPerson
from feedsvc.render import atom, html, jsonfeed
from feedsvc.render.common import EntryParts, Site, body_html, clean, entry_parts
from feedsvc.render.issues import IssuePlace, neighbours
from feedsvc.render.pool import pack, unpack
from tests.render_helpers import ZHANG_PHOTO, entry, fixture_entries, settings

DAY = dt.date(2023, 6, 26)
PHOTO = EntryImage(path="images/2023/06/26/p3-1.jpg", width=800, height=600, bbox=(0, 0, 1, 1), length=9)
LONG = "很长的导语，" * 40


def entries() -> list[Entry]:
    old = dt.datetime(1890, 1, 1, 8, tzinfo=dt.UTC)
    return [
        *[e for e in fixture_entries() if e.issue_date == DAY],
        entry(DAY, 2, 7, kicker="<引\x07题>", paragraphs=("第一\x0b段\n折行", "第二段\ufffe", "")),
        entry(DAY, 2, 8, title=" 标\x1f题 ", paragraphs=(LONG, "第二段")),
        entry(DAY, 3, 2, kind="photo", people=(ZHANG_PHOTO,), paragraphs=("图片说明\x00", "正文"))
        .model_copy(update={"images": (PHOTO,)}),
        entry(DAY, 3, 3, updated=dt.datetime(2023, 6, 27, 9, tzinfo=dt.UTC)),
        entry(DAY, 1, 9).model_copy(update={"published": old, "updated": old}),
        entry(DAY, 1, 8, paragraphs=("\x01",)),
    ]  # fmt: skip


def remade(parts: EntryParts, e: Entry) -> EntryParts:
    """The parts with what `entry_parts` made once made here the plain way, from the entry."""
    return dataclasses.replace(
        parts,
        paragraphs=tuple(clean(p) for p in e.paragraphs),
        published_iso=parts.published.isoformat(),
        updated_iso=parts.updated.isoformat(),
    )


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site.from_settings(settings(tmp_path))


def test_paragraphs_and_stamps_are_what_the_pages_made(site: Site) -> None:
    for e in entries():
        parts = entry_parts(site, e)
        assert parts.paragraphs == tuple(clean(p) for p in e.paragraphs)
        assert parts.body_html == body_html(e.paragraphs)
        assert (parts.published_iso, parts.updated_iso) == (
            parts.published.isoformat(),
            parts.updated.isoformat(),
        )
    changed = entry_parts(site, entries()[-3])
    assert changed.updated_iso != changed.published_iso  # the check above means something


def test_article_pages_and_feed_entries_are_the_same_bytes(site: Site) -> None:
    listed = entries()
    around = neighbours(listed)
    for e in listed:
        parts = entry_parts(site, e)
        made = html.article_page(site, e, parts, "0" * 64, around[e.id])
        assert made == html.article_page(site, e, remade(parts, e), "0" * 64, around[e.id])
        # the description, cut from the cleaned summary, is the entry's own 160-character lead
        described = markupsafe.escape(html.lead(e, 160) or site.subtitle(PAPER, ""))
        assert f'<meta name="description" content="{described}">'.encode() in made
        for render in (atom.entry, jsonfeed.item):
            assert render(site, parts) == render(site, remade(parts, e))
    photo = next(e for e in listed if e.kind == "photo")
    page = html.article_page(site, photo, entry_parts(site, photo))
    assert "<figcaption>图片说明 <span".encode() in page  # the caption, cleaned, taken off


def test_cards_from_parts_are_the_cards_from_entries(site: Site) -> None:
    listed = entries()
    parts = {e.id: entry_parts(site, e) for e in listed}
    for e in listed:
        assert html.card(site, e, parts[e.id]) == html.card(site, e)
    long = html.card(site, listed[-5], parts[listed[-5].id])
    assert long.lead.endswith("…") and len(long.lead) == 90
    place = IssuePlace(DAY)
    assert html.issue_page(site, place, listed, parts=parts) == html.issue_page(site, place, listed)
    some = dict(list(parts.items())[:3])  # the worker has parts only of the entries it rendered
    assert html.issue_page(site, place, listed, parts=some) == html.issue_page(site, place, listed)


def test_an_entry_packed_for_the_main_process_comes_back_whole() -> None:
    """`pool.pack` (every field read in one call) and `pool.unpack` give the entry back, people
    and photos included; slimmed, with its lead alone."""
    people: dict[tuple[object, ...], EntryPerson] = {}
    for e in entries():
        packed = pickle.loads(pickle.dumps(pack(e), protocol=pickle.HIGHEST_PROTOCOL))
        assert unpack(packed, people) == e
        assert unpack(pack(e, slim=True)) == e.model_copy(update={"paragraphs": e.paragraphs[:1]})
    photo = next(e for e in entries() if e.images)
    assert unpack(pack(photo)).images == (PHOTO,) and len(people) >= 3
