"""Open archive pages appended to (`render.append`): an ingest makes each touched feed's open page
from its remembered chain (`store.proofs.PageChain`), the copy on disk and the new entries, without
reading the page's older entries; what it writes is what a regenerate writes, and anything it
cannot prove is read and rendered as before."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from feedsvc import pipeline
from feedsvc.config import Settings
from feedsvc.records import PAPER, FeedRef
from feedsvc.render.append import appended, open_page
from feedsvc.render.common import Site, archive_pages
from feedsvc.render.feeds import SPLICES, FeedRenderer, Rendered
from feedsvc.render.keys import key_chain
from feedsvc.store import Store
from tests.ingest_helpers import (
    GeneratedPage,
    generated_issues,
    ingest,
    ingest_each,
    regenerated,
    spy_reads,
    store_rows,
    store_sql,
)
from tests.render_helpers import bulk_entries, instance_settings, tree
from tests.render_helpers import settings as render_settings


def _settings(folder: Path) -> Settings:
    """Open pages holding more entries than the subscription documents (5 of pages of 50)."""
    settings = instance_settings(folder, size=50)
    return settings.model_copy(update={"feeds": settings.feeds.model_copy(update={"max_entries": 5})})


def _chains(store_dir: Path) -> dict[int, tuple[int, int]]:
    return {
        f: (n, e) for f, n, e in store_rows(store_dir, "SELECT feed_id, number, entries FROM page_chains")
    }


def test_an_ingest_appends_to_open_pages_without_reading_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    issues = generated_issues(4)
    ingest_each(settings, tmp_path, issues[:3])
    size, most = settings.feeds.archive_page_size, settings.feeds.max_entries
    with Store.open(settings.paths.store, create=False) as store:
        counts = {info.ref: info.entry_count for info in store.feed_infos()}
    assert counts[PAPER] % size > most  # the open page holds entries beyond the newest `most`
    reads = spy_reads(monkeypatch)
    newest: list[tuple[FeedRef, int]] = []
    real = Store.recent_stubs

    def spy(store: Store, ref: FeedRef, *, limit: int, generation: int, form: str) -> Any:
        newest.append((ref, limit))
        return real(store, ref, limit=limit, generation=generation, form=form)

    monkeypatch.setattr(Store, "recent_stubs", spy)
    SPLICES.clear()
    ingest(settings, tmp_path, issues[3][:1])
    with Store.open(settings.paths.store, create=False) as store:
        added = {info.ref: info.entry_count - counts.get(info.ref, 0) for info in store.feed_infos()}
    assert SPLICES["appended"] >= 3  # the paper's open page at least, in every format
    # the paper's open page: nothing read beyond the newest entries and the ones its
    # subscription document drops, as stubs in one query with their remembered keys (the
    # page's older entries are neither read nor rendered)
    assert [limit for ref, limit in newest if ref == PAPER] == [most + added[PAPER]]
    assert [(limit, offset) for ref, limit, offset in reads if ref == PAPER] == []
    assert tree(settings.paths.output, hidden=True) == regenerated(settings, tmp_path / "re")


def test_a_regenerate_remembers_every_open_page_and_the_next_ingest_appends(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    issues = generated_issues(3)
    ingest_each(settings, tmp_path, issues[:2])
    store_sql(settings.paths.store, "DELETE FROM page_chains")
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
    ingest(settings, tmp_path, issues[2])
    assert SPLICES["appended"] >= 3
    assert tree(settings.paths.output, hidden=True) == regenerated(settings, tmp_path / "re")


def test_what_cannot_be_proven_is_read_and_rendered_as_before(tmp_path: Path) -> None:
    """A copy on disk that is not the page before (here: gone), and an issue dated before the
    others arriving late (its entries go before the open pages' newest: their remembered newest
    entry is no longer where it was), are rendered as a regenerate renders them."""
    settings = _settings(tmp_path)
    issues = generated_issues(6)
    ingest_each(settings, tmp_path, issues[:2] + issues[3:5])
    output = settings.paths.output
    gone = set()
    for newest in (output / "archive").rglob("*.json"):  # each feed's newest page: its JSON
        if not newest.with_name(f"{int(newest.stem) + 1}.json").exists():
            newest.unlink()
            gone.add(newest.relative_to(output).as_posix())
    SPLICES.clear()
    ingest(settings, tmp_path, issues[5][:1])
    assert SPLICES["appended: not the page before on disk"] >= 1
    assert SPLICES["appended"] == 0
    made, expected = tree(output, hidden=True), regenerated(settings, tmp_path / "re")
    assert made == {p: data for p, data in expected.items() if p in made or p not in gone}
    assert len(set(expected) - set(made)) < len(gone)  # the pages of the feeds touched were made
    ingest(settings, tmp_path, issues[2])  # late
    assert tree(output, hidden=True) == regenerated(settings, tmp_path / "re2")


@pytest.mark.parametrize("old_name", ["记者 董笑瑜", "首席记者 董笑瑜"])
def test_appended_is_the_page_rendered_whole(tmp_path: Path, old_name: str) -> None:
    """`appended` alone: the page on disk made with the old entries (under the feed's old name:
    a contributor's new role renames the feed), then the new entries appended, is the page
    rendered whole; with a chain that is not the page's, nothing is made."""
    site = Site.from_settings(render_settings(tmp_path / "out", max_entries=5, page_size=20))
    out = tmp_path / "out"
    ref = FeedRef(kind="contributor", slug="dong-xiaoyu")
    everything = [Rendered(e) for e in bulk_entries(9)]  # oldest first
    before = FeedRenderer(site, out).archive(ref, name=old_name, number=1, last=1, page=everything[:6])
    for path, data in before.files:
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
    was = open_page(1, everything[:6], before.chain)
    assert was is not None
    SPLICES.clear()
    fresh = [Rendered(r.entry) for r in everything[6:]]
    made = appended(
        FeedRenderer(site, out), ref, name="首席记者 董笑瑜", last=1, old_last=1, was=was, new=fresh
    )
    assert SPLICES == {"appended": 3}
    whole = FeedRenderer(site, None).archive(ref, name="首席记者 董笑瑜", number=1, last=1, page=everything)
    assert made is not None
    assert made.files == whole.files
    assert (made.digest, made.chain) == (whole.digest, whole.chain)
    other = replace(was, chain=key_chain(r.key for r in everything[1:6]))  # not the page on disk
    assert (
        appended(FeedRenderer(site, out), ref, name=old_name, last=1, old_last=1, was=other, new=fresh)
        is None
    )


def _sized(folder: Path, size: int, most: int) -> Settings:
    settings = instance_settings(folder, size=size)
    return settings.model_copy(update={"feeds": settings.feeds.model_copy(update={"max_entries": most})})


def _one_by_one(settings: Settings, folder: Path, pages: list[GeneratedPage]) -> Counter[str]:
    """Ingest `pages` one at a time, each followed by a comparison with a regenerate of a copy of
    the store; what the splices did, summed."""
    total: Counter[str] = Counter()
    for n, page in enumerate(pages):
        SPLICES.clear()
        ingest(settings, folder, [page])
        total.update(SPLICES)
        made, expected = tree(settings.paths.output, hidden=True), regenerated(settings, folder / f"re{n}")
        assert sorted(p for p in made.keys() | expected.keys() if made.get(p) != expected.get(p)) == [], (
            n,
            page.name,
        )
    return total


@pytest.mark.parametrize(("size", "most"), [(10, 3), (11, 1), (10, 25)])
def test_page_by_page_every_ingest_writes_what_a_regenerate_writes(
    tmp_path: Path, size: int, most: int
) -> None:
    """Open pages appended to one newspaper page at a time, filled up and opened again, with
    subscription documents shorter and longer than the pages."""
    total = _one_by_one(
        _sized(tmp_path, size, most), tmp_path, [p for day in generated_issues(3) for p in day]
    )
    assert total["appended"] > 0


def test_pages_in_random_order_write_what_a_regenerate_writes(tmp_path: Path) -> None:
    """Pages arriving in any order (issues dated earlier arriving late among them)."""
    pages = [p for day in generated_issues(4) for p in day]
    random.Random(2).shuffle(pages)
    total = _one_by_one(_sized(tmp_path, 10, 3), tmp_path, pages)
    assert total["appended"] > 0


def test_the_key_generation_is_read_before_any_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The generation the chains and digests are taken and saved at is read once, at the build's
    start: a write between the build's reads of entries cannot give them a newer generation."""
    settings = _settings(tmp_path)
    issues = generated_issues(3)
    ingest_each(settings, tmp_path, issues[:2])
    calls: list[str] = []
    for name in ("key_generation", "count", "entries", "page_chain", "known_page"):
        real = getattr(Store, name)

        def spy(self: Store, *args: object, _real: Any = real, _name: str = name, **kwargs: object) -> Any:
            calls.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Store, name, spy)
    SPLICES.clear()
    ingest(settings, tmp_path, issues[2][:1])
    assert SPLICES["appended"] >= 3  # chains were taken
    assert calls.count("key_generation") == 1
    assert calls.index("key_generation") < min(calls.index("count"), calls.index("entries"))
