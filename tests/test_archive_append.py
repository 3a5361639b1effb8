"""Archive pages never change once full (RFC 5005): the feed order is append-only within a date.

The pages of an issue often come in one by one and out of order. Each page that comes in after
another page of its date sorts after it (arrival order), so a feed's archive only grows at its open
page, and a reader that cached a full archive page never sees it change.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from pathlib import Path

from feedsvc import pipeline
from feedsvc.config import Settings
from feedsvc.records import PAPER, Entry
from feedsvc.store import DB_NAME, Store
from tests.render_helpers import instance_settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.issue import ArchiveSpec, iter_issues  # noqa: E402

ORDER = (2, 1, 4, 3)  # the order each issue's pages come in


def _archive(output: Path) -> dict[str, bytes]:
    return {
        p.relative_to(output).as_posix(): p.read_bytes() for p in sorted((output / "archive").rglob("*.*"))
    }


def _full_pages(files: dict[str, bytes]) -> dict[str, bytes]:
    """The archive pages that are full: every page of a feed but its newest (the open one)."""
    newest: dict[str, int] = {}
    for path in files:
        folder, _, name = path.rpartition("/")
        newest[folder] = max(newest.get(folder, 0), int(name.partition(".")[0]))
    return {
        path: data
        for path, data in files.items()
        if int(path.rpartition("/")[2].partition(".")[0]) < newest[path.rpartition("/")[0]]
    }


def test_full_archive_pages_never_change_when_pages_arrive_out_of_order(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    spec = ArchiveSpec(start=dt.date(2020, 3, 1), days=8, seed=3, contributors=12)
    inbox = tmp_path / "drops"
    inbox.mkdir()
    full: dict[str, bytes] = {}  # every archive page seen full so far, as first seen
    checked = 0
    for pages in iter_issues(spec):
        by_number = {page.number: page for page in pages}
        for number in ORDER:
            page = by_number[number]
            path = inbox / page.name
            path.write_text(page.text, encoding="utf-8")
            now = dt.datetime.combine(page.date, dt.time(9), tzinfo=dt.timezone(dt.timedelta(hours=8)))
            report = pipeline.ingest_file(settings, path, now)
            assert report.items > 0
            files = _archive(settings.paths.output)
            for rel, data in full.items():
                assert files.get(rel) == data, f"{rel} changed after {page.name} came in"
                checked += 1
            for rel, data in _full_pages(files).items():
                full.setdefault(rel, data)
    # the paper, its sections and many contributors have full pages, checked again and again
    assert sum(rel.startswith("archive/feed/") for rel in full) >= 8
    assert any(rel.startswith("archive/sections/") for rel in full)
    assert checked > 500
    # and the order is arrival order: of one issue, page 3 (last in) is the newest in the paper's feed
    with Store.open(settings.paths.store) as store:
        newest = store.entries(PAPER, limit=200)
    last_day = newest[0].issue_date
    pages_in_order = list(dict.fromkeys(e.page for e in newest if e.issue_date == last_day))
    assert pages_in_order == list(reversed(ORDER))


def test_incremental_output_matches_a_regenerate(tmp_path: Path) -> None:
    """The out-of-order ingests leave the output exactly as a regenerate from the store makes it."""
    settings = instance_settings(tmp_path)
    spec = ArchiveSpec(start=dt.date(2020, 3, 1), days=4, seed=4, contributors=12)
    inbox = tmp_path / "drops"
    inbox.mkdir()
    now = dt.datetime(2020, 3, 10, 9, tzinfo=dt.UTC)
    for pages in iter_issues(spec):
        by_number = {page.number: page for page in pages}
        for number in ORDER:
            path = inbox / by_number[number].name
            path.write_text(by_number[number].text, encoding="utf-8")
            pipeline.ingest_file(settings, path, now)
    output = settings.paths.output
    incremental = {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()}
    fresh = settings.model_copy(
        update={"paths": settings.paths.model_copy(update={"output": tmp_path / "re"})}
    )
    pipeline.regenerate(fresh, now)
    regenerated = {
        p.relative_to(tmp_path / "re").as_posix(): p.read_bytes()
        for p in (tmp_path / "re").rglob("*")
        if p.is_file()
    }
    assert incremental.keys() == regenerated.keys()
    assert [k for k in incremental if incremental[k] != regenerated[k]] == []


def test_a_store_made_before_arrival_keeps_its_order_and_counts(tmp_path: Path) -> None:
    """Opening a store whose `feed_members` has no `arrival` adds it (0 for every item): the feeds
    read as before, the entry counts are unchanged, and pages that come in later append."""
    settings = instance_settings(tmp_path)
    spec = ArchiveSpec(start=dt.date(2020, 3, 1), days=1, seed=5, contributors=12)
    by_number = {page.number: page for page in next(iter_issues(spec))}
    inbox = tmp_path / "drops"
    inbox.mkdir()
    now = dt.datetime(2020, 3, 10, 9, tzinfo=dt.UTC)

    def ingest(number: int) -> None:
        path = inbox / by_number[number].name
        path.write_text(by_number[number].text, encoding="utf-8")
        pipeline.ingest_file(settings, path, now)

    ingest(2)
    ingest(1)
    with Store.open(settings.paths.store) as store:
        infos = store.feed_infos()
        before = {info.ref: [e.id for e in store.entries(info.ref)] for info in infos}
    assert [e.page for e in store_entries(settings)][:1] == [1]  # the last in is the newest
    _drop_arrival(settings.paths.store / DB_NAME)
    with Store.open(settings.paths.store) as store:  # migrated: the same feeds, order and counts
        assert store.feed_infos() == infos
        assert {info.ref: [e.id for e in store.entries(info.ref)] for info in infos} == before
    ingest(4)
    ingest(3)
    entries = store_entries(settings)
    assert list(dict.fromkeys(e.page for e in entries)) == [3, 4, 1, 2]
    assert [e.id for e in entries][-len(before[PAPER]) :] == before[PAPER]
    with Store.open(settings.paths.store) as store:
        assert store.count(PAPER) == len(entries) == sum(len(p.items) for p in by_number.values())


def store_entries(settings: Settings) -> list[Entry]:
    with Store.open(settings.paths.store) as store:
        return store.entries(PAPER)


def _drop_arrival(path: Path) -> None:
    """Make the store look like one made before `arrival` (the schema of version 1 as first shipped)."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.executescript(
            """BEGIN;
            DROP TRIGGER feed_members_count_in; DROP TRIGGER feed_members_count_out;
            CREATE TABLE old_members (
                feed_id INTEGER NOT NULL REFERENCES feeds (id), published_ts INTEGER NOT NULL,
                page INTEGER NOT NULL, position INTEGER NOT NULL, entry_id TEXT NOT NULL,
                item_id INTEGER NOT NULL REFERENCES items (id),
                PRIMARY KEY (feed_id, published_ts DESC, page, position, entry_id)) WITHOUT ROWID;
            INSERT INTO old_members SELECT feed_id, published_ts, page, position, entry_id, item_id
                FROM feed_members;
            DROP TABLE feed_members;
            ALTER TABLE old_members RENAME TO feed_members;
            CREATE UNIQUE INDEX feed_members_by_item ON feed_members (item_id, feed_id);
            CREATE TRIGGER feed_members_count_in AFTER INSERT ON feed_members BEGIN
                UPDATE feeds SET entry_count = entry_count + 1 WHERE id = NEW.feed_id; END;
            CREATE TRIGGER feed_members_count_out AFTER DELETE ON feed_members BEGIN
                UPDATE feeds SET entry_count = entry_count - 1 WHERE id = OLD.feed_id; END;
            ALTER TABLE items DROP COLUMN arrival;
            COMMIT;"""
        )
        assert "arrival" not in json.dumps(db.execute("PRAGMA table_info(items)").fetchall())
    finally:
        db.close()
