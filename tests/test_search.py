"""The search index: Pagefind bundles made from the store, rebuilt only where articles changed.

These run the real `pagefind` binary (the `pagefind[extended]` dependency) on a few entries.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from feedsvc import lock, search, search_note
from feedsvc.config import PathSettings, Settings, SiteSettings
from feedsvc.records import Entry
from feedsvc.render.bundles import bundle_bound, bundle_of, bundles, window_start
from feedsvc.search_note import SEARCH_PENDING
from tests.e2e_helpers import SAMPLE, drop, wait_for
from tests.fault_helpers import Instance
from tests.render_helpers import FakeSource, entry, fixture_entries, settings, tree

OLD = entry(dt.date(2022, 12, 30), 1, 1, title="去年年底的旧闻", paragraphs=("本报讯 江东大桥完成检测。",))


def edit(e: Entry, **update: object) -> Entry:
    return e.model_copy(update={"updated": e.updated + dt.timedelta(hours=1), **update})


def _settings(out: Path) -> Settings:
    return settings(out).model_copy(update={"site": SiteSettings(search=True)})


def test_bundles_split_the_latest_month_from_the_years() -> None:
    days = [dt.date(2022, 12, 30), dt.date(2023, 5, 31), dt.date(2023, 6, 1), dt.date(2023, 6, 26)]
    start = window_start(days)
    assert start == dt.date(2023, 6, 1)
    assert [bundle_of(d, start) for d in days] == ["2022", "2023", "recent", "recent"]
    assert bundles(days) == ["recent", "2023", "2022"]
    assert bundle_bound("2023", start) == "2023 until 2023-06-01"
    assert bundle_bound("2022", start) == "2022 until 2023-01-01"
    assert window_start([]) is None and bundles([]) == []


def test_update_builds_changed_bundles_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    s = _settings(out)
    entries = [*fixture_entries(), OLD]
    source = FakeSource(entries)
    written = search.update(source, s)
    assert f"pagefind/recent/{search.ENTRY}" in written and f"pagefind/2022/{search.ENTRY}" in written
    meta = json.loads((out / "pagefind/recent" / search.ENTRY).read_bytes())
    assert meta["languages"]["zh-cn"]["page_count"] == 6
    # no *.json in the bundles (a feed checker would take it for a JSON Feed); the scripts load ENTRY
    assert not [p for p in (out / "pagefind").rglob("*.json")]
    script = (out / "pagefind/recent/pagefind.js").read_bytes()
    assert search.ENTRY.encode() in script and search.PAGEFIND_ENTRY.encode() not in script
    first = tree(out)

    assert search.update(source, s) == []  # nothing changed: nothing indexed or written
    assert search.update(source, s, {dt.date(2023, 6, 26)}) == []  # same articles: digest matches

    corrected = edit(entries[3], title="更正后的标题")
    source.set([corrected if e.id == corrected.id else e for e in entries])
    changed = search.update(source, s, {corrected.issue_date})
    assert changed and all(p.startswith("pagefind/recent/") for p in changed)  # 2022 left alone
    assert {p: d for p, d in tree(out).items() if p.startswith("pagefind/2022/")} == {
        p: d for p, d in first.items() if p.startswith("pagefind/2022/")
    }

    source.set([e for e in entries if e.issue_date.year == 2023])  # 2022 retracted
    search.update(source, s, {OLD.issue_date})
    assert not (out / "pagefind/2022").exists()


def test_the_same_store_gives_the_same_bundle(tmp_path: Path) -> None:
    source = FakeSource(fixture_entries())
    search.update(source, _settings(tmp_path / "a"))
    search.update(source, _settings(tmp_path / "b"))
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


@pytest.mark.e2e
def test_the_daemon_indexes_once_the_inbox_is_quiet(tmp_path: Path) -> None:
    inst = Instance(tmp_path / "inst")
    inst.config.write_text(inst.config.read_text(encoding="utf-8").replace("search = false", "search = true"),
                           encoding="utf-8")  # fmt: skip
    daemon = inst.start_daemon()
    entry_file = inst.output / "pagefind" / "recent" / search.ENTRY
    try:
        drop(inst.inbox, SAMPLE.name, SAMPLE.read_bytes())
        wait_for("the search index", entry_file.is_file, timeout=120)
        wait_for("the note cleared", lambda: not (inst.store / SEARCH_PENDING).exists(), timeout=30)
        assert (inst.output / "feed.atom").is_file()
        assert json.loads(entry_file.read_bytes())["languages"]["zh-cn"]["page_count"] == 6
    finally:
        daemon.stop()
    assert "search index:" in daemon.logs()


def test_one_indexer_at_a_time_and_notes_are_not_lost(tmp_path: Path) -> None:
    s = _settings(tmp_path / "out").model_copy(
        update={"paths": PathSettings(output=tmp_path / "out", store=tmp_path / "var")}
    )
    s.paths.store.mkdir()
    with lock.searcher(s.paths.store) as first, lock.searcher(s.paths.store) as second:
        assert first and not second
    d1, d2 = dt.date(2023, 6, 26), dt.date(2023, 6, 27)
    search_note.later(s, {d1})
    assert search_note.pending(s)
    assert search_note.take(s) == {d1}  # an index build starts, then fails: the note is kept
    search_note.later(s, {d2})  # an ingest meanwhile
    assert search_note.take(s) == {d1, d2}
    search_note.later(s, None)
    assert search_note.take(s) is None  # "all"
