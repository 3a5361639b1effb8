"""Python's cyclic garbage collector around a publish.

An ingest into a large store makes a few hundred thousand short-lived objects (entries, rendered
pieces, manifest lines); the automatic collector then runs several young collections and, most
ingests, a full one over every object of the process (~250,000 after start-up: modules, templates,
caches): 100-130 ms of an ingest into the 10-year store, for almost no garbage (reference counting
frees nearly everything). `paused` turns the automatic collector off while one publish runs and
collects the objects made meanwhile once at its end (the young generations: only what the publish
made), so reference cycles made by a publish are still freed and memory stays bounded from one
publish to the next. A whole regenerate (`Paused.resume`) keeps the collector on: it holds far
more at once. The daemon also moves its start-up objects out of the collector's sight
(`freeze_startup`), so the full collections that still happen between publishes skip them.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Paused:
    """One caller's part in `paused`: `resume` turns the collector back on early."""

    def __init__(self) -> None:
        self.resumed = False

    def resume(self) -> None:
        """Automatic collections again from now (a whole regenerate: it holds too much at once),
        until this pause ends, whatever other threads' pauses do meanwhile."""
        with _LOCK:
            if not self.resumed:
                self.resumed = True
                _STATE.resumed += 1
                _STATE.apply()


class _State:
    """The process's pauses: the collector is one switch for every thread, so the threads that
    publish at the same time (a service's papers) share one count. The first pause notes whether
    the collector was on; the last one to end puts it back."""

    def __init__(self) -> None:
        self.depth = 0  # pauses in progress
        self.resumed = 0  # of which resumed
        self.was_enabled = True  # the collector's state when the first of them began

    def apply(self) -> None:
        if self.was_enabled and (self.depth == 0 or self.resumed):
            gc.enable()
        else:
            gc.disable()


_LOCK = threading.Lock()
_STATE = _State()


@contextmanager
def paused() -> Iterator[Paused]:
    """No automatic collection inside; at the end the young generations are collected once (what
    was made inside and still tracked) and the collector is on again, if it was on before. Safe
    from several threads at once: the collector is back on when the last pause ends."""
    state = Paused()
    with _LOCK:
        if _STATE.depth == 0:
            _STATE.was_enabled = gc.isenabled()
        _STATE.depth += 1
        _STATE.apply()
    try:
        yield state
    finally:
        with _LOCK:
            _STATE.depth -= 1
            if state.resumed:
                _STATE.resumed -= 1
            _STATE.apply()
            last = _STATE.depth == 0 and _STATE.was_enabled
        if last:
            gc.collect(1)


def freeze_startup() -> None:
    """Collect once, then move every object alive now (modules, settings, templates) to the
    permanent generation: later full collections look only at what was made since."""
    gc.collect()
    gc.freeze()


_YOUNG = 50_000  # objects made (less those freed) between young collections in a long walk


class _Walks:
    """The walks in progress (`long_walk`) and the thresholds the first of them found."""

    def __init__(self) -> None:
        self.depth = 0
        self.saved = gc.get_threshold()


_WALKS = _Walks()


@contextmanager
def long_walk() -> Iterator[None]:
    """Fewer automatic collections while a whole regenerate walks the paper: the youngest
    generation is collected every `_YOUNG` objects rather than every 700. A regenerate makes
    millions of objects, nearly all freed by reference counting within the entry that made them;
    at 700 each young collection found almost nothing, and the objects it moved on made the older
    generations' collections come more often, each over the hundreds of thousands of objects the
    walk holds (in a worker ~2 % of its loop's instructions; docs/PERFORMANCE.md, "Ninth round").
    The reference cycles it does make are still collected, ~70 times less often.
    Nested or from several threads: the thresholds are set back when the last walk ends."""
    with _LOCK:
        if _WALKS.depth == 0:
            _WALKS.saved = gc.get_threshold()
            young, *older = _WALKS.saved
            gc.set_threshold(max(young, _YOUNG), *older)
        _WALKS.depth += 1
    try:
        yield
    finally:
        with _LOCK:
            _WALKS.depth -= 1
            if _WALKS.depth == 0:
                gc.set_threshold(*_WALKS.saved)


def for_a_worker() -> None:
    """A regenerate's worker process: its whole life is one walk (`long_walk`'s thresholds)."""
    young, *older = gc.get_threshold()
    gc.set_threshold(max(young, _YOUNG), *older)
