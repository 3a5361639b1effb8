"""An ingest proves older archive pages current from entry stubs (keys, no text), and renders a page
that is not current from its whole entries; the collector is paused during a publish only."""

from __future__ import annotations

import datetime as dt
import gc
import sys
import threading
from pathlib import Path

import pytest

from feedsvc import collector, pipeline
from feedsvc.config import Settings
from feedsvc.records import PAPER
from feedsvc.render.common import Site
from feedsvc.render.feeds import FORMATS, FeedRenderer
from feedsvc.render.keys import entry_key
from feedsvc.render.stubs import page_entries
from feedsvc.store import Store
from tests.render_helpers import instance_settings, tree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.issue import ArchiveSpec, iter_issues  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))


def _ingest_days(settings: Settings, folder: Path, days: int, start: dt.date) -> None:
    drops = folder / "drops"
    drops.mkdir(exist_ok=True)
    for pages in iter_issues(ArchiveSpec(start=start, days=days, seed=5, contributors=6)):
        for page in pages:
            path = drops / page.name
            path.write_text(page.text, encoding="utf-8")
            pipeline.ingest_file(settings, path, dt.datetime.combine(page.date, dt.time(9), tzinfo=TZ))


def test_stubs_key_as_the_whole_entries_and_render_the_same(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    _ingest_days(settings, tmp_path, 3, dt.date(2021, 5, 3))
    site = Site.from_settings(settings)
    with Store.open(settings.paths.store, create=False) as store:
        whole = store.entries(PAPER, limit=8, offset=3)
        stubs = store.entry_stubs(PAPER, limit=8, offset=3)
        assert [entry_key(e) for e in stubs] == [entry_key(e) for e in whole]
        assert all(not s.paragraphs for s in stubs) and any(e.paragraphs for e in whole)
        renderer = FeedRenderer(site)
        page = page_entries(renderer, store, PAPER, limit=8, offset=3)
        assert [r.entry.paragraphs for r in page] == [() for _ in page]  # not read yet
        fresh = FeedRenderer(site)
        for r, e in zip(page, whole, strict=True):
            assert [r.data(site, i) for i in range(len(FORMATS))] == [
                fresh.rendered(e).data(site, i) for i in range(len(FORMATS))
            ]
            assert r.entry == e  # read whole once its text was needed
        known = renderer.rendered(whole[0])
        assert page_entries(renderer, store, PAPER, limit=1, offset=3) == [known]  # whole already


def test_an_older_page_not_current_is_rendered_whole_as_a_regenerate_would(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    _ingest_days(settings, tmp_path, 3, dt.date(2021, 5, 3))
    output = settings.paths.output
    pages = sorted((output / "archive" / PAPER.stem).glob("*.atom"), key=lambda p: int(p.stem))
    assert len(pages) >= 3
    older = pages[-2]  # the page before the open one: the walk reads it, as stubs
    for fmt in FORMATS:
        (older.with_suffix(f".{fmt.ext}")).write_bytes(b"stale")
    _ingest_days(settings, tmp_path, 1, dt.date(2021, 5, 6))
    incremental = tree(output, hidden=True)
    assert incremental[older.relative_to(output).as_posix()] != b"stale"
    fresh = settings.model_copy(
        update={"paths": settings.paths.model_copy(update={"output": tmp_path / "regenerated"})}
    )
    pipeline.regenerate(fresh, dt.datetime(2021, 5, 7, 9, tzinfo=TZ))
    assert tree(fresh.paths.output, hidden=True) == incremental


def test_the_collector_is_off_in_a_publish_only() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with collector.paused() as state:
        state.resume()
        assert gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # left off, as it was
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("a failed publish")
    assert gc.isenabled()


def test_cycles_made_in_a_publish_are_freed_at_its_end() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    with collector.paused():
        for _ in range(1000):
            Node()
        made = sum(isinstance(o, Node) for o in gc.get_objects(generation=0))
        assert made == 1000  # garbage, but no collection ran
    assert not any(isinstance(o, Node) for o in gc.get_objects())


def _pause_in_threads(*, threads: int, rounds: int, resume_in_first: bool = False) -> list[bool]:
    """`rounds` pauses in each of `threads` threads at once, with thread switches as often as
    possible; whether the collector was on right after each resume (in the first thread)."""
    seen: list[bool] = []

    def work(resume: bool) -> None:
        for _ in range(rounds):
            with collector.paused() as state:
                if resume:
                    state.resume()
                    seen.append(gc.isenabled())

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        running = [threading.Thread(target=work, args=(resume_in_first and n == 0,)) for n in range(threads)]
        for thread in running:
            thread.start()
        for thread in running:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    return seen


def test_the_collector_is_on_again_after_pauses_in_several_threads() -> None:
    """Publishes in several threads at once (a service's papers): whichever ends last, the
    collector is on again afterwards (a check-then-disable race once left it off for good)."""
    for _ in range(3):
        _pause_in_threads(threads=4, rounds=20_000)
        assert gc.isenabled()


def test_a_resumed_pause_keeps_the_collector_on_while_others_pause() -> None:
    seen = _pause_in_threads(threads=3, rounds=3_000, resume_in_first=True)
    assert seen and all(seen)
    assert gc.isenabled()
