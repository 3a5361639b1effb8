"""Open archive pages appended to (`render.append`): an ingest makes each touched feed's open page
from its remembered chain (`store.proofs.PageChain`), the copy on disk and the new entries, without
reading the page's older entries; what it writes is what a regenerate writes, and anything it
cannot prove is read and rendered as before."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from feedsvc import pipeline
from feedsvc.config import Settings
from feedsvc.records import PAPER
from feedsvc.render.common import archive_pages
from feedsvc.render.feeds import SPLICES
from feedsvc.store import DB_NAME, Store
from tests.render_helpers import instance_settings, tree
from tests.test_page_digests import _ingest, _issues, _regenerated, _spy_reads


def _settings(folder: Path) -> Settings:
    """Open pages holding more entries than the subscription documents (5 of pages of 50)."""
    settings = instance_settings(folder, size=50)
    return settings.model_copy(update={"feeds": settings.feeds.model_copy(update={"max_entries": 5})})


def _chains(store_dir: Path) -> dict[int, tuple[int, int]]:
    db = sqlite3.connect(store_dir / DB_NAME)
    try:
        return {f: (n, e) for f, n, e in db.execute("SELECT feed_id, number, entries FROM page_chains")}
    finally:
        db.close()


def test_an_ingest_appends_to_open_pages_without_reading_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    issues = _issues(4)
    for pages in issues[:3]:
        _ingest(settings, tmp_path, pages)
    size, most = settings.feeds.archive_page_size, settings.feeds.max_entries
    with Store.open(settings.paths.store, create=False) as store:
        counts = {info.ref: info.entry_count for info in store.feed_infos()}
    assert counts[PAPER] % size > most  # the open page holds entries beyond the newest `most`
    reads = _spy_reads(monkeypatch)
    SPLICES.clear()
    _ingest(settings, tmp_path, issues[3][:1])
    with Store.open(settings.paths.store, create=False) as store:
        added = {info.ref: info.entry_count - counts.get(info.ref, 0) for info in store.feed_infos()}
    assert SPLICES["appended"] >= 3  # the paper's open page at least, in every format
    # the paper's open page: nothing read beyond the newest entries and the ones its
    # subscription document drops (the page's older entries are neither read nor rendered)
    assert [(limit, offset) for ref, limit, offset in reads if ref == PAPER] == [(added[PAPER], most)]
    assert tree(settings.paths.output, hidden=True) == _regenerated(settings, tmp_path / "re")


def test_a_regenerate_remembers_every_open_page_and_the_next_ingest_appends(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    issues = _issues(3)
    for pages in issues[:2]:
        _ingest(settings, tmp_path, pages)
    db = sqlite3.connect(settings.paths.store / DB_NAME, isolation_level=None)
    try:
        db.execute("DELETE FROM page_chains")
    finally:
        db.close()
    settings.paths.output.joinpath("feed.atom").unlink()  # a regenerate renders it again
    pipeline.regenerate(settings, dt.datetime(2021, 6, 1, 9, tzinfo=dt.UTC))
    with Store.open(settings.paths.store, create=False) as store:
        infos = store.feed_infos()
    size, most = settings.feeds.archive_page_size, settings.feeds.max_entries
    archived = [i for i in infos if archive_pages(i.entry_count, most, size)]  # the others have none
    assert len(archived) > 3
    chains = _chains(settings.paths.store)
    assert len(chains) == len(archived)  # one open page a feed
    expected = sorted(
        (archive_pages(i.entry_count, most, size), (i.entry_count - 1) % size + 1) for i in archived
    )
    assert sorted(chains.values()) == expected
    SPLICES.clear()
    _ingest(settings, tmp_path, issues[2])
    assert SPLICES["appended"] >= 3
    assert tree(settings.paths.output, hidden=True) == _regenerated(settings, tmp_path / "re")


def test_what_cannot_be_proven_is_read_and_rendered_as_before(tmp_path: Path) -> None:
    """A copy on disk that is not the page before (here: gone), and an issue dated before the
    others arriving late (its entries go before the open pages' newest: their remembered newest
    entry is no longer where it was), are rendered as a regenerate renders them."""
    settings = _settings(tmp_path)
    issues = _issues(6)
    for pages in issues[:2] + issues[3:5]:
        _ingest(settings, tmp_path, pages)
    output = settings.paths.output
    gone = set()
    for open_page in (output / "archive").rglob("*.json"):  # each feed's newest page: its JSON
        if not open_page.with_name(f"{int(open_page.stem) + 1}.json").exists():
            open_page.unlink()
            gone.add(open_page.relative_to(output).as_posix())
    SPLICES.clear()
    _ingest(settings, tmp_path, issues[5][:1])
    assert SPLICES["appended: not the page before on disk"] >= 1
    assert SPLICES["appended"] == 0
    made, expected = tree(output, hidden=True), _regenerated(settings, tmp_path / "re")
    assert made == {p: data for p, data in expected.items() if p in made or p not in gone}
    assert len(set(expected) - set(made)) < len(gone)  # the pages of the feeds touched were made
    _ingest(settings, tmp_path, issues[2])  # late
    assert tree(output, hidden=True) == _regenerated(settings, tmp_path / "re2")
