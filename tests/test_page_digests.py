"""Full archive pages' digests remembered in the store (`store.proofs`): an ingest proves an older
page current without reading its entries, and never takes a remembered digest once a stored
entry's key or the page's entries may have changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from feedsvc import pipeline
from feedsvc.records import PAPER, FeedRef
from feedsvc.render import common, keys
from feedsvc.render.common import Site
from feedsvc.render.feeds import FeedRenderer, Rendered
from feedsvc.store import DB_NAME, Store
from tests.ingest_helpers import (
    NOW,
    generated_issues,
    give_everyone_a_new_role,
    ingest,
    ingest_each,
    regenerated,
    spy_reads,
    store_sql,
)
from tests.render_helpers import bulk_entries, instance_settings, tree
from tests.render_helpers import settings as render_settings


def test_an_ingest_reads_no_older_page_whose_digest_is_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = instance_settings(tmp_path)
    issues = generated_issues(5)
    ingest_each(settings, tmp_path, issues[:4])
    size = settings.feeds.archive_page_size
    with Store.open(settings.paths.store, create=False) as store:
        before = store.key_generation()
        counts = {info.ref: info.entry_count for info in store.feed_infos()}
    reads = spy_reads(monkeypatch)
    ingest(settings, tmp_path, issues[4])
    with Store.open(settings.paths.store, create=False) as store:
        assert store.key_generation() == before  # new entries change no stored key
        added = {info.ref: info.entry_count - counts.get(info.ref, 0) for info in store.feed_infos()}
    assert added[PAPER] > size  # pages filled: the walk went past several
    walked = {ref for ref, _, _ in reads}
    assert walked  # the walk read pages (the entries documents drop come with the newest now)
    older = [(ref, offset) for ref, limit, offset in reads if limit == size and offset >= added[ref]]
    assert older == []  # every page holding no new entry proved from its remembered digest
    assert tree(settings.paths.output, hidden=True) == regenerated(settings, tmp_path / "re")


def test_a_regenerate_remembers_the_pages_an_ingest_proves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = instance_settings(tmp_path)
    issues = generated_issues(5)
    ingest_each(settings, tmp_path, issues[:4])
    store_sql(settings.paths.store, "DELETE FROM page_digests")  # none remembered by the ingests
    pipeline.regenerate(settings, NOW)
    with Store.open(settings.paths.store, create=False) as store:
        counts = {info.ref: info.entry_count for info in store.feed_infos()}
    reads = spy_reads(monkeypatch)
    ingest(settings, tmp_path, issues[4])
    with Store.open(settings.paths.store, create=False) as store:
        added = {info.ref: info.entry_count - counts.get(info.ref, 0) for info in store.feed_infos()}
    size = settings.feeds.archive_page_size
    assert [(ref, offset) for ref, limit, offset in reads if limit == size and offset >= added[ref]] == []
    assert tree(settings.paths.output, hidden=True) == regenerated(settings, tmp_path / "re")


def test_a_stale_page_on_disk_is_rendered_though_its_digest_is_remembered(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    issues = generated_issues(4)
    ingest_each(settings, tmp_path, issues[:3])
    output = settings.paths.output
    numbers = sorted(int(p.stem) for p in (output / "archive" / PAPER.stem).glob("*.atom"))
    older = output / "archive" / PAPER.stem / f"{numbers[-2]}.rss"
    older.write_bytes(b"stale")  # one format of the page before the open one
    ingest(settings, tmp_path, issues[3])
    assert tree(output, hidden=True) == regenerated(settings, tmp_path / "re")


def test_an_issue_dated_earlier_arriving_late_moves_pages_and_they_are_rendered(tmp_path: Path) -> None:
    """Pages count from the oldest entry: an earlier issue shifts every later page's entries
    without changing any stored key; the remembered digests of those pages are not taken."""
    settings = instance_settings(tmp_path)
    issues = generated_issues(6)
    ingest_each(settings, tmp_path, issues[:2] + issues[3:])
    ingest(settings, tmp_path, issues[2])
    assert tree(settings.paths.output, hidden=True) == regenerated(settings, tmp_path / "re")


def test_a_new_slug_in_older_pages_is_not_taken_from_memory(tmp_path: Path) -> None:
    """A slug override that comes into force renames a contributor in every stored entry of
    theirs, though the plan lists only the new issue's: the paper's page before its open one,
    holding such an entry, is rendered again as a regenerate renders it (its remembered digest
    is not taken: the rename counted)."""
    settings = instance_settings(tmp_path)
    issues = generated_issues(5)
    ingest_each(settings, tmp_path, issues[:4])
    size = settings.feeds.archive_page_size
    with Store.open(settings.paths.store, create=False) as store:
        count = store.count(PAPER)
        older = store.entries(PAPER, limit=size, offset=count % size)  # the page before the open one
    names = [p.name for e in older for p in e.contributors]
    name = next(n for n in names if any(n in page.text for page in issues[4]))
    renamed = settings.model_copy(update={"slugs": {name: "renamed-person"}})
    ingest(renamed, tmp_path, issues[4])
    page = f"archive/{PAPER.stem}/{count // size}.atom"  # full before the ingest: the walk stops there
    want = regenerated(renamed, tmp_path / "re")
    assert b"renamed-person" in want[page]
    assert tree(settings.paths.output, hidden=True)[page] == want[page]


def _store(tmp_path: Path) -> Path:
    settings = instance_settings(tmp_path)
    ingest(settings, tmp_path, generated_issues(2)[0])
    return settings.paths.store


def _first(db: sqlite3.Connection, sql: str) -> Any:
    return db.execute(sql).fetchone()[0]


# Each a write that could change a stored entry's key or a feed's membership.
KEY_WRITES: dict[str, Callable[[sqlite3.Connection], object]] = {
    "an item edited": lambda db: db.execute("UPDATE items SET updated = updated WHERE id = 1"),
    "an item retracted": lambda db: db.execute("DELETE FROM feed_members WHERE item_id = 1"),
    "a contributor's slug": lambda db: db.execute("UPDATE contributors SET slug = slug || '-2' WHERE id = 1"),
    "a contributor's name": lambda db: db.execute("UPDATE contributors SET name = name || '甲' WHERE id = 1"),
    "a section's slug": lambda db: db.execute("UPDATE sections SET slug = slug || '-2' WHERE id = 1"),
    "a page's section": lambda db: db.execute("UPDATE pages SET section_id = NULL"),
    "an item's people": lambda db: db.execute("DELETE FROM item_contributors WHERE item_id = 1"),
    "an item's photo": lambda db: db.execute("DELETE FROM item_images WHERE item_id = 1"),
    "a photo's bytes": lambda db: db.execute(
        "INSERT OR REPLACE INTO images VALUES ('images/a.jpg', '2021-05-03', 1, x'ffd8ffd9')"
    ),
}


@pytest.mark.parametrize("what", sorted(KEY_WRITES))
def test_every_write_that_could_change_a_key_counts(tmp_path: Path, what: str) -> None:
    folder = _store(tmp_path)
    Store.open(folder, create=False).close()  # tables and triggers made
    db = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    try:
        db.execute("INSERT INTO images VALUES ('images/a.jpg', '2021-05-03', 1, x'ffd8')")
        db.execute("INSERT INTO item_images VALUES (1, 0, 'images/a.jpg', 10, 10, '[0, 0, 1, 1]')")
        before = _first(db, "SELECT n FROM key_generation")
        KEY_WRITES[what](db)
        assert _first(db, "SELECT n FROM key_generation") > before
    finally:
        db.close()


def test_writes_that_change_no_stored_key_do_not_count(tmp_path: Path) -> None:
    """A contributor's newest role (every issue sets it) names their feed: the page's place, not
    an entry's key. A photo nobody carries yet (a new issue's) is no stored entry's."""
    folder = _store(tmp_path)
    with Store.open(folder, create=False) as store:
        before = store.key_generation()
    db = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    try:
        db.execute("UPDATE contributors SET role = '首席记者', role_date = '2030-01-01'")
        db.execute("INSERT INTO images VALUES ('images/new.jpg', '2021-05-04', 1, x'ffd8')")
        assert _first(db, "SELECT n FROM key_generation") == before
    finally:
        db.close()


def test_a_remembered_digest_is_only_taken_for_the_same_place_entries_and_generation(tmp_path: Path) -> None:
    folder = _store(tmp_path)
    with Store.open(folder, create=False) as store:
        from feedsvc.store.proofs import PageDigest

        newest = store.entries(PAPER, limit=1, offset=3)[0]
        gen = store.key_generation()
        digest = PageDigest(
            number=1, place="p", newest=newest.id, published=newest.published, digest="d" * 64
        )
        store.remember_pages([(PAPER, digest)], gen)
        found = store.known_page(PAPER, 1, "p", 3, gen)
        assert found is not None and found.digest == "d" * 64 and found.published == newest.published
        assert store.known_page(PAPER, 1, "other place", 3, gen) is None
        assert store.known_page(PAPER, 1, "p", 4, gen) is None  # another entry at its newest position
        assert store.known_page(PAPER, 2, "p", 3, gen) is None
        assert store.known_page(PAPER, 1, "p", 3, gen + 1) is None
        assert store.known_page(FeedRef(kind="section", slug="none-such"), 1, "p", 3, gen) is None


def test_a_role_that_renames_a_feed_is_not_taken_from_memory(tmp_path: Path) -> None:
    """A contributor's newest role names their feed and changes no stored entry's key: the feed's
    title is part of a remembered digest's place, so every archive page is rendered again."""
    settings = instance_settings(tmp_path)
    issues = generated_issues(8)
    ingest_each(settings, tmp_path, issues[:7])
    give_everyone_a_new_role(settings.paths.store)
    ingest(settings, tmp_path, issues[7])
    got, want = tree(settings.paths.output, hidden=True), regenerated(settings, tmp_path / "re")
    # archive pages only: the feeds of contributors the issue does not touch are not walked
    assert (
        sorted(k for k in got.keys() | want.keys() if k.startswith("archive/") and got.get(k) != want.get(k))
        == []
    )


def test_pages_written_by_an_earlier_render_version_are_rendered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Archive pages and remembered digests made by a feedsvc whose digests were defined otherwise
    (as before `key_chain`) under the RENDER_VERSION before: none is taken by the next ingest."""
    settings = instance_settings(tmp_path)
    issues = generated_issues(4)
    real = keys._place_hash

    def former(site: Any, doc: Any) -> Any:
        h = real(site, doc)
        h.update(b"a former definition\n")
        return h

    with monkeypatch.context() as former_code:
        former_code.setattr(common, "RENDER_VERSION", str(int(common.RENDER_VERSION) - 1))
        former_code.setattr(keys, "_place_hash", former)
        ingest_each(settings, tmp_path, issues[:3])
    db = sqlite3.connect(settings.paths.store / DB_NAME)
    try:
        assert db.execute("SELECT count(*) FROM page_digests").fetchone()[0] > 0
    finally:
        db.close()
    before = tree(settings.paths.output)
    ingest(settings, tmp_path, issues[3])
    got, want = tree(settings.paths.output), regenerated(settings, tmp_path / "re")
    # the archive pages of the feeds the ingest rewrote (others, and article pages, wait for the
    # regenerate a new RENDER_VERSION asks for)
    touched = {p.removesuffix(".atom") for p in got if p.endswith(".atom") and got[p] != before.get(p)}
    pages = {
        p
        for p in got.keys() | want.keys()
        if p.startswith("archive/") and p.rpartition("/")[0][8:] in touched
    }
    assert len({p.rpartition("/")[0] for p in pages}) >= 3
    assert sorted(p for p in pages if got.get(p) != want.get(p)) == []


def test_a_store_without_page_chains_forgets_its_page_digests(tmp_path: Path) -> None:
    """A store written before the open pages' chains remembers digests of the former definition."""
    settings = instance_settings(tmp_path)
    ingest(settings, tmp_path, generated_issues(3)[0])
    store_sql(
        settings.paths.store,
        "DROP TABLE page_chains",
        "INSERT OR REPLACE INTO page_digests VALUES (1, 1, 0, 'place', 'newest', '2021-05-03T09:00:00+08:00', 'x')",
    )
    with Store.open(settings.paths.store, create=False):
        pass
    db = sqlite3.connect(settings.paths.store / DB_NAME)
    try:
        assert db.execute("SELECT count(*) FROM page_digests").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM page_chains").fetchone()[0] == 0
    finally:
        db.close()


def test_the_archive_page_digest_is_that_of_its_render_version(tmp_path: Path) -> None:
    """Archive pages on disk and remembered digests are taken while their digest is the one this
    feedsvc computes: a new definition of that digest must come with a new RENDER_VERSION (which
    is in every digest), or pages in the former definition would be kept. On a change of this
    digest, bump RENDER_VERSION and write both here."""
    site = Site.from_settings(render_settings(tmp_path / "out", max_entries=5, page_size=20))
    page = [Rendered(e) for e in bulk_entries(20)]
    digest = FeedRenderer(site, None).archive(PAPER, name="", number=1, last=2, page=page).digest
    assert (common.RENDER_VERSION, digest) == (
        "3",
        "128324aa8095e55a7eeb950d9e6205cadf99ede887bdb458c1e148779634ef4f",
    )
