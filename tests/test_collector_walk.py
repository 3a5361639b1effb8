"""`collector.long_walk` and `collector.for_a_worker`: fewer automatic collections while a whole
regenerate walks the paper (render/regen.py) and in its worker processes (render/pool.py)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from feedsvc import collector, pipeline, publish
from feedsvc.errors import PublishError
from feedsvc.publish import build_all
from feedsvc.render import pool
from feedsvc.render.feeds import Outputs
from feedsvc.render.regen import Walker
from tests.render_helpers import FakeSource, bulk_entries, instance_settings


@pytest.fixture(autouse=True)
def thresholds() -> Iterator[tuple[int, ...]]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*saved)


def test_a_long_walk_collects_the_young_less_often_and_sets_the_thresholds_back() -> None:
    with collector.long_walk():
        assert gc.get_threshold() == (collector._YOUNG, 10, 10)
        with collector.long_walk():  # nested: the inner end leaves them
            pass
        assert gc.get_threshold() == (collector._YOUNG, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)
    gc.set_threshold(100_000, 5, 5)  # set higher by someone else: left as it is
    with collector.long_walk():
        assert gc.get_threshold() == (100_000, 5, 5)
    assert gc.get_threshold() == (100_000, 5, 5)


def test_a_long_walk_sets_them_back_after_an_error_and_across_threads() -> None:
    with pytest.raises(RuntimeError), collector.long_walk():
        raise RuntimeError
    assert gc.get_threshold() == (700, 10, 10)
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with collector.long_walk():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(10)
    with collector.long_walk():
        pass
    assert gc.get_threshold()[0] == collector._YOUNG  # the other thread's walk goes on
    leave.set()
    thread.join()
    assert gc.get_threshold() == (700, 10, 10)


def test_a_regenerates_walk_runs_in_a_long_walk() -> None:
    seen: list[tuple[int, ...]] = []

    class Seen(Walker):
        def _walk_all(self) -> Iterator[Outputs]:
            seen.append(gc.get_threshold())
            yield Outputs()
            seen.append(gc.get_threshold())

    walk = Seen().everything()
    assert next(walk) == Outputs()
    assert list(walk) == []
    assert seen == [(collector._YOUNG, 10, 10)] * 2
    assert gc.get_threshold() == (700, 10, 10)


def test_a_worker_process_collects_the_young_less_often(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[Any, ...]] = []
    monkeypatch.setattr(pool, "Worker", lambda *args: made.append(args))
    monkeypatch.setattr(pool, "_worker", None)
    pool._start(None, Path("store"), None)  # type: ignore[arg-type]
    assert gc.get_threshold() == (collector._YOUNG, 10, 10)
    assert made == [(None, Path("store"), None)]


def test_a_regenerate_whose_publish_fails_sets_the_thresholds_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails midway (a full disk) leaves the walk unfinished; `_publish` closes the
    build, so the thresholds are set back at once (a `Build` is a reference cycle: dropping it
    would wait for a full collection), and the daemon's next job runs at the usual ones."""
    saved = gc.get_threshold()
    conf = instance_settings(tmp_path)
    conf.paths.store.mkdir(parents=True, exist_ok=True)  # where the publish-pending marker goes
    build = build_all(FakeSource(bulk_entries(120)), conf, workers=0)

    def fails_after_three(output: Path, files: Iterable[tuple[str, bytes]], **_: Any) -> Iterator[str]:
        for n, (rel, _data) in enumerate(files):
            if n == 3:
                raise PublishError(f"{output / rel}: no space left on device")
            yield rel

    monkeypatch.setattr(publish, "write", fails_after_three)
    with pytest.raises(PublishError, match="no space left"):
        pipeline._publish(conf, build, "s", full=True, made_with="")
    assert collector._WALKS.depth == 0
    assert gc.get_threshold() == saved
