"""Rendering entries in worker processes, so a regenerate uses every CPU.

`Prerender` takes chunks of `Rendered` entries whose article page is out of date, renders their
feed bytes and article pages in a process pool and fills them in; the documents are still put
together, in order, by the caller. Output bytes do not depend on where an entry was rendered.
Entries travel as plain tuples (pickling pydantic models costs as much as rendering them).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from feedsvc.records import Entry, EntryPerson
from feedsvc.render import html
from feedsvc.render.common import Site
from feedsvc.render.feeds import FORMATS, Rendered
from feedsvc.render.issues import Around

_ENTRY_FIELDS = tuple(Entry.model_fields)
_PERSON_FIELDS = tuple(EntryPerson.model_fields)
_CONTRIBUTORS = _ENTRY_FIELDS.index("contributors")

Packed = tuple[Any, ...]
Result = tuple[tuple[bytes, ...], bytes]  # the entry in every feed format, its article page

_PART = 200  # entries per task
_site: Site | None = None  # in a worker


def pack(entry: Entry) -> Packed:
    values = [getattr(entry, name) for name in _ENTRY_FIELDS]
    values[_CONTRIBUTORS] = tuple(tuple(getattr(p, n) for n in _PERSON_FIELDS) for p in entry.contributors)
    return tuple(values)


def unpack(values: Packed) -> Entry:
    fields = dict(zip(_ENTRY_FIELDS, values, strict=True))
    fields["contributors"] = tuple(
        EntryPerson.model_construct(**dict(zip(_PERSON_FIELDS, p, strict=True)))
        for p in fields["contributors"]
    )
    return Entry.model_construct(**fields)


def _start(site: Site) -> None:
    global _site  # noqa: PLW0603 - the worker's one piece of state, set once when it starts
    _site = site


def render_chunk(chunk: Sequence[tuple[Packed, Around | None]]) -> list[Result]:
    """In a worker: every entry's feed bytes and article page."""
    site = _site
    assert site is not None, "worker not started with a Site"
    out: list[Result] = []
    for values, around in chunk:
        r = Rendered(unpack(values), around)
        data = tuple(r.data(site, i) for i in range(len(FORMATS)))
        out.append((data, html.article_page(site, r.entry, r.parts(site), r.article_digest(site), around)))
    return out


class Prerender:
    """A pool of `workers` processes rendering chunks of entries ahead of their use. Should the
    pool break (a worker killed, or unable to start), `submit` and `fill` say so and the caller
    renders the chunk itself."""

    def __init__(self, site: Site, workers: int) -> None:
        self.broken = False
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of a process holding a store
            initializer=_start,
            initargs=(site,),
        )

    def submit(self, chunk: Sequence[Rendered]) -> list[Future[list[Result]]]:
        """Start rendering `chunk`, in parts small enough to keep every worker busy."""
        if self.broken:
            return []
        try:
            return [
                self._pool.submit(
                    render_chunk, [(pack(r.entry), r.around) for r in chunk[start : start + _PART]]
                )
                for start in range(0, len(chunk), _PART)
            ]
        except BrokenProcessPool:
            self.broken = True
            return []

    def fill(self, chunk: Sequence[Rendered], futures: Sequence[Future[list[Result]]]) -> bool:
        """Wait for `submit`'s work and hand the bytes to the entries; False if there are none."""
        if not futures:
            return False
        try:
            results = [result for future in futures for result in future.result()]
        except BrokenProcessPool:
            self.broken = True
            return False
        for r, (data, article) in zip(chunk, results, strict=True):
            r.fill(data, article)
        return True

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
