"""A regenerate with worker processes that read the store themselves (`render.pool`): the same
bytes as one made in a single process, whatever the order of the paper's feed and whatever is
current on disk, and the same when the pool breaks or the build stops."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path

import pytest

from feedsvc.config import Settings
from feedsvc.parse import parse_bytes
from feedsvc.publish import build_all, write
from feedsvc.records import PAPER, FeedInfo
from feedsvc.render.common import html_path
from feedsvc.render.feeds import Outputs
from feedsvc.store import Store
from tests.render_helpers import settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.issue import ArchiveSpec, iter_issues  # noqa: E402

CST = dt.timezone(dt.timedelta(hours=8))
EARLY = 3  # this issue came in the evening before the issue before it was printed


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Six issues in a store, one of which was published before the issue before it: the paper's
    feed lists it before that issue, against the order of issue dates."""
    folder = tmp_path_factory.mktemp("store")
    conf = _settings(folder / "unused")
    spec = ArchiveSpec(start=dt.date(2021, 5, 1), days=6, seed=7, contributors=10)
    s = Store.open(folder)
    for n, pages in enumerate(iter_issues(spec)):
        day = pages[0].date
        now = dt.datetime.combine(day, dt.time(8), tzinfo=CST)
        if n == EARLY:
            now = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(4), tzinfo=CST)
        data = "\f".join(p.text for p in pages).encode()
        sub = s.add_submission(f"qiantang-{day}.txt", data, now)
        s.apply(parse_bytes(data, source=sub.name), submission_id=sub.id, settings=conf, now=now)
    return s


def _settings(output: Path) -> Settings:
    return settings(output, max_entries=10, page_size=15)


def _days_in_feed_order(store: Store) -> list[dt.date]:
    return list(dict.fromkeys(e.issue_date for e in reversed(store.entries(PAPER))))


def test_the_store_lists_an_issue_before_the_one_printed_before_it(store: Store) -> None:
    days = _days_in_feed_order(store)
    assert days != sorted(days) and len(days) == 6


def test_workers_make_the_same_bytes_as_one_process(store: Store, tmp_path: Path) -> None:
    alone = dict(build_all(store, _settings(tmp_path / "a"), workers=0))
    pooled = dict(build_all(store, _settings(tmp_path / "b"), workers=2))
    assert pooled.keys() == alone.keys()
    assert [p for p in alone if pooled[p] != alone[p]] == []
    assert sum(p.startswith("articles/") for p in alone) == store.count(PAPER)
    assert sum(p.startswith("issues/2021/") for p in alone) == 6


def test_workers_render_only_what_is_not_current(store: Store, tmp_path: Path) -> None:
    alone = dict(build_all(store, _settings(tmp_path / "a"), workers=0))
    out = tmp_path / "c"
    write(out, ((p, d) for p, d in alone.items() if not p.endswith(("01.html", "/03.html"))))
    again = build_all(store, _settings(out), workers=2)
    made = {p: d for p, d in again if p.startswith(("articles/", "issues/2021/"))}
    stale = ("01.html", "/03.html")
    assert made == {
        p: d for p, d in alone.items() if p.startswith(("articles/", "issues/2")) and p.endswith(stale)
    }
    assert "issues/2021/05/03.html" in made
    articles = sum(p.startswith("articles/") for p in made)
    assert 0 < articles < store.count(PAPER)
    assert sum(p.startswith("articles/") for p in again.kept) == store.count(PAPER) - articles


def test_documents_out_of_date_over_current_articles_are_rendered_from_the_store(
    store: Store, tmp_path: Path
) -> None:
    """Entries whose article pages are current come back from the workers unrendered and slimmed;
    a feed document holding them that must be made again reads them whole from the store."""
    alone = dict(build_all(store, _settings(tmp_path / "a"), workers=0))
    feeds = (".atom", ".rss", ".json")
    out = tmp_path / "c"
    write(out, ((p, d) for p, d in alone.items() if not p.endswith(feeds)))
    made = dict(build_all(store, _settings(out), workers=2))
    documents = {p: d for p, d in alone.items() if p.endswith(feeds)}
    assert len(documents) > 50
    assert {p: d for p, d in made.items() if p.endswith(feeds)} == documents
    assert not [p for p in made if p.startswith(("articles/", "issues/2"))]


def test_a_broken_pool_is_rendered_here(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    alone = dict(build_all(store, _settings(tmp_path / "a"), workers=0))

    def broken(*args: object, **kw: object) -> None:
        raise BrokenProcessPool("a worker died")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", broken)
    assert dict(build_all(store, _settings(tmp_path / "b"), workers=2)) == alone


def test_a_build_stopped_halfway_ends_its_workers(store: Store, tmp_path: Path) -> None:
    import multiprocessing

    # an earlier build's workers may still be exiting (a finished build lets them go without
    # waiting): only this build's are counted
    before = set(multiprocessing.active_children())
    b = build_all(store, _settings(tmp_path), workers=2)
    for _ in range(10):
        next(b)
    mine = set(multiprocessing.active_children()) - before
    assert mine
    b.close()
    assert not mine & set(multiprocessing.active_children())
    with pytest.raises(StopIteration):
        next(b)


def test_a_feed_is_finished_once_its_newest_entry_is_walked(store: Store, tmp_path: Path) -> None:
    """Its documents and page are made then, not after the whole paper is walked."""
    from feedsvc.render.issues import issue_path

    order = [p for p, _ in build_all(store, _settings(tmp_path), workers=0)]
    last_day = max(store.issue_dates())
    early = [
        info.ref
        for info in store.feed_infos()
        if info.ref.kind != "paper" and store.entries(info.ref, limit=1)[0].issue_date < last_day
    ]
    assert early
    for ref in early:
        assert order.index(f"{ref.stem}.atom") < order.index(issue_path(last_day))
    articles = [n for n, p in enumerate(order) if p.startswith("articles/")]
    assert order.index(f"{PAPER.stem}.atom") > max(articles)  # it holds the newest entry


def test_the_idle_workers_make_the_last_pages_for_people(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once every run is handed out, the pages for people of the feeds finished after that are made
    by the workers, from their entries read whole from the store: the bytes this process makes
    from the slimmed entries (and the paper's, the site's index, here)."""
    from feedsvc.render import pool, regen

    alone = dict(build_all(store, _settings(tmp_path / "a"), workers=0))
    monkeypatch.setattr(regen, "_RUN_DAYS", 1)  # 6 runs, 2 handed out ahead
    monkeypatch.setattr(regen, "_AHEAD", 1)
    handed: list[str] = []
    feed_page = pool.Pool.feed_page

    def spy(self: pool.Pool, info: FeedInfo, ids: Sequence[str]) -> Future[Outputs] | None:
        handed.append(html_path(info.ref))
        return feed_page(self, info, ids)

    monkeypatch.setattr(pool.Pool, "feed_page", spy)
    pooled = list(build_all(store, _settings(tmp_path / "b"), workers=2))
    assert len(pooled) == len(alone) and dict(pooled) == alone
    pages = [html_path(i.ref) for i in store.feed_infos() if i.ref.kind != "paper"]
    assert handed and set(handed) <= set(pages) and len(set(handed)) == len(handed)


def test_pages_for_people_the_pool_cannot_make_are_made_here(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page for people handed to the workers whose worker died is made here, from its entries
    read from the store: every page handed out comes back this way, the same bytes."""
    from concurrent.futures.process import BrokenProcessPool

    from feedsvc.render import pool, regen

    alone = dict(build_all(store, _settings(tmp_path / "a"), workers=0))
    monkeypatch.setattr(regen, "_RUN_DAYS", 1)  # 6 runs, 2 handed out ahead: pages handed out
    monkeypatch.setattr(regen, "_AHEAD", 1)  # once the last run is
    died: list[str] = []
    here: list[str] = []

    def dead(self: pool.Pool, info: FeedInfo, ids: Sequence[str]) -> Future[Outputs]:
        died.append(html_path(info.ref))
        future: Future[Outputs] = Future()
        future.set_exception(BrokenProcessPool("a worker died"))
        return future

    made_here = regen.Walker._feed_page_of

    def spy(self: regen.Walker, info: FeedInfo, ids: list[str]) -> Outputs:
        here.append(html_path(info.ref))
        return made_here(self, info, ids)

    monkeypatch.setattr(pool.Pool, "feed_page", dead)
    monkeypatch.setattr(regen.Walker, "_feed_page_of", spy)
    assert dict(build_all(store, _settings(tmp_path / "b"), workers=2)) == alone
    assert died and here == died
