"""What an ingest reads of a large archive, made cheaper with the same values: stored instants share
their zone objects, stubs are built from their own columns, the issue dates come in one row, and
the subscription lists' outlines are made once per feed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

from feedsvc.records import PAPER, FeedInfo, FeedRef
from feedsvc.render import opml
from feedsvc.render.common import Site
from feedsvc.store import Store
from feedsvc.store.entries import ISSUE_DATES
from feedsvc.store.schema import _STUBS_OF_FEED, DB_NAME, _entry, _stub, _when
from tests.render_helpers import instance_settings
from tests.test_stubs import _ingest_days

# `_STUB_COLUMNS` before `_stub`: the text's columns as constants, in `_ENTRY_COLUMNS`' shape
_OLD_STUB_TEXT = (None, None, None, "", 0, None, "[]")


def test_instants_at_one_offset_share_their_zone_and_keep_their_values() -> None:
    texts = ["2023-06-26T06:00:00+08:00", "2021-01-02T09:30:00.123456+08:00", "2019-03-04T00:00:01+08:00"]
    read = [_when(t) for t in texts]
    assert len({id(w.tzinfo) for w in read}) == 1  # fromisoformat alone gives three zone objects
    assert read == [dt.datetime.fromisoformat(t) for t in texts]
    assert [w.isoformat() for w in read] == texts
    assert [w.tzname() for w in read] == [dt.datetime.fromisoformat(t).tzname() for t in texts]
    other = _when("2023-06-26T06:00:00+05:30")
    assert other.utcoffset() == dt.timedelta(hours=5, minutes=30) and other.tzinfo is not read[0].tzinfo
    assert other < read[0] + dt.timedelta(hours=3) and max(read) == read[0]
    assert _when("2023-06-26T06:00:00+00:00").tzinfo is dt.UTC
    assert _when("2023-06-26T06:00:00").tzinfo is None


def test_stubs_are_what_the_stub_columns_made_before_in_the_same_field_order(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    _ingest_days(settings, tmp_path, 2, dt.date(2021, 5, 3))
    with Store.open(settings.paths.store, create=False) as store:
        rows = store._db.execute(_STUBS_OF_FEED, (1, -1, 0)).fetchall()
        assert len(rows) > 10
        for row in rows:
            before = _entry((*row[:7], *_OLD_STUB_TEXT, *row[7:]), ())
            made = _stub(row, ())
            assert made == before
            assert list(made.__dict__.items()) == list(before.__dict__.items())
            assert made.model_fields_set == before.model_fields_set
        stubs = store.entry_stubs(PAPER, limit=len(rows))
        whole = store.entries(PAPER, limit=len(rows))
        assert [s.model_copy(update={"paragraphs": ()}) for s in stubs] == [
            e.model_copy(
                update={
                    "kicker": None, "headline": None, "subtitle": None, "title": "",
                    "title_derived": False, "dateline": None, "paragraphs": (),
                }
            )
            for e in whole
        ]  # fmt: skip


def test_issue_dates_of_an_empty_store_and_out_of_order_issues(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    with Store.open(settings.paths.store) as store:
        assert store.issue_dates() == []
    _ingest_days(settings, tmp_path, 3, dt.date(2021, 5, 3))
    _ingest_days(settings, tmp_path, 2, dt.date(2020, 12, 30))  # older issues after newer ones
    with Store.open(settings.paths.store, create=False) as store:
        days = store.issue_dates()
    db = sqlite3.connect(settings.paths.store / DB_NAME)
    walked = db.execute("SELECT DISTINCT issue_date FROM items WHERE retracted = 0 ORDER BY issue_date")
    assert days == [dt.date.fromisoformat(row[0]) for row in walked]
    assert days[:2] == [dt.date(2020, 12, 30), dt.date(2020, 12, 31)] and len(days) == 5
    with Store.open(settings.paths.store, create=False) as store:
        # `group_concat` joins the dates in the order SQLite scans them (by the primary key's index
        # today, so in date order): scanned the other way, they must come out sorted all the same
        store._db.execute("PRAGMA reverse_unordered_selects = ON")
        joined = store._db.execute(ISSUE_DATES).fetchone()[0]
        assert joined.split(",") == [d.isoformat() for d in reversed(days)]  # the pragma took effect
        assert store.issue_dates() == days


def _site(base_url: str) -> Site:
    return dataclasses.replace(Site.from_settings(instance_settings(Path("/nonexistent"))), base_url=base_url)


def _people(names: dict[str, str]) -> list[FeedInfo]:
    return [
        FeedInfo(ref=FeedRef(kind="contributor", slug=s), name=n, entry_count=3) for s, n in names.items()
    ]


def _made_anew(site: Site, infos: list[FeedInfo]) -> bytes:
    opml._OUTLINES.clear()
    return opml.contributors_document(site, infos)


def test_kept_outlines_give_the_list_made_anew() -> None:
    one, other = _site("https://a.example/"), _site("https://b.example/")
    people = {"jia": "记者 甲", "yi": "通讯员 乙 & <丙>", "bing": "记者 丙"}
    opml._OUTLINES.clear()
    first = opml.contributors_document(one, _people(people))
    assert b"https://a.example/contributors/jia.atom" in first
    assert opml.contributors_document(other, _people(people)) == _made_anew(other, _people(people))
    renamed = {**people, "jia": "摄影 甲", "ding": "记者 丁"}  # a new role, a new contributor
    opml.contributors_document(one, _people(people))
    again = opml.contributors_document(one, _people(renamed))
    assert again == _made_anew(one, _people(renamed)) and "摄影 甲".encode() in again
    assert opml.contributors_document(one, _people(people)) == first
    kept = opml._outlines(one)
    assert opml.contributors_document(one, _people(people)) == first and opml._outlines(one) is kept
    assert len(opml._OUTLINES) == 1
    paper = [FeedInfo(ref=PAPER, name="", entry_count=9)]
    kept_paper = opml.opml_document(one, paper)
    opml._OUTLINES.clear()
    assert kept_paper == opml.opml_document(one, paper)


def test_feed_infos_are_shared_where_unchanged_and_in_feed_order(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    _ingest_days(settings, tmp_path, 2, dt.date(2021, 5, 3))
    with Store.open(settings.paths.store, create=False) as store:
        first = store.feed_infos()
        assert all(a is b for a, b in zip(store.feed_infos(), first, strict=True))  # made once
    _ingest_days(settings, tmp_path, 1, dt.date(2021, 5, 5))
    with Store.open(settings.paths.store, create=False) as store:
        infos = store.feed_infos()
        rows = store._db.execute(
            "SELECT f.kind, COALESCE(s.slug, c.slug, ''), COALESCE(s.name, c.name, ''), c.role,"
            " f.entry_count FROM feeds f LEFT JOIN sections s ON s.feed_id = f.id"
            " LEFT JOIN contributors c ON c.feed_id = f.id WHERE f.entry_count > 0"
        ).fetchall()
    made = sorted(
        (
            FeedInfo(ref=FeedRef(kind=k, slug=s), name=f"{r} {n}" if r else n, entry_count=c)
            for k, s, n, r, c in rows
        ),
        key=lambda info: info.ref.sort_key,
    )
    assert infos == made and [i.ref.kind for i in infos][:2] == ["paper", "section"]
    assert infos[0].entry_count > first[0].entry_count  # the paper's count as it is now
