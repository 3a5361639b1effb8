"""The SQLite store against real files in tmp_path: submissions, apply, ids, slugs, readers."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedsvc.config import PaperSettings, Settings
from feedsvc.errors import StoreError
from feedsvc.models import Contributor, Issue, Item, Page
from feedsvc.records import PAPER, Entry, FeedRef
from feedsvc.store import DB_NAME, Store
from feedsvc.store.entries import ISSUE_DATES

CST = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2023, 6, 26)
T0 = dt.datetime(2023, 6, 26, 5, 0, tzinfo=CST)  # ingested before the 06:00 edition time
T1 = dt.datetime(2023, 6, 26, 9, 30, tzinfo=dt.UTC)  # a correction, later, given in UTC
T2 = dt.datetime(2023, 6, 27, 9, 0, tzinfo=CST)  # the next day's issue, after its edition time
AUTH = "qiantang.feedsvc.example,2023"


def settings(**slugs: str) -> Settings:
    return Settings(
        paper=PaperSettings(name="钱塘新区报", tag_authority=AUTH), sections={1: "要闻"}, slugs=slugs
    )


def item(headline: str, body: str, *people: tuple[str | None, str], credit: str | None = None) -> Item:
    paragraphs = tuple(f"{body}第{n}段，内容各不相同，{headline}的报道继续展开。" for n in range(1, 4))
    return Item(
        headline=headline,
        title=headline,
        contributors=tuple(Contributor(role=r, name=n, credit=credit) for r, n in people),
        paragraphs=paragraphs,
    )


A = item("钱塘江大桥迎来百岁生日", "大桥建成于一九三七年", ("记者", "董笑瑜"))
B = item("新区十所学校秋季开学", "新学期新区新增学位五千个", ("通讯员", "张三"))
C = item("夏季用电负荷创新高", "电网负荷连续三天刷新纪录", ("记者", "章三"), ("记者", "董笑瑜"))
D = item("社区食堂开进老小区", "老人吃饭有了好去处")


def issue(*pages: Page, day: dt.date | None = DAY) -> Issue:
    return Issue(publication="钱塘新区报", date=day, issue_number=1234, pages=pages)


def page(number: int, *items: Item, section: str | None = None) -> Page:
    return Page(
        number=number,
        number_from="header",
        section=section,
        section_from="header" if section else "none",
        items=items,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "var") as s:
        yield s


def ingest(store: Store, iss: Issue, name: str, now: dt.datetime = T0, **slugs: str) -> tuple:  # type: ignore[type-arg]
    sub = store.add_submission(name, name.encode() + iss.model_dump_json().encode(), now)
    return store.apply(iss, submission_id=sub.id, settings=settings(**slugs), now=now)


def test_add_submission_keeps_bytes_once(store: Store) -> None:
    first = store.add_submission("p1.txt", "第一版".encode(), T0)
    again = store.add_submission("p1-copy.txt", "第一版".encode(), T1)
    other = store.add_submission("p2.txt", "第二版".encode(), T1)
    assert not first.duplicate and again.duplicate and not other.duplicate
    assert again.id == first.id and again.name == "p1.txt" and again.received == T0
    assert first.status == "received" and first.size == len("第一版".encode())
    assert store.submission_count() == 2
    assert [(s.name, data) for s, data in store.originals()] == [
        ("p1.txt", "第一版".encode()),
        ("p2.txt", "第二版".encode()),
    ]


def test_apply_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    iss = issue(page(1, A, B, section="要闻"), page(2, C, D))
    changes = ingest(store, iss, "a.txt")
    assert len(changes) == 4 and all(c.before is None and c.after for c in changes)
    db = tmp_path / "var" / DB_NAME
    assert ingest(store, iss, "a.txt", now=T1) == ()
    assert ingest(store, iss, "b.txt", now=T1) == ()  # same parse from other bytes
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*) FROM items").fetchone() == (4,)


def test_ids_dates_paths(store: Store) -> None:
    changes = ingest(store, issue(page(1, A, B, section="要闻")), "a.txt")
    first = changes[0].after
    assert first is not None
    assert first.id == f"tag:{AUTH}:2023-06-26/p1/1"
    assert first.path == "articles/2023/06/26/p1-01.html"
    # ingested at 05:00, before the 06:00 edition time: published then, never in the future
    assert first.published == T0
    assert first.published.isoformat() == "2023-06-26T05:00:00+08:00"
    assert first.updated == first.published  # a new item has not changed since it was published
    late = ingest(store, issue(page(2, C)), "c.txt", now=T1)[0].after
    assert late is not None and late.published == dt.datetime(2023, 6, 26, 6, 0, tzinfo=CST)
    assert late.updated == late.published  # ingested at 17:30: published at the edition time
    assert (first.section, first.section_slug) == ("要闻", "yao-wen")
    assert [p.slug for p in first.contributors] == ["dong-xiaoyu"]


def test_corrected_page_keeps_matched_ids(store: Store) -> None:
    ingest(store, issue(page(1, A, B, C, section="要闻")), "a.txt")
    old = {e.headline: e for e in store.issue_entries(DAY)}
    edited_b = B.model_copy(update={"paragraphs": (*B.paragraphs[:2], B.paragraphs[2] + "（更正）")})
    changes = ingest(store, issue(page(1, D, A, edited_b, section="要闻")), "a-fixed.txt", now=T1)

    added = [c.after for c in changes if c.before is None]
    retracted = [c.before for c in changes if c.after is None]
    edited = {c.after.headline: c for c in changes if c.before and c.after}
    assert retracted == [old[C.headline]]
    assert set(edited) == {A.headline, B.headline}  # A only moved: a change, same `updated`
    assert edited[A.headline].after.updated == edited[A.headline].before.updated  # type: ignore[union-attr]
    assert edited[B.headline].after.updated == T1  # type: ignore[union-attr]
    assert len(added) == 1 and added[0] is not None and added[0].headline == D.headline
    assert added[0].id == f"tag:{AUTH}:2023-06-26/p1/4"  # positions 1..3 were minted before
    assert added[0].path == "articles/2023/06/26/p1-04.html" and added[0].position == 1
    assert added[0].updated == added[0].published == dt.datetime(2023, 6, 26, 6, 0, tzinfo=CST)
    assert len(changes) == 4

    now = {e.headline: e for e in store.issue_entries(DAY)}
    assert set(now) == {A.headline, B.headline, D.headline}
    assert now[A.headline].id == old[A.headline].id and now[B.headline].id == old[B.headline].id
    assert now[B.headline].updated == T1 and now[B.headline].updated.utcoffset() == dt.timedelta(hours=8)
    assert now[A.headline].updated == old[A.headline].updated  # moved, not edited
    assert (now[A.headline].position, now[A.headline].path) == (2, old[A.headline].path)
    assert [e.headline for e in store.issue_entries(DAY)] == [D.headline, A.headline, B.headline]
    assert store.count(FeedRef(kind="contributor", slug="zhang-san-2")) == 0  # 章三 only wrote C


def test_retracted_item_comes_back_with_its_id(store: Store) -> None:
    ingest(store, issue(page(1, A, B)), "a.txt")
    b_id = store.issue_entries(DAY)[1].id
    ingest(store, issue(page(1, A)), "b.txt", now=T1)
    assert store.entries_by_id([b_id]) == []
    changes = ingest(store, issue(page(1, A, B)), "c.txt", now=T1)
    assert [(c.before, c.after.id if c.after else None) for c in changes] == [(None, b_id)]


def test_homophones_get_their_own_slugs(store: Store) -> None:
    ingest(store, issue(page(1, B, C)), "a.txt")
    refs = {p.name: p.slug for e in store.issue_entries(DAY) for p in e.contributors}
    assert refs == {"张三": "zhang-san", "章三": "zhang-san-2", "董笑瑜": "dong-xiaoyu"}
    assert store.count(FeedRef(kind="contributor", slug="zhang-san")) == 1
    assert store.count(FeedRef(kind="contributor", slug="zhang-san-2")) == 1


def test_slugs_are_stable_across_runs(tmp_path: Path) -> None:
    for folder in ("one", "two"):
        with Store.open(tmp_path / folder) as s:
            ingest(s, issue(page(1, C)), "c.txt")  # 章三 first: the plain slug is theirs
            ingest(s, issue(page(1, B), day=dt.date(2023, 6, 27)), "b.txt", now=T2)
            slugs = [p.slug for e in s.all_entries() for p in e.contributors]
            assert slugs == ["zhang-san-2", "zhang-san", "dong-xiaoyu"]


def test_slug_override_from_config(store: Store) -> None:
    changes = ingest(store, issue(page(1, A, section="要闻")), "a.txt", 要闻="yaowen", 董笑瑜="dxy")
    entry = changes[0].after
    assert entry is not None and entry.section_slug == "yaowen" and entry.contributors[0].slug == "dxy"
    assert {e.ref for e in store.feed_infos()} == {
        PAPER,
        FeedRef(kind="section", slug="yaowen"),
        FeedRef(kind="contributor", slug="dxy"),
    }


def test_slug_override_cannot_take_anothers_slug(store: Store) -> None:
    ingest(store, issue(page(1, B)), "b.txt")
    with pytest.raises(StoreError, match="zhang-san"):
        ingest(store, issue(page(2, C)), "c.txt", 章三="zhang-san")


def test_section_from_config_when_page_has_none(store: Store) -> None:
    entry = ingest(store, issue(page(1, A), page(3, B)), "a.txt")[0].after
    assert entry is not None and (entry.section, entry.section_slug) == ("要闻", "yao-wen")
    assert store.issue_entries(DAY)[1].section is None


def test_feed_infos_and_counts(store: Store) -> None:
    ingest(store, issue(page(1, A, B, section="要闻"), page(2, C, D, section="综合")), "a.txt")
    infos = {(i.ref.kind, i.ref.slug): (i.name, i.entry_count) for i in store.feed_infos()}
    assert infos == {
        ("paper", ""): ("", 4),
        ("section", "yao-wen"): ("要闻", 2),
        ("section", "zong-he"): ("综合", 2),
        ("contributor", "dong-xiaoyu"): ("记者 董笑瑜", 2),
        ("contributor", "zhang-san"): ("通讯员 张三", 1),
        ("contributor", "zhang-san-2"): ("记者 章三", 1),
    }
    assert [i.ref.sort_key for i in store.feed_infos()] == sorted(i.ref.sort_key for i in store.feed_infos())
    assert store.count(PAPER) == 4 and store.count(FeedRef(kind="section", slug="nope")) == 0
    assert store.entries(FeedRef(kind="contributor", slug="nope")) == []


def test_latest_role_names_the_feed(store: Store) -> None:
    ingest(store, issue(page(1, item("旧闻", "旧", ("首席记者", "董笑瑜")))), "old.txt")
    ingest(store, issue(page(1, A), day=dt.date(2023, 6, 20)), "older.txt")  # older issue: not latest
    names = {i.ref.slug: i.name for i in store.feed_infos()}
    assert names["dong-xiaoyu"] == "首席记者 董笑瑜"


def test_entries_order_and_paging(store: Store) -> None:
    ingest(store, issue(page(2, C, D), page(1, A, B, section="要闻")), "a.txt")
    ingest(store, issue(page(1, item("次日头条", "次日")), day=dt.date(2023, 6, 27)), "b.txt", now=T2)
    got = [(e.issue_date.day, e.page, e.position) for e in store.entries(PAPER)]
    assert got == [(27, 1, 1), (26, 1, 1), (26, 1, 2), (26, 2, 1), (26, 2, 2)]
    assert store.entries(PAPER, limit=2, offset=1) == store.entries(PAPER)[1:3]
    assert list(store.all_entries()) == store.entries(PAPER)
    assert [e.headline for e in store.entries(FeedRef(kind="contributor", slug="dong-xiaoyu"))] == [
        A.headline,
        C.headline,
    ]
    assert store.latest_issue_date() == dt.date(2023, 6, 27)
    ids = [e.id for e in store.entries(PAPER)]
    assert [e.id for e in store.entries_by_id([ids[3], "tag:nope", ids[0]])] == [ids[3], ids[0]]


def test_entries_read_back_equal_validated_ones(store: Store) -> None:
    """The store builds entries without validating them again: they must be what validating gives."""
    ingest(store, issue(page(1, A, B, section="要闻"), page(2, C, D)), "a.txt")
    ingest(
        store,
        issue(page(1, item("次日头条", "次日", credit="摄")), day=dt.date(2023, 6, 27)),
        "b.txt",
        now=T2,
    )
    entries = store.entries(PAPER)
    assert len(entries) == 5
    for entry in entries:
        again = Entry.model_validate(entry.model_dump())
        assert again == entry and hash(again) == hash(entry) and repr(again) == repr(entry)
        assert list(vars(again)) == list(vars(entry))  # same fields, same order
        assert again.model_fields_set == entry.model_fields_set
        assert entry.model_copy(update={"title": "x"}).title == "x"


def test_ids_survive_reopening(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        ingest(s, issue(page(1, A, B)), "a.txt")
        before = s.issue_entries(DAY)
    with Store.open(tmp_path) as s:
        assert s.issue_entries(DAY) == before
        assert ingest(s, issue(page(1, A, B)), "a.txt") == ()
        ingest(s, issue(page(1, B, A)), "swapped.txt", now=T1)
        assert {e.id for e in s.issue_entries(DAY)} == {e.id for e in before}


def test_same_applies_give_same_entries(tmp_path: Path) -> None:
    runs = []
    for folder in ("x", "y"):
        with Store.open(tmp_path / folder) as s:
            ingest(s, issue(page(1, A, B, C)), "a.txt")
            ingest(s, issue(page(1, D, C, A)), "b.txt", now=T1)
            runs.append(list(s.all_entries()))
    assert runs[0] == runs[1] and len(runs[0]) == 3


def test_issue_without_date_is_refused(store: Store) -> None:
    sub = store.add_submission("nodate.txt", b"x", T0)
    with pytest.raises(StoreError, match=r"nodate\.txt: .*issue date"):
        store.apply(issue(page(1, A), day=None), submission_id=sub.id, settings=settings(), now=T0)


def test_naive_now_is_a_bug(store: Store) -> None:
    sub = store.add_submission("a.txt", b"x", T0)
    with pytest.raises(ValueError, match="aware"):
        store.apply(issue(page(1, A)), submission_id=sub.id, settings=settings(), now=dt.datetime(2023, 1, 1))  # noqa: DTZ001


def test_failed_apply_leaves_nothing(store: Store) -> None:
    ingest(store, issue(page(1, B)), "b.txt")
    with pytest.raises(StoreError):
        ingest(store, issue(page(2, A), page(3, C)), "c.txt", 章三="zhang-san")
    assert [e.headline for e in store.all_entries()] == [B.headline]


@pytest.mark.parametrize("junk", [b"this is not a database" * 300, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_corrupt_db_is_a_store_error(tmp_path: Path, junk: bytes) -> None:
    (tmp_path / DB_NAME).write_bytes(junk)
    with pytest.raises(StoreError, match=DB_NAME):
        Store.open(tmp_path)


def test_foreign_sqlite_db_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / DB_NAME) as raw:
        raw.execute("CREATE TABLE something (x)")
    with pytest.raises(StoreError, match="not a feedsvc store"):
        Store.open(tmp_path)


def test_wal_mode(store: Store, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "var" / DB_NAME) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_identical_apply_commits_nothing(store: Store, tmp_path: Path) -> None:
    iss = issue(page(1, A, B, section="要闻"))
    sub = store.add_submission("a.txt", b"a", T0)
    assert store.apply(iss, submission_id=sub.id, settings=settings(), now=T0)
    assert store.submission(sub.id).status == "applied"
    with sqlite3.connect(tmp_path / "var" / DB_NAME) as raw:
        version = raw.execute("PRAGMA data_version").fetchone()
        assert store.apply(iss, submission_id=sub.id, settings=settings(), now=T1) == ()
        assert raw.execute("PRAGMA data_version").fetchone() == version
        store.mark_submission(sub.id, "failed", "test")  # a real write is seen
        assert raw.execute("PRAGMA data_version").fetchone() != version


def test_new_slug_override_renames_the_feed(store: Store) -> None:
    ingest(store, issue(page(1, A, section="要闻")), "a.txt")
    changes = ingest(store, issue(page(1, A, section="要闻")), "a.txt", now=T1, 要闻="yaowen")
    assert [(c.before.section_slug, c.after.section_slug) for c in changes if c.before and c.after] == [
        ("yao-wen", "yaowen")
    ]
    assert changes[0].after is not None and changes[0].after.updated == T1
    assert {i.ref.slug for i in store.feed_infos() if i.ref.kind == "section"} == {"yaowen"}
    # the old slug stays in the ledger: no other section takes it, by override or by sound
    with pytest.raises(StoreError, match="already the section slug of 要闻"):
        ingest(store, issue(page(2, B, section="杂项")), "b.txt", 杂项="yao-wen")
    entry = ingest(store, issue(page(2, B, section="药文")), "b.txt", 要闻="yaowen")[0].after
    assert entry is not None and entry.section_slug == "yao-wen-2"


def test_same_page_twice_in_one_issue_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="page number twice"):
        ingest(store, issue(page(1, A), page(1, B)), "a.txt")


def test_pages_not_in_a_submission_are_left_alone(store: Store) -> None:
    ingest(store, issue(page(1, A, B)), "p1.txt")
    assert [c.after.page for c in ingest(store, issue(page(2, C)), "p2.txt") if c.after] == [2]
    assert [(e.page, e.headline) for e in store.issue_entries(DAY)] == [
        (1, A.headline),
        (1, B.headline),
        (2, C.headline),
    ]


def test_reparse_while_reading_originals(store: Store) -> None:
    issues = {"a.txt": issue(page(1, A, B)), "b.txt": issue(page(1, A, B, C))}
    for name in issues:
        store.add_submission(name, name.encode(), T0)
    seen = []
    for submission, data in store.originals():
        seen.append(data)
        store.apply(issues[submission.name], submission_id=submission.id, settings=settings(), now=T0)
    assert seen == [b"a.txt", b"b.txt"] and len(store.issue_entries(DAY)) == 3
    assert [s.status for s, _ in store.originals()] == ["applied", "applied"]


def test_damaged_pages_are_a_store_error(tmp_path: Path) -> None:
    with Store.open(tmp_path) as s:
        for n in range(20):
            ingest(s, issue(page(1, A, B), page(2, C, D), day=DAY + dt.timedelta(days=n)), f"{n}.txt")
    db = tmp_path / DB_NAME
    data = bytearray(db.read_bytes())
    assert not (tmp_path / (DB_NAME + "-wal")).exists() and len(data) > 64 * 1024
    data[8192 : len(data) // 2] = b"\xab" * (len(data) // 2 - 8192)
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=DB_NAME), Store.open(tmp_path) as s:
        s.feed_infos()
        list(s.all_entries())
        s.issue_entries(DAY)


def test_issue_dates_come_from_an_index_added_to_older_stores(tmp_path: Path) -> None:
    """`issue_dates` runs at every publish: it reads an index of live items by date, not every
    item's row, and a store made before that index gets it when opened."""
    with Store.open(tmp_path / "var") as s:
        ingest(s, issue(page(1, A), day=T2.date()), "b.txt", now=T2)
        ingest(s, issue(page(1, B)), "a.txt")
    db = sqlite3.connect(tmp_path / "var" / DB_NAME)
    db.execute("DROP INDEX items_live_by_date")
    db.commit()
    db.close()
    with Store.open(tmp_path / "var") as s:
        assert s.issue_dates() == [DAY, T2.date()]
        plan = " ".join(row[-1] for row in s._db.execute("EXPLAIN QUERY PLAN " + ISSUE_DATES))
    assert "items_live_by_date" in plan


def test_issue_dates_are_the_issues_with_a_live_entry(tmp_path: Path) -> None:
    """An issue whose entries were all retracted (a page corrected to none) is not listed; each
    stored issue is looked up in the index of live items by date (a seek each), the same dates
    as a walk of every live item gives."""
    with Store.open(tmp_path / "var") as s:
        ingest(s, issue(page(1, A), day=T2.date()), "b.txt", now=T2)
        ingest(s, issue(page(1, B)), "a.txt")
        ingest(s, issue(page(1, C), day=dt.date(2023, 6, 28)), "c.txt", now=T2)
        ingest(s, issue(page(1), day=T2.date()), "b-fixed.txt", now=T2)
        assert s.issue_dates() == [DAY, dt.date(2023, 6, 28)]
        walked = s._db.execute(
            "SELECT DISTINCT issue_date FROM items WHERE retracted = 0 ORDER BY issue_date"
        ).fetchall()
        assert [dt.date.fromisoformat(row[0]) for row in walked] == s.issue_dates()
        assert s._db.execute("SELECT COUNT(*) FROM issues").fetchone()[0] == 3
        plan = " ".join(row[-1] for row in s._db.execute("EXPLAIN QUERY PLAN " + ISSUE_DATES))
    assert "SEARCH i USING INDEX items_live_by_date (issue_date=?)" in plan
