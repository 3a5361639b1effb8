"""An archive page's entries as stubs: enough to prove the page current, text read only if needed.

At an ingest, each feed the issue touches walks its archive pages newest first and stops at the
first page older than the changes that is current on disk (`Builder.feed`): for most feeds the page
before the open one, 99 entries read from the store only to compute its digest. A document's digest
covers its entries' keys (`keys.entry_key`: ids, dates, places, names, photos' sizes, no text),
so those entries are read as stubs (`Store.entry_stubs`: no headline, title or paragraphs) and a
`Rendered` made from a stub reads the page's whole entries (one query for the page) only when one
of them is rendered: when the page is not current after all.

Better still, a full page's digest is remembered in the store when a build computes it
(`Proofs`, `store.proofs`): while no stored entry's key can have changed and the page holds the
same entries, an ingest compares the files' digests with it and reads none of the page's entries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

from feedsvc.errors import StoreError
from feedsvc.plans import EntrySource
from feedsvc.records import Entry, FeedRef
from feedsvc.render.common import EMPTY_UPDATED, FeedDoc, Site
from feedsvc.render.feeds import FeedRenderer, Rendered
from feedsvc.render.keys import doc_digest, key_form
from feedsvc.store.proofs import KnownPage, PageChain, PageDigest

log = logging.getLogger(__name__)


@runtime_checkable
class StubSource(Protocol):
    """An entry source that reads entries as stubs too (`Store`); others' are read whole."""

    def entry_stubs(self, ref: FeedRef, *, limit: int, offset: int = 0) -> list[Entry]: ...


@runtime_checkable
class ById(Protocol):
    """An entry source that reads entries by id (`Store`)."""

    def entries_by_id(self, ids: Iterable[str]) -> list[Entry]: ...


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


@runtime_checkable
class PageProofs(Protocol):
    """An entry source that remembers full archive pages' digests (`Store`, `store.proofs`)."""

    def key_generation(self) -> int: ...

    def known_page(
        self, ref: FeedRef, number: int, place: str, offset: int, generation: int
    ) -> KnownPage | None: ...

    def remember_pages(self, pages: Sequence[tuple[FeedRef, PageDigest]], generation: int) -> None: ...

    def page_chain(self, ref: FeedRef, number: int, below: int, generation: int) -> PageChain | None: ...

    def remember_chains(self, pages: Sequence[tuple[FeedRef, PageChain]], generation: int) -> None: ...

    def recent_stubs(
        self, ref: FeedRef, *, limit: int, generation: int, form: str
    ) -> list[tuple[Entry, bytes | None]]: ...

    def remember_recent(
        self, feeds: Sequence[tuple[FeedRef, Sequence[bytes]]], generation: int, form: str
    ) -> None: ...


def page_place(site: Site, ref: FeedRef, name: str, number: int, last: int) -> str:
    """What archive page `number`'s digest depends on besides its entries (and the `updated` they
    give it): the renderer, the settings, the feed, its name, the page's number and links."""
    doc = FeedDoc(
        ref=ref,
        title=site.title(name),
        subtitle=site.subtitle(ref, name),
        updated=EMPTY_UPDATED,
        number=number,
        last=last,
    )
    return doc_digest(site, doc, ())


class Proofs:
    """One build's use of the remembered digests of full archive pages: looked up before a page's
    entries are read, and each full page's digest computed meanwhile remembered at the end."""

    def __init__(self, source: EntrySource, site: Site) -> None:
        self.source = source if isinstance(source, PageProofs) else None
        self.site = site
        self.generation = self.source.key_generation() if self.source is not None else -1
        self.found: list[tuple[FeedRef, PageDigest]] = []
        self.chains: dict[FeedRef, PageChain] = {}
        self.recent: dict[FeedRef, list[bytes]] = {}

    def known(self, ref: FeedRef, name: str, number: int, last: int, offset: int) -> KnownPage | None:
        """Full page `number`'s digest, if remembered and still its own; `offset`: its newest
        entry's place in the feed, newest first."""
        if self.source is None or number >= last:
            return None
        place = page_place(self.site, ref, name, number, last)
        return self.source.known_page(ref, number, place, offset, self.generation)

    def add(
        self, ref: FeedRef, name: str, number: int, last: int, *, page: Sequence[Rendered], digest: str
    ) -> None:
        """Full page `number` (`page` oldest first) has `digest`: remember it at the end."""
        if self.source is None or number >= last or not page:
            return
        newest = page[-1].entry
        place = page_place(self.site, ref, name, number, last)
        self.found.append((ref, PageDigest(number, place, newest.id, newest.published, digest)))

    def chain(self, ref: FeedRef, number: int, below: int) -> PageChain | None:
        """Page `number`'s remembered chain of its first entries, if they are still its first
        (`store.proofs.chain`); `below`: the feed's entries newer than the page's oldest, and it."""
        if self.source is None:
            return None
        return self.source.page_chain(ref, number, below, self.generation)

    def add_chain(self, ref: FeedRef, page: PageChain | None) -> None:
        """The feed's open page as it is now: remember it at the end."""
        if self.source is not None and page is not None:
            self.chains[ref] = page

    def stubs(self, ref: FeedRef, limit: int) -> list[tuple[Entry, bytes | None]] | None:
        """The feed's `limit` newest entries as stubs with their remembered keys (None for an entry
        whose key is not remembered at this build's generation), or None without a store to ask."""
        if self.source is None:
            return None
        return self.source.recent_stubs(ref, limit=limit, generation=self.generation, form=key_form())

    def add_recent(self, ref: FeedRef, recent: Sequence[Rendered]) -> None:
        """The feed's newest entries (its subscription documents'): remember their keys at the end."""
        if self.source is not None:
            self.recent[ref] = [r.key for r in recent]

    def save(self) -> None:
        """Remember the digests found; a store that cannot take them only costs later reads."""
        if self.source is None or not (self.found or self.chains or self.recent):
            return
        try:
            if self.found:
                self.source.remember_pages(self.found, self.generation)
            if self.chains:
                self.source.remember_chains(list(self.chains.items()), self.generation)
            if self.recent:
                self.source.remember_recent(list(self.recent.items()), self.generation, key_form())
        except StoreError as exc:
            log.warning("archive page digests not remembered: %s", exc)
        self.found = []
        self.chains = {}
        self.recent = {}


def newest_entries(
    renderer: FeedRenderer,
    source: EntrySource,
    proofs: Proofs,
    ref: FeedRef,
    *,
    limit: int,
    fresh: Callable[[], dict[str, Rendered]],
    more: int = 0,
) -> list[Rendered]:
    """The feed's `limit` newest entries, newest first. Where the store remembers the keys of all of
    them but the changes' (`fresh()`: the entries changed by what is published, read whole once for
    every feed), the others are stubs with those keys, read whole (together) only if one of them is
    rendered: a feed page or document spliced renders none of them. Otherwise all are read whole.

    `more`: as many of the next `more` entries as follow them with keys known too (those that
    dropped off the end of the subscription documents, the last publish's newest: their keys are
    remembered with the others), so the caller reads only the rest of those as stubs."""
    found = proofs.stubs(ref, limit + more)
    if found:
        changed = fresh()
        whole = _Whole(source, ref, limit + more, 0)
        listed = []
        for entry, key in found:
            made = changed.get(entry.id)
            if made is None and key is not None:
                made = Rendered(entry, load=whole, key=key)
            if made is None:
                break
            listed.append(made)
        if len(listed) >= min(limit, len(found)):
            return listed
    return [renderer.rendered(e) for e in source.entries(ref, limit=limit)]
