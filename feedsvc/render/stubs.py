"""An archive page's entries as stubs: enough to prove the page current, text read only if needed.

At an ingest, each feed the issue touches walks its archive pages newest first and stops at the
first page older than the changes that is current on disk (`Builder.feed`): for most feeds the page
before the open one, 99 entries read from the store only to compute its digest. A document's digest
covers its entries' keys (`common.entry_key`: ids, dates, places, names, photos' sizes, no text),
so those entries are read as stubs (`Store.entry_stubs`: no headline, title or paragraphs) and a
`Rendered` made from a stub reads the page's whole entries (one query for the page) only when one
of them is rendered: when the page is not current after all.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from feedsvc.errors import StoreError
from feedsvc.plans import EntrySource
from feedsvc.records import Entry, FeedRef
from feedsvc.render.feeds import FeedRenderer, Rendered


@runtime_checkable
class StubSource(Protocol):
    """An entry source that reads entries as stubs too (`Store`); others' are read whole."""

    def entry_stubs(self, ref: FeedRef, *, limit: int, offset: int = 0) -> list[Entry]: ...


class _Whole:
    """The whole entries of one page, read from the store together when the first is asked for."""

    def __init__(self, source: EntrySource, ref: FeedRef, limit: int, offset: int) -> None:
        self._read = (source, ref, limit, offset)
        self._found: dict[str, Entry] | None = None

    def __call__(self, entry_id: str) -> Entry:
        if self._found is None:
            source, ref, limit, offset = self._read
            self._found = {e.id: e for e in source.entries(ref, limit=limit, offset=offset)}
        found = self._found.get(entry_id)
        if found is None:
            raise StoreError(f"{entry_id}: left {ref.stem}'s archive page while it was read")
        return found


def page_entries(
    renderer: FeedRenderer, source: EntrySource, ref: FeedRef, *, limit: int, offset: int
) -> list[Rendered]:
    """A feed's entries `offset` to `offset + limit` (newest first), as stubs where `source` can;
    an entry already rendered whole in this run is taken as it is."""
    if limit <= 0:
        return []
    if not isinstance(source, StubSource):
        return [renderer.rendered(e) for e in source.entries(ref, limit=limit, offset=offset)]
    whole = _Whole(source, ref, limit, offset)
    stubs = source.entry_stubs(ref, limit=limit, offset=offset)
    return [renderer.known(e) or Rendered(e, load=whole) for e in stubs]
