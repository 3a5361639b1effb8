"""The keys of each feed's newest entries remembered in the store (`store.proofs`, `recent_keys`):
an ingest reads those entries as stubs with their remembered keys, and the changed entries whole
once, never a feed's newest entries whole; a key is taken only at the same key generation and for
the stub it begins with. Whatever is read, the output is the regenerate's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from feedsvc import pipeline
from feedsvc.records import PAPER, Entry, FeedRef
from feedsvc.render import common, feeds, keys, stubs
from feedsvc.render.keys import entry_key, key_form
from feedsvc.store import Store
from feedsvc.store.proofs import pack_keys, unpack_keys
from tests.ingest_helpers import (
    NOW,
    generated_issues,
    ingest,
    ingest_each,
    regenerated,
    store_rows,
    store_sql,
)
from tests.render_helpers import instance_settings, tree


def _spy_whole(monkeypatch: pytest.MonkeyPatch) -> list[tuple[FeedRef, int | None, int]]:
    """Every read of a feed's entries whole: (feed, limit, offset)."""
    reads: list[tuple[FeedRef, int | None, int]] = []
    real = Store.entries

    def spy(self: Store, ref: FeedRef, *, limit: int | None = None, offset: int = 0) -> Any:
        reads.append((ref, limit, offset))
        return real(self, ref, limit=limit, offset=offset)

    monkeypatch.setattr(Store, "entries", spy)
    return reads


def _remembered(store: Path) -> int:
    return int(store_rows(store, "SELECT count(*) FROM recent_keys")[0][0])


def test_an_ingest_reads_no_feeds_newest_entries_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = instance_settings(tmp_path)
    issues = generated_issues(5)
    ingest_each(settings, tmp_path, issues[:4])
    reads = _spy_whole(monkeypatch)
    ingest(settings, tmp_path, issues[4])
    assert [read for read in reads if read[2] == 0] == []  # (an archive page may be read whole)
    assert tree(settings.paths.output, hidden=True) == regenerated(settings, tmp_path / "re")


def test_a_regenerate_remembers_every_feeds_newest_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = instance_settings(tmp_path)
    issues = generated_issues(4)
    ingest_each(settings, tmp_path, issues[:3])
    store_sql(settings.paths.store, "DELETE FROM recent_keys")
    pipeline.regenerate(settings, NOW)
    with Store.open(settings.paths.store, create=False) as store:
        feeds = len(store.feed_infos())
    assert _remembered(settings.paths.store) == feeds
    reads = _spy_whole(monkeypatch)
    ingest(settings, tmp_path, issues[3])
    assert [read for read in reads if read[2] == 0] == []
    assert tree(settings.paths.output, hidden=True) == regenerated(settings, tmp_path / "re")


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE key_generation SET n = n + 1",  # a stored entry's key may have changed
        "DELETE FROM recent_keys",  # nothing remembered (a store from before the table)
        "DROP TABLE recent_keys",  # a store from before the table: made again when opened
    ],
)
def test_without_remembered_keys_the_newest_entries_are_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    settings = instance_settings(tmp_path)
    issues = generated_issues(4)
    ingest_each(settings, tmp_path, issues[:3])
    store_sql(settings.paths.store, change)
    reads = _spy_whole(monkeypatch)
    ingest(settings, tmp_path, issues[3])
    assert (PAPER, settings.feeds.max_entries, 0) in reads
    assert tree(settings.paths.output, hidden=True) == regenerated(settings, tmp_path / "re")
    assert _remembered(settings.paths.store) > 0  # remembered again for the next ingest


def test_a_remembered_key_is_taken_only_for_its_stub_and_generation(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    ingest(settings, tmp_path, generated_issues(1)[0])
    with Store.open(settings.paths.store, create=False) as store:
        gen = store.key_generation()
        entries = store.entries(PAPER, limit=4)
        keys = [entry_key(e) for e in entries]
        moved = entry_key(entries[1].model_copy(update={"position": entries[1].position + 1}))
        stale = entry_key(entries[2].model_copy(update={"updated": NOW}))
        form = key_form()
        store.remember_recent([(PAPER, [keys[0], moved, stale])], gen, form)
        found = store.recent_stubs(PAPER, limit=4, generation=gen, form=form)
        assert [e.id for e, _ in found] == [e.id for e in entries]
        assert [key for _, key in found] == [keys[0], None, None, None]
        assert all(e.paragraphs == () and e.contributors == () for e, _ in found)  # stubs
        later = store.recent_stubs(PAPER, limit=4, generation=gen + 1, form=form)
        assert [key for _, key in later] == [None] * 4
        store.remember_recent([(PAPER, keys)], gen, form)
        assert [key for _, key in store.recent_stubs(PAPER, limit=4, generation=gen, form=form)] == keys
        other = store.recent_stubs(PAPER, limit=4, generation=gen, form="another")
        assert [key for _, key in other] == [None] * 4  # keys of another definition of entry_key
        none_such = FeedRef(kind="section", slug="none-such")
        assert store.recent_stubs(none_such, limit=4, generation=gen, form=form) == []


def test_a_damaged_blob_of_keys_gives_none() -> None:
    keys = [b"tag:a\t1\n", b"tag:b\t2\n"]
    blob = pack_keys(keys)
    assert unpack_keys(blob) == keys
    assert unpack_keys(blob[:-1]) == []  # cut short
    assert unpack_keys(blob[:-1] + b"x") == []  # a key not ending with its newline
    assert unpack_keys(blob + bytes(4)) == []  # an empty key
    assert unpack_keys(b"") == []


def test_keys_an_older_feedsvc_remembered_are_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade that keys entries otherwise (same id, `updated`, path and position; another tail)
    and renders otherwise: the first ingest after it must not mix the older keys into digests."""
    settings = instance_settings(tmp_path)
    issues = generated_issues(4)

    def older_key(entry: Entry) -> bytes:
        return entry_key(entry) + b"older\n"

    with monkeypatch.context() as older:
        older.setattr(common, "RENDER_VERSION", common.RENDER_VERSION + "-older")
        older.setattr(feeds, "entry_key", older_key)
        older.setattr(keys, "key_form", lambda: "older")
        older.setattr(stubs, "key_form", lambda: "older")
        ingest_each(settings, tmp_path, issues[:3])
    assert _remembered(settings.paths.store) > 0
    before = tree(settings.paths.output)
    ingest(settings, tmp_path, issues[3])  # the upgraded feedsvc
    got, want = tree(settings.paths.output), regenerated(settings, tmp_path / "re")
    written = [p for p in got if got[p] != before.get(p) and not p.startswith(("articles/", "issues/"))]
    assert written
    assert [p for p in written if got[p] != want.get(p)] == []


def test_the_key_form_follows_the_definition_of_entry_key(monkeypatch: pytest.MonkeyPatch) -> None:
    form = key_form()
    key_form.cache_clear()
    monkeypatch.setattr(keys, "entry_key", lambda entry: entry_key(entry) + b"older\n")
    try:
        assert key_form() != form
    finally:
        key_form.cache_clear()
