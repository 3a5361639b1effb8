"""publish: plan, archive paging, incremental builds against regenerate, atomic only-if-changed writes."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Unpack

import pytest

from feedsvc import durable, publish
from feedsvc.errors import PublishError, StoreError
from feedsvc.publish import Plan, build, build_all, plan, remove, write
from feedsvc.records import PAPER, Change, Entry, FeedRef
from tests.render_helpers import (
    AUTHORITY,
    CST,
    DONG,
    YU,
    ZHANG_PHOTO,
    FakeSource,
    Sizes,
    bulk_entries,
    check_atom,
    check_json_feed,
    check_outputs,
    entry,
    fixture_entries,
    settings,
    tree,
)

ARCHIVE = "archive/feed"
DONG_REF = FeedRef(kind="contributor", slug="dong-xiaoyu")
YU_REF = FeedRef(kind="contributor", slug="yu-jiawei")


def regenerate(source: FakeSource, out: Path, **kw: Unpack[Sizes]) -> tuple[list[str], list[str]]:
    """build_all, write, remove obsolete: (written, removed)."""
    b = build_all(source, settings(out, **kw))
    written = write(out, b)
    return written, remove(out, b.obsolete)


def ingest(
    source: FakeSource, out: Path, changes: list[Change], **kw: Unpack[Sizes]
) -> tuple[list[str], list[str]]:
    """Apply changes to the source, then build the plan, write, remove obsolete."""
    for change in changes:
        source.replace(change.before, change.after)
    b = build(source, plan(changes), settings(out, **kw))
    written = write(out, b)
    return written, remove(out, b.obsolete)


def links(data: bytes) -> dict[str, str]:
    return {link.rel: link.href for link in check_atom(data).feed.links}


# ------------------------------------------------------------------------------------ paging


def test_archive_pages_chain(tmp_path: Path) -> None:
    out = dict(build_all(FakeSource(bulk_entries(120)), settings(tmp_path, page_size=50, max_entries=20)))
    check_outputs(out.items())
    pages = sorted(p for p in out if p.startswith(f"{ARCHIVE}/"))
    assert pages == [f"{ARCHIVE}/{n}.{ext}" for n in (1, 2, 3) for ext in ("atom", "json", "rss")]
    base = "https://paper.example/news/"

    sub = links(out["feed.atom"])
    assert sub["prev-archive"] == f"{base}{ARCHIVE}/3.atom"
    assert len(check_atom(out["feed.atom"]).entries) == 20
    for n, count in ((1, 50), (2, 50), (3, 20)):
        data = out[f"{ARCHIVE}/{n}.atom"]
        assert b"<fh:archive/>" in data and b'xmlns:fh="http://purl.org/syndication/history/1.0"' in data
        rel = links(data)
        assert check_atom(data).feed.id == f"tag:{AUTHORITY}:feed/archive/{n}"
        assert rel["self"] == f"{base}{ARCHIVE}/{n}.atom"
        assert rel["current"] == f"{base}feed.atom"
        assert rel.get("prev-archive") == (f"{base}{ARCHIVE}/{n - 1}.atom" if n > 1 else None)
        assert rel.get("next-archive") == (f"{base}{ARCHIVE}/{n + 1}.atom" if n < 3 else None)
        entries = check_atom(data).entries
        assert len(entries) == count
        published = [(e.published, e.id) for e in entries]
        assert [p for p, _ in published] == sorted(p for p, _ in published)  # oldest first

    # every entry is in exactly one archive page, in chronological order across pages
    ids = [e.id for n in (1, 2, 3) for e in check_atom(out[f"{ARCHIVE}/{n}.atom"]).entries]
    assert ids == [e.id for e in reversed(FakeSource(bulk_entries(120)).entries(PAPER))]

    # JSON: next_url from the subscription document to the newest page, then to older ones
    urls, doc = [], check_json_feed(out["feed.json"])
    while "next_url" in doc:
        urls.append(doc["next_url"])
        doc = check_json_feed(out[doc["next_url"].removeprefix(base)])
        assert doc["feed_url"] == f"{base}feed.json"
    assert urls == [f"{base}{ARCHIVE}/{n}.json" for n in (3, 2, 1)]


def test_full_pages_do_not_change_when_entries_arrive(tmp_path: Path) -> None:
    kw: Sizes = {"page_size": 50, "max_entries": 20}
    entries = bulk_entries(121)
    before = dict(build_all(FakeSource(entries[:120]), settings(tmp_path, **kw)))
    after = dict(build_all(FakeSource(entries), settings(tmp_path, **kw)))
    for n in (1, 2):
        for ext in ("atom", "json"):
            assert before[f"{ARCHIVE}/{n}.{ext}"] == after[f"{ARCHIVE}/{n}.{ext}"]
    assert before[f"{ARCHIVE}/3.atom"] != after[f"{ARCHIVE}/3.atom"]


def test_a_page_that_fills_is_final_and_the_open_page_may_be_empty(tmp_path: Path) -> None:
    kw: Sizes = {"page_size": 50, "max_entries": 20}
    entries = bulk_entries(101, per_day=1)  # the new entry is the newest in the store's order too
    full = dict(build_all(FakeSource(entries[:100]), settings(tmp_path, **kw)))
    check_outputs(full.items())
    assert check_atom(full[f"{ARCHIVE}/3.atom"]).entries == []  # the open page, empty for now
    assert links(full["feed.atom"])["prev-archive"].endswith(f"{ARCHIVE}/3.atom")
    more = dict(build_all(FakeSource(entries), settings(tmp_path, **kw)))
    assert full[f"{ARCHIVE}/2.atom"] == more[f"{ARCHIVE}/2.atom"]
    assert len(check_atom(more[f"{ARCHIVE}/3.atom"]).entries) == 1


def test_no_archive_when_everything_fits(tmp_path: Path) -> None:
    out = dict(build_all(FakeSource(bulk_entries(50)), settings(tmp_path, page_size=10, max_entries=50)))
    assert not [p for p in out if p.startswith("archive/")]
    assert "prev-archive" not in links(out["feed.atom"])
    assert "next_url" not in json.loads(out["feed.json"])


# -------------------------------------------------------------------------------------- plan


def edit(e: Entry, **update: object) -> Entry:
    return e.model_copy(update={"updated": e.updated + dt.timedelta(hours=1), **update})


def test_plan_add_edit_retract() -> None:
    a, b, c = fixture_entries()[2:5]
    p = plan([Change(before=None, after=a)])
    assert p.feeds == frozenset(a.feeds())
    assert p.articles == (a,)
    assert not p.deleted_articles
    assert p.pages == {"index.html", "feeds.opml", "issues/index.html", "search.html", "sections/yaowen.html",
                       "contributors/dong-xiaoyu.html", "contributors/yu-jiawei.html"}  # fmt: skip
    assert p.since == a.published
    assert p.issues == {a.issue_date}

    b2 = edit(b, title="更正后的标题")
    p = plan([Change(before=b, after=b2)])
    assert p.articles == (b2,) and not p.deleted_articles
    assert p.feeds == frozenset(b.feeds())

    p = plan([Change(before=c, after=None)])
    assert p.articles == () and p.deleted_articles == {c.path}
    assert p.feeds == frozenset(c.feeds())

    assert not plan([])
    assert plan([]) == Plan()


def test_plan_contributor_removed_and_page_moved() -> None:
    a = fixture_entries()[2]  # 董笑瑜 and 郁佳炜
    moved = edit(a, contributors=(DONG,), path="articles/2023/06/26/p1-09.html")
    p = plan([Change(before=a, after=moved)])
    assert YU_REF in p.feeds and DONG_REF in p.feeds
    assert "contributors/yu-jiawei.html" in p.pages
    assert p.articles == (moved,) and p.deleted_articles == {a.path}


def test_plan_applies_changes_in_order() -> None:
    a = fixture_entries()[2]
    p = plan([Change(before=None, after=a), Change(before=a, after=None)])
    assert p.articles == () and p.deleted_articles == {a.path}
    other = fixture_entries()[3].model_copy(update={"path": a.path})  # takes over the path
    p = plan([Change(before=a, after=None), Change(before=None, after=other)])
    assert p.articles == (other,) and not p.deleted_articles


# --------------------------------------------------------------- incremental = regenerate


def assert_same_as_regenerate(source: FakeSource, out: Path, tmp_path: Path, **kw: Unpack[Sizes]) -> None:
    fresh = tmp_path / "fresh"
    regenerate(source, fresh, **kw)
    assert tree(out) == tree(fresh)


@pytest.mark.parametrize("kw", [Sizes(), Sizes(page_size=10, max_entries=5)])
def test_incremental_builds_match_regenerate(tmp_path: Path, kw: Sizes) -> None:
    entries = fixture_entries() + bulk_entries(40, start=dt.date(2023, 5, 1))
    source = FakeSource(entries)
    out = tmp_path / "out"
    regenerate(source, out, **kw)
    assert_same_as_regenerate(source, out, tmp_path / "1", **kw)

    new = entry(dt.date(2023, 6, 28), 1, 1, people=(YU, ZHANG_PHOTO))
    written, removed = ingest(source, out, [Change(before=None, after=new)], **kw)
    assert new.path in written and "feed.atom" in written and not removed
    assert_same_as_regenerate(source, out, tmp_path / "2", **kw)

    old = entries[-1]  # an old entry corrected: its archive page changes
    ingest(source, out, [Change(before=old, after=edit(old, title="更正"))], **kw)
    assert_same_as_regenerate(source, out, tmp_path / "3", **kw)

    taken = entries[-5]  # an old entry retracted: later pages shift
    written, removed = ingest(source, out, [Change(before=taken, after=None)], **kw)
    assert taken.path in removed
    assert_same_as_regenerate(source, out, tmp_path / "4", **kw)


def test_retraction_removes_article_and_emptied_feeds(tmp_path: Path) -> None:
    source = FakeSource(fixture_entries())
    out = tmp_path / "out"
    regenerate(source, out)
    photo = fixture_entries()[1]  # the only entry of 民生 and one of 张祥荣's two
    assert (out / "sections/min-sheng.atom").exists()
    _, removed = ingest(source, out, [Change(before=photo, after=None)])
    assert sorted(removed) == sorted([photo.path, "sections/min-sheng.atom", "sections/min-sheng.json",
                                      "sections/min-sheng.rss", "sections/min-sheng.html"])  # fmt: skip
    assert (out / "contributors/zhang-xiangrong.atom").exists()
    assert_same_as_regenerate(source, out, tmp_path)


def test_contributor_taken_off_their_only_entry(tmp_path: Path) -> None:
    entries = fixture_entries()
    source = FakeSource(entries)
    out = tmp_path / "out"
    regenerate(source, out)
    # 张祥荣 credited on two entries: take him off both, his feed goes
    changes = [
        Change(before=e, after=edit(e, contributors=(DONG,)))
        for e in entries
        if ZHANG_PHOTO in e.contributors
    ]
    _, removed = ingest(source, out, changes)
    assert {"contributors/zhang-xiangrong.atom", "contributors/zhang-xiangrong.json",
            "contributors/zhang-xiangrong.rss", "contributors/zhang-xiangrong.html"} <= set(removed)  # fmt: skip
    assert b"zhang-xiangrong" not in (out / "feeds.opml").read_bytes()
    assert_same_as_regenerate(source, out, tmp_path)


def test_regenerate_removes_what_is_no_longer_produced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    regenerate(FakeSource(bulk_entries(30)), out, page_size=10, max_entries=5)
    (out / "archive/feed/.hidden").write_text("left alone")
    (out / "archive/feed/.1.atom.x1.feedsvc-tmp").write_text("leftover")
    (out / "robots.txt").write_text("left alone")
    _, removed = regenerate(FakeSource(bulk_entries(3)), out, page_size=10, max_entries=5)
    assert "archive/feed/1.atom" in removed and "archive/feed/.1.atom.x1.feedsvc-tmp" in removed
    assert not (out / "archive/contributors").exists()
    assert (out / "archive/feed/.hidden").exists() and (out / "robots.txt").exists()
    assert sorted(p for p in tree(out) if p != "robots.txt") == sorted(
        dict(build_all(FakeSource(bulk_entries(3)), settings(tmp_path / "x")))
    )


def test_current_archive_pages_are_not_rendered_again(tmp_path: Path) -> None:
    kw: Sizes = {"page_size": 10, "max_entries": 5}
    entries = bulk_entries(45)
    out = tmp_path / "out"
    regenerate(FakeSource(entries), out, **kw)
    again = build_all(FakeSource(entries), settings(out, **kw))
    produced = dict(again)
    assert not [p for p in produced if p.startswith(("archive/", "articles/"))]  # all current, open pages too
    assert entries[0].path in again.kept
    assert {
        "archive/feed/1.atom",
        "archive/feed/5.json",
        "archive/contributors/yu-jiawei/2.atom",
    } <= again.kept
    assert not again.obsolete
    assert write(out, produced.items()) == []

    corrected = edit(entries[3], title="更正")  # in page 1 of the paper and of 董笑瑜
    source = FakeSource([corrected if e.id == corrected.id else e for e in entries])
    third = dict(build_all(source, settings(out, **kw)))
    assert "archive/feed/1.atom" in third and "archive/feed/2.atom" not in third
    # the corrected article, and the one after it in its issue (its "previous" link shows the title)
    following = next(
        e for e in entries if e.issue_date == corrected.issue_date and e.page == corrected.page + 1
    )
    assert {p for p in third if p.startswith("articles/")} == {corrected.path, following.path}

    # a page whose digest matches but whose file is damaged or missing is rendered again
    (out / "archive/feed/2.json").unlink()
    assert "archive/feed/2.json" in dict(build_all(FakeSource(entries), settings(out, **kw)))


def test_incremental_build_reads_only_recent_pages(tmp_path: Path) -> None:
    kw: Sizes = {"page_size": 10, "max_entries": 5}
    entries = bulk_entries(300)
    source = FakeSource(entries)
    out = tmp_path / "out"
    regenerate(source, out, **kw)
    new = entry(dt.date(2024, 1, 1), 1, 1, people=(DONG,))
    source.replace(None, new)
    source.calls = 0
    files = dict(build(source, plan([Change(before=None, after=new)]), settings(out, **kw)))
    assert source.calls < 20  # not the 30+ pages of each feed
    assert "archive/feed/1.atom" not in files


def test_store_inconsistency_is_reported(tmp_path: Path) -> None:
    class Liar(FakeSource):
        def count(self, ref: FeedRef) -> int:
            return super().count(ref) + (1 if ref == DONG_REF else 0)

        def feed_infos(self):  # type: ignore[no-untyped-def]
            return [i.model_copy(update={"entry_count": self.count(i.ref)}) for i in super().feed_infos()]

    with pytest.raises(StoreError, match="dong-xiaoyu"):
        dict(build_all(Liar(fixture_entries()), settings(tmp_path)))


def test_obsolete_needs_a_finished_build(tmp_path: Path) -> None:
    b = build_all(FakeSource(fixture_entries()), settings(tmp_path))
    with pytest.raises(RuntimeError):
        _ = b.obsolete
    list(b)
    assert b.obsolete == []


# ------------------------------------------------------------------------------------- write


def test_write_only_changed_files(tmp_path: Path) -> None:
    files = [("a.html", b"one"), ("sub/dir/b.atom", b"two")]
    assert write(tmp_path, files) == ["a.html", "sub/dir/b.atom"]
    old = 1_000_000_000
    for name in ("a.html", "sub/dir/b.atom"):
        os.utime(tmp_path / name, (old, old))
    assert write(tmp_path, [("a.html", b"one"), ("sub/dir/b.atom", b"TWO")]) == ["sub/dir/b.atom"]
    assert (tmp_path / "a.html").stat().st_mtime == old
    assert (tmp_path / "sub/dir/b.atom").read_bytes() == b"TWO"
    assert oct((tmp_path / "a.html").stat().st_mode & 0o777) == "0o644"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.html", "b.atom", "dir", "sub"]


@pytest.mark.parametrize("failing", ["fdatasync", "replace", "write"])
def test_write_failure_keeps_old_file_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    write(tmp_path, [("feed.atom", b"old"), ("index.html", b"old")])

    def boom(*args: object, **kw: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, boom)  # "write": the bytes cannot all be written
    with pytest.raises(PublishError, match=r"feed\.atom.*No space left"):
        write(tmp_path, [("index.html", b"old"), ("feed.atom", b"new")])
    assert (tmp_path / "feed.atom").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.atom", "index.html"]


def test_write_refuses_paths_outside(tmp_path: Path) -> None:
    for bad in ["/etc/passwd", "../x.html", "a/../../x", "a//b", "", "a/./b", "a\\b", "x/", "nul\0"]:
        with pytest.raises(PublishError):
            write(tmp_path / "out", [(bad, b"x")])
        with pytest.raises(PublishError):
            remove(tmp_path / "out", [bad])
    assert not (tmp_path / "out").exists()


def test_write_over_a_folder_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "feed.atom").mkdir()
    with pytest.raises(PublishError, match=r"feed\.atom"):
        write(tmp_path, [("feed.atom", b"x")])


def test_remove_deletes_files_and_empty_folders(tmp_path: Path) -> None:
    write(tmp_path, [("archive/feed/1.atom", b"1"), ("archive/feed/2.atom", b"2"), ("feed.atom", b"f")])
    assert remove(tmp_path, ["archive/feed/1.atom", "missing.atom"]) == ["archive/feed/1.atom"]
    assert (tmp_path / "archive/feed").is_dir()
    assert remove(tmp_path, ["archive/feed/2.atom"]) == ["archive/feed/2.atom"]
    assert not (tmp_path / "archive").exists() and (tmp_path / "feed.atom").exists()


def test_remove_failure_is_a_publish_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, [("feed.atom", b"f")])

    def boom(self: Path, missing_ok: bool = False) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "unlink", boom)
    with pytest.raises(PublishError, match=r"feed\.atom.*Read-only"):
        remove(tmp_path, ["feed.atom"])


def test_build_writes_a_valid_dated_tree(tmp_path: Path) -> None:
    """A regenerate of the fixture: every feed valid, dates +08:00 and not later than the newest entry."""
    out = tmp_path / "out"
    regenerate(FakeSource(fixture_entries()), out)
    files = tree(out)
    check_outputs(files.items())
    newest = dt.datetime(2023, 6, 27, 9, 30, tzinfo=CST)
    for path, data in files.items():
        if path.endswith(".atom"):
            parsed = check_atom(data)
            for stamp in [parsed.feed.updated] + [e.updated for e in parsed.entries]:
                assert stamp.endswith("+08:00") and dt.datetime.fromisoformat(stamp) <= newest


def test_a_renamed_contributor_is_rendered_again(tmp_path: Path) -> None:
    """The store may change a person's role or name without a correction (no new `updated`)."""
    entries = fixture_entries()
    out = tmp_path / "out"
    regenerate(FakeSource(entries), out)
    promoted = DONG.model_copy(update={"role": "首席记者"})
    renamed = [e.model_copy(update={"contributors": tuple(promoted if p == DONG else p for p in e.contributors)})
               for e in entries]  # fmt: skip
    written, _ = regenerate(FakeSource(renamed), out)
    assert "contributors/dong-xiaoyu.atom" in written and "feed.atom" in written
    assert entries[2].path in written  # 董笑瑜's article pages name the new role
    assert "首席记者 董笑瑜" in (out / entries[2].path).read_text()


def _count_syncs(monkeypatch: pytest.MonkeyPatch, syncfs: int = 0) -> dict[str, list[str]]:
    """Each syncfs, fdatasync and fsync of `publish.write` (the path synced), and each rename."""
    seen: dict[str, list[str]] = {"syncfs": [], "fdatasync": [], "fsync": [], "replace": []}
    real = {name: getattr(os, name) for name in ("fdatasync", "fsync", "replace")}

    def syncer(name: str) -> Callable[[int], None]:
        def sync(fd: int) -> None:
            seen[name].append(os.readlink(f"/proc/self/fd/{fd}"))
            real[name](fd)

        return sync

    monkeypatch.setattr(
        durable, "_SYNCFS", lambda fd: seen["syncfs"].append(os.readlink(f"/proc/self/fd/{fd}")) or syncfs
    )
    monkeypatch.setattr(os, "fdatasync", syncer("fdatasync"))
    monkeypatch.setattr(os, "fsync", syncer("fsync"))
    monkeypatch.setattr(
        os, "replace", lambda a, b: seen["replace"].append(os.fspath(a)) or real["replace"](a, b)
    )
    return seen


def test_a_small_write_syncs_only_its_own_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ingest's files (one batch) are fdatasynced each, before their rename, and their folders
    fsynced: never a `syncfs`, which would wait for every other process's dirty data too."""
    files = [(f"sections/{n % 30}/{n}.html", f"page {n}".encode()) for n in range(300)]
    seen = _count_syncs(monkeypatch)
    assert write(tmp_path, files) == [rel for rel, _ in files]
    assert all((tmp_path / rel).read_bytes() == data for rel, data in files)
    assert not seen["syncfs"]
    assert sorted(seen["fdatasync"]) == sorted(seen["replace"]) and len(seen["replace"]) == 300
    new = [str(tmp_path / f"sections/{n}") for n in range(30)] + [str(tmp_path / "sections"), str(tmp_path)]
    assert sorted(seen["fsync"]) == sorted(new)  # the folders made, and where their entries are
    assert not [p for p in tmp_path.rglob(".*")]  # no temporary file left


def test_new_folders_are_durable_in_their_parents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every folder a write makes (those between too) is fsynced, and so is the folder holding it
    (where its entry is), up to the first that was there; folders that were there and hold no
    renamed file are not."""
    (tmp_path / "feeds/articles/2023").mkdir(parents=True)
    (tmp_path / "feeds/articles/2023/05").mkdir()
    files = [(f"articles/2023/06/{d:02d}/p{n}.html", b"page") for d in (1, 2) for n in range(3)]
    files.append(("x/y/z.atom", b"feed"))
    seen = _count_syncs(monkeypatch)
    write(tmp_path / "feeds", files)
    out = tmp_path / "feeds"
    made = ["articles/2023/06", "articles/2023/06/01", "articles/2023/06/02", "x", "x/y"]
    expected = {str(out / rel) for rel in made} | {str(out / "articles/2023"), str(out)}
    assert sorted(seen["fsync"]) == sorted(expected)


def test_each_file_is_durable_before_its_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[tuple[str, str]] = []
    real_sync, real_replace = os.fdatasync, os.replace

    def sync(fd: int) -> None:
        time.sleep(0.001)  # the syncer's threads lag behind the writer
        real_sync(fd)
        order.append(("synced", os.readlink(f"/proc/self/fd/{fd}")))

    monkeypatch.setattr(os, "fdatasync", sync)
    monkeypatch.setattr(
        os, "replace", lambda a, b: order.append(("renamed", os.fspath(a))) or real_replace(a, b)
    )
    write(tmp_path, [(f"{n}.atom", b"x" * n) for n in range(40)])
    renamed = [i for i, (what, _) in enumerate(order) if what == "renamed"]
    assert len(renamed) == 40 and min(renamed) >= 40  # every file synced before the first rename


def test_a_large_write_is_synced_a_batch_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A regenerate: the first batch file by file, each later batch and the folders one syncfs each."""
    files = [(f"articles/{n // 50}/{n}.html", f"page {n}".encode()) for n in range(1200)]  # > 2 batches
    seen = _count_syncs(monkeypatch)
    assert write(tmp_path, files) == [rel for rel, _ in files]
    assert all((tmp_path / rel).read_bytes() == data for rel, data in files)
    assert len(seen["syncfs"]) == 3 and len(seen["fdatasync"]) == 512 and not seen["fsync"]
    assert not [p for p in tmp_path.rglob(".*")]  # no temporary file left


def test_write_falls_back_to_fsync_without_syncfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish, "_BATCH_FILES", 20)
    seen = _count_syncs(monkeypatch, syncfs=-1)  # e.g. ENOSYS
    files = [(f"{n}.atom", b"x" * n) for n in range(60)]
    assert len(write(tmp_path, files)) == 60
    assert len(seen["fdatasync"]) == 20  # the first batch
    assert len(seen["fsync"]) == 41  # each file of the later ones, and the one folder


def test_write_into_new_folders_whatever_the_umask(tmp_path: Path) -> None:
    """Files in folders a write makes are not compared with anything (there is nothing), the last
    bytes given for a path win, and every file is 0644 even under a strict umask."""
    old = os.umask(0o077)
    try:
        written = write(tmp_path, [("new/a.html", b"one"), ("new/deep/b.atom", b"b"), ("new/a.html", b"two")])
    finally:
        os.umask(old)
    assert written == ["new/a.html", "new/deep/b.atom", "new/a.html"]
    assert (tmp_path / "new/a.html").read_bytes() == b"two"
    assert {oct(p.stat().st_mode & 0o777) for p in tmp_path.rglob("*.*")} == {"0o644"}
    assert write(tmp_path, [("new/a.html", b"two"), ("new/deep/b.atom", b"B")]) == ["new/deep/b.atom"]


def test_each_batch_is_listed_before_it_is_renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`listing` sees a batch's paths before any of them is in place; if it fails, none is."""
    monkeypatch.setattr(publish, "_BATCH_FILES", 10)
    seen: list[tuple[list[str], list[str]]] = []

    def listing(rels: list[str]) -> None:
        seen.append((rels, sorted(p.name for p in tmp_path.glob("*.atom"))))

    files = [(f"{n:02d}.atom", b"x" * n) for n in range(25)]
    assert write(tmp_path, files, listing=listing) == [rel for rel, _ in files]
    assert [rels for rels, _ in seen] == [[rel for rel, _ in files[i : i + 10]] for i in (0, 10, 20)]
    assert [there for _, there in seen] == [
        [],
        [rel for rel, _ in files[:10]],
        [rel for rel, _ in files[:20]],
    ]

    def refuse(rels: list[str]) -> None:
        raise PublishError("the manifest: cannot write")

    with pytest.raises(PublishError, match="the manifest"):
        write(tmp_path / "b", files, listing=refuse)
    assert not [p for p in (tmp_path / "b").rglob("*") if p.is_file()]  # nothing renamed, nothing left


def test_a_large_write_makes_files_on_several_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the first batch, files are made on the maker's threads and renamed in order. A second
    write with the same bytes but one writes only that one (its first batch never fills, so it makes
    no maker: `test_makers` has the maker comparing files)."""
    monkeypatch.setattr(publish, "_BATCH_FILES", 10)
    real_open, makers = os.open, set()

    def tracked(path: str, flags: int, mode: int = 0o777) -> int:
        if path.endswith(".feedsvc-tmp"):
            makers.add(threading.current_thread().name)
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", tracked)
    files = [(f"{n % 4}/{n:03d}.atom", b"x" * n) for n in range(95)]
    assert write(tmp_path, files) == [rel for rel, _ in files]
    assert all((tmp_path / rel).read_bytes() == data for rel, data in files)
    assert "feedsvc-write" in makers and any(name.startswith("feedsvc-make") for name in makers)
    again = [(rel, b"changed" if rel == "2/062.atom" else data) for rel, data in files]
    assert write(tmp_path, again) == ["2/062.atom"]
    assert (tmp_path / "2/062.atom").read_bytes() == b"changed"
    assert not [p for p in tmp_path.rglob(".*")]  # no temporary file left


def test_a_failure_on_a_maker_thread_keeps_the_files_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that cannot be written in a later batch: the files before it are in place, none after
    it, no temporary file is left, and the error names it."""
    monkeypatch.setattr(publish, "_BATCH_FILES", 10)
    real_open = os.open

    def full(path: str, flags: int, mode: int = 0o777) -> int:
        if "/.027.atom." in path:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", full)
    files = [(f"d/{n:03d}.atom", b"x" * n) for n in range(45)]
    with pytest.raises(PublishError, match=r"d/027\.atom: cannot write: No space"):
        write(tmp_path, files)
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [f"{n:03d}.atom" for n in range(27)]
