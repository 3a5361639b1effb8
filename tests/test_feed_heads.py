"""`render.heads`: a middle archive page's head patched from its feed's cut head is the head
feedgen makes for it, in Atom and RSS; a head that cannot be cut soundly is made each time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from feedsvc.records import FeedRef
from feedsvc.render import atom, heads, rss
from feedsvc.render.common import FeedDoc, Site
from tests.render_helpers import settings

SITE = Site.from_settings(settings(Path("feeds"), hubs=("https://hub.example/",)))
CST = dt.timezone(dt.timedelta(hours=8))
FORMATS = [(atom._head, atom.STAMP), (rss._head, rss.STAMP)]


def docs(title: str, last: int = 12) -> list[FeedDoc]:
    ref = FeedRef(kind="section", slug="yaowen")
    start = dt.datetime(2024, 2, 29, 6, 0, tzinfo=CST)
    pages = [
        FeedDoc(
            ref=ref, title=title, subtitle="要闻", updated=start + dt.timedelta(days=n), number=n, last=last
        )
        for n in range(1, last + 1)
    ]
    return [FeedDoc(ref=ref, title=title, updated=start, last=last), *pages]


@pytest.mark.parametrize(("make", "stamp"), FORMATS)
def test_patched_heads_are_feedgens(make: heads.Make, stamp: heads.Stamp) -> None:
    for doc in docs("钱塘新区报 · 要闻 & <特刊>"):
        assert heads.head(make, stamp, SITE, doc) == make(SITE, doc), doc.number
    cut = [v for (m, _, d), v in heads._cut.items() if m is make and d.title.endswith("<特刊>")]
    assert cut and cut[0] is not None  # the middle pages were patched, not made


@pytest.mark.parametrize(("make", "stamp"), FORMATS)
def test_a_head_holding_a_stand_in_is_made_each_time(make: heads.Make, stamp: heads.Stamp) -> None:
    title = f"报 {heads._STAND_INS[0][0] + 1}"  # the stand-in of the next page's number
    for doc in docs(title, last=4):
        assert heads.head(make, stamp, SITE, doc) == make(SITE, doc), doc.number
    assert [v for (m, _, d), v in heads._cut.items() if m is make and d.title == title] == [None]


class _ClearedByAnotherThread(dict[object, object]):
    """A cache another thread clears (being full) as soon as this one has stored its value."""

    def __setitem__(self, key: object, value: object) -> None:
        super().__setitem__(key, value)
        self.clear()


@pytest.mark.parametrize(("make", "stamp"), FORMATS)
def test_a_cache_cleared_between_store_and_use(
    make: heads.Make, stamp: heads.Stamp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(heads, "_cut", _ClearedByAnotherThread())
    for doc in docs("钱塘新区报 · 清空", last=4):
        assert heads.head(make, stamp, SITE, doc) == make(SITE, doc), doc.number
