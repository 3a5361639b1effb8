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
from collections.abc import Iterator
from contextlib import contextmanager


class Paused:
    """The collector's state within `paused`: `resume` turns it back on early."""

    def __init__(self, was_enabled: bool) -> None:
        self.was_enabled = was_enabled
        self.resumed = False

    def resume(self) -> None:
        """Automatic collections again from now (a whole regenerate: it holds too much at once)."""
        if self.was_enabled and not self.resumed:
            self.resumed = True
            gc.enable()


@contextmanager
def paused() -> Iterator[Paused]:
    """No automatic collection inside; at the end the young generations are collected once (what
    was made inside and still tracked) and the collector is on again, if it was on before."""
    state = Paused(gc.isenabled())
    gc.disable()
    try:
        yield state
    finally:
        if state.was_enabled and not state.resumed:
            gc.enable()
            gc.collect(1)


def freeze_startup() -> None:
    """Collect once, then move every object alive now (modules, settings, templates) to the
    permanent generation: later full collections look only at what was made since."""
    gc.collect()
    gc.freeze()
