"""A feed's documents in every format: its subscription document and its archive pages.

`FeedRenderer` renders each entry once per run and format (`Rendered` keeps the bytes for every
document the entry appears in) and leaves an archive page alone when the copy in the output folder
carries the digest the page would have now (see `common.page_digest`).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc.records import Entry, FeedRef
from feedsvc.render import atom, jsonfeed
from feedsvc.render.common import (
    EMPTY_UPDATED,
    EntryParts,
    FeedDoc,
    Site,
    entry_parts,
    page_digest,
)

_HEAD_BYTES = 512  # where a document made here keeps its digest


@dataclass(frozen=True, slots=True)
class Format:
    """One feed format: file extension, entry renderer, document renderer, digest reader."""

    ext: str
    entry: Callable[[Site, EntryParts], bytes]
    document: Callable[[Site, FeedDoc, Sequence[bytes], str | None], bytes]
    read_digest: Callable[[bytes], str | None]


FORMATS: tuple[Format, ...] = (
    Format(atom.EXT, atom.entry, atom.document, atom.read_digest),
    Format(jsonfeed.EXT, jsonfeed.item, jsonfeed.document, jsonfeed.read_digest),
)


class Rendered:
    """An entry with its pieces and per-format bytes, each made on first use."""

    __slots__ = ("_bytes", "_parts", "entry")

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self._parts: EntryParts | None = None
        self._bytes: list[bytes | None] = [None] * len(FORMATS)

    def parts(self, site: Site) -> EntryParts:
        if self._parts is None:
            self._parts = entry_parts(site, self.entry)
        return self._parts

    def data(self, site: Site, index: int) -> bytes:
        data = self._bytes[index]
        if data is None:
            data = self._bytes[index] = FORMATS[index].entry(site, self.parts(site))
        return data


@dataclass
class Outputs:
    """Files to write, archive pages found current in the output folder (left as they are), and
    outputs no longer produced."""

    files: list[tuple[str, bytes]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)


class FeedRenderer:
    """Renders feed documents for one run. `output_dir` is where current archive pages may already be."""

    def __init__(self, site: Site, output_dir: Path | None = None, *, cache_size: int = 4096) -> None:
        self.site = site
        self.output_dir = output_dir
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Rendered] = OrderedDict()

    def rendered(self, entry: Entry) -> Rendered:
        """The entry's `Rendered`, shared with earlier documents of this run (LRU, `cache_size`)."""
        found = self._cache.get(entry.id)
        if found is not None and found.entry.updated == entry.updated:
            self._cache.move_to_end(entry.id)
            return found
        found = self._cache[entry.id] = Rendered(entry)
        self._cache.move_to_end(entry.id)
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return found

    def _docs(self, doc: FeedDoc, entries: Sequence[Rendered], digest: str | None) -> list[tuple[str, bytes]]:
        site = self.site
        return [
            (doc.path(fmt.ext), fmt.document(site, doc, [r.data(site, i) for r in entries], digest))
            for i, fmt in enumerate(FORMATS)
        ]

    def subscription(self, ref: FeedRef, name: str, recent: Sequence[Rendered], last: int) -> Outputs:
        """The subscription documents: `recent` newest first, `last` the open archive page (0: none)."""
        doc = FeedDoc(ref=ref, title=self.site.title(name), updated=self.newest(recent), last=last)
        return Outputs(files=self._docs(doc, recent, None))

    def archive(
        self,
        ref: FeedRef,
        *,
        name: str,
        number: int,
        last: int,
        page: Sequence[Rendered],
        recent: Sequence[Rendered] = (),
    ) -> Outputs:
        """Archive page `number` of `last`, `page` oldest first. An empty (open) page takes its
        `updated` from `recent`, the subscription document's entries."""
        doc = FeedDoc(
            ref=ref,
            title=self.site.title(name),
            updated=self.newest(page or recent),
            number=number,
            last=last,
        )
        digest = page_digest(self.site, doc, ((r.entry.id, r.entry.updated) for r in page))
        if self._current(doc, digest):
            return Outputs(kept=[doc.path(fmt.ext) for fmt in FORMATS])
        return Outputs(files=self._docs(doc, page, digest))

    def newest(self, entries: Sequence[Rendered]) -> dt.datetime:
        """A document's `updated`: its newest entry's, or `EMPTY_UPDATED` when it has none."""
        return self.site.local(max((r.entry.updated for r in entries), default=EMPTY_UPDATED))

    def _current(self, doc: FeedDoc, digest: str) -> bool:
        if self.output_dir is None:
            return False
        for fmt in FORMATS:
            try:
                with (self.output_dir / doc.path(fmt.ext)).open("rb") as f:
                    head = f.read(_HEAD_BYTES)
            except OSError:
                return False
            if fmt.read_digest(head) != digest:
                return False
        return True
