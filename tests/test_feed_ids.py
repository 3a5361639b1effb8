"""What an ingest into a large archive read again or worked for, with the same values: a feed's id
by its slug (kept by the `Store`, unless read in a transaction that could be rolled back), a
feed's newest stubs walked in its own order (not joined, then sorted), and a document's entries'
`updated` taken without a Python loop of their own."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from feedsvc.records import PAPER, FeedKind, FeedRef
from feedsvc.render.common import EMPTY_UPDATED, Site, shown
from feedsvc.render.feeds import FeedRenderer, Rendered
from feedsvc.store import Store
from feedsvc.store.schema import _STUBS_OF_FEED, _stub
from tests.render_helpers import bulk_entries, instance_settings, settings
from tests.test_stubs import _ingest_days

_TABLES: tuple[tuple[FeedKind, str], ...] = (("section", "sections"), ("contributor", "contributors"))


def _slug_reads(store: Store) -> list[str]:
    """The statements `store` runs from now on that read a feed id by slug."""
    found: list[str] = []
    store._db.set_trace_callback(lambda sql: found.append(sql) if "WHERE slug = " in sql else None)
    return found


def _add_contributor(store: Store, name: str, slug: str) -> int:
    """A contributor with a feed of its own, inserted as the writer does (its feed id)."""
    cur = store._db.execute("INSERT INTO feeds (kind) VALUES ('contributor')")
    feed_id = int(cur.lastrowid or 0)
    store._db.execute(
        "INSERT INTO contributors (name, slug, feed_id) VALUES (?, ?, ?)", (name, slug, feed_id)
    )
    return feed_id


def test_a_feed_id_is_read_once_per_store_and_is_the_stored_one(tmp_path: Path) -> None:
    settings_ = instance_settings(tmp_path)
    _ingest_days(settings_, tmp_path, 2, dt.date(2021, 5, 3))
    with Store.open(settings_.paths.store, create=False) as store:
        refs = [
            FeedRef(kind=kind, slug=slug)
            for kind, table in _TABLES
            for (slug,) in store._db.execute(f"SELECT slug FROM {table} ORDER BY slug")
        ]
        assert len(refs) > 3
        stored = {
            FeedRef(kind=kind, slug=slug): feed_id
            for kind, table in _TABLES
            for slug, feed_id in store._db.execute(f"SELECT slug, feed_id FROM {table}")
        }
        reads = _slug_reads(store)
        first = [store._feed_id(ref) for ref in refs]
        assert len(reads) == len(refs)
        counts = [store.count(ref) for ref in refs]
        assert [store._feed_id(ref) for ref in refs] == first == [stored[ref] for ref in refs]
        assert len(reads) == len(refs)  # on main: read again at every call
        assert sum(counts) > 0
    with Store.open(settings_.paths.store, create=False) as other:  # each store reads its own
        reads = _slug_reads(other)
        assert [other._feed_id(ref) for ref in refs] == first and len(reads) == len(refs)


def test_a_missing_slug_and_one_read_in_a_rolled_back_transaction_are_not_kept(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store") as store:
        ref = FeedRef(kind="contributor", slug="jia")
        assert store._feed_id(ref) is None
        added = _add_contributor(store, "甲", "jia")  # the slug claimed later: found
        assert store._feed_id(ref) == added
        late = FeedRef(kind="contributor", slug="yi")
        store._db.execute("BEGIN IMMEDIATE")
        gone = _add_contributor(store, "乙", "yi")
        assert store._feed_id(late) == gone
        store._db.execute("ROLLBACK")
        assert store._feed_id(late) is None
        store._db.execute("INSERT INTO feeds (kind) VALUES ('contributor')")  # another id this time
        again = _add_contributor(store, "乙", "yi")
        assert again != gone and store._feed_id(late) == again


def _python_calls(call: Any) -> list[str]:
    """The names of the Python functions `call()` runs."""
    names: list[str] = []

    def profile(frame: FrameType, event: str, _: object) -> None:
        if event == "call":
            names.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return names


def test_a_documents_updated_and_keys_take_no_loop_of_their_own(tmp_path: Path) -> None:
    site = Site.from_settings(settings(tmp_path))
    renderer = FeedRenderer(site, None)
    entries = [Rendered(e) for e in bulk_entries(12)]
    expected = site.local(max(shown(r.entry, r.entry.updated) for r in entries))
    assert renderer.newest(entries) == expected
    assert renderer.newest([]) == site.local(EMPTY_UPDATED)
    names = _python_calls(lambda: renderer.newest(entries))
    assert "<genexpr>" not in names  # on main: a generator frame resumed for each entry
    assert names.count("updated") == len(entries)


def test_the_newest_stubs_are_the_feeds_first_rows_read_without_sorting_them_again(tmp_path: Path) -> None:
    settings_ = instance_settings(tmp_path)
    _ingest_days(settings_, tmp_path, 2, dt.date(2021, 5, 3))
    with Store.open(settings_.paths.store, create=False) as store:
        feeds = [(PAPER, 1)] + [
            (FeedRef(kind=kind, slug=slug), feed_id)
            for kind, table in _TABLES
            for slug, feed_id in store._db.execute(f"SELECT slug, feed_id FROM {table} ORDER BY slug")
        ]
        for ref, feed_id in feeds:
            for limit in (1, 7, 1000):
                rows = store._db.execute(_STUBS_OF_FEED, (feed_id, limit, 0)).fetchall()
                found = store.recent_stubs(ref, limit=limit, generation=-1, form="none")
                assert [entry for entry, _ in found] == [_stub(row, ()) for row in rows]
                assert len(rows) == min(limit, store.count(ref))
        statements: list[str] = []
        store._db.set_trace_callback(statements.append)
        store.recent_stubs(PAPER, limit=5, generation=-1, form="none")
        store._db.set_trace_callback(None)
        (read,) = [sql for sql in statements if "FROM items" in sql or "JOIN items" in sql]
        plan = [row[3] for row in store._db.execute(f"EXPLAIN QUERY PLAN {read}")]
        assert not any("TEMP B-TREE" in step for step in plan), plan  # on main: its joined rows sorted


def test_a_slug_renamed_by_a_config_override_is_not_found_under_its_old_slug(tmp_path: Path) -> None:
    # `_Writer._named` gives a section or contributor the slug a new config override names
    # (`UPDATE sections SET slug = ?`): the old slug then names no feed, in this store as in another
    from tests.test_store import A, ingest, issue, page

    with Store.open(tmp_path / "store") as store:
        ingest(store, issue(page(1, A, section="要闻")), "a.txt")
        old = FeedRef(kind="section", slug="yao-wen")
        assert store.count(old) == 1 and len(store.entries(old)) == 1  # the id read and kept
        ingest(store, issue(page(1, A, section="要闻")), "a.txt", 要闻="yaowen")
        new = FeedRef(kind="section", slug="yaowen")
        assert store.count(new) == 1
        assert store.count(old) == 0  # on ing13: 1, the renamed feed's id kept under the old slug
        assert store.entries(old) == []
        assert store.recent_stubs(old, limit=5, generation=-1, form="none") == []
