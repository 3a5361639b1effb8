"""A feed's documents in every format, and article pages, each rendered only when needed.

`Rendered` holds one entry and, made on first use, its pieces and its bytes in every format, so an
entry that appears in several documents is rendered once per run. `FeedRenderer` makes documents
from them and leaves a document alone when the copy in the output folder carries the digest it
would have now (`keys.doc_digest`, `keys.entry_digest`): a regenerate over an up-to-date folder
renders almost nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from html import unescape
from operator import attrgetter
from pathlib import Path
from typing import cast

from feedsvc.records import Entry, FeedRef
from feedsvc.render import atom, html, jsonfeed, rss
from feedsvc.render.common import EMPTY_UPDATED, EntryParts, FeedDoc, Site, archive_path, entry_parts, shown
from feedsvc.render.issues import Around
from feedsvc.render.keys import chain_digest, doc_digest, entry_digest, entry_key, key_chain
from feedsvc.render.skeleton import cut_end, filled, kept_run, skeleton

_HEAD_BYTES = 256  # documents made here carry their digest within their first bytes


@dataclass(frozen=True, slots=True)
class Format:
    """One feed format: file extension, entry renderer, document renderer, digest reader, and the
    bytes every entry it renders starts with (`opener`: `skeleton.cut_end`; its last byte occurs
    nowhere else in it, so two of its occurrences never overlap)."""

    ext: str
    entry: Callable[[Site, EntryParts], bytes]
    document: Callable[[Site, FeedDoc, Sequence[bytes], str | None], bytes]
    read_digest: Callable[[bytes], str | None]
    opener: bytes


FORMATS: tuple[Format, ...] = (
    Format(atom.EXT, atom.entry, atom.document, atom.read_digest, b"  <entry>"),
    Format(rss.EXT, rss.entry, rss.document, rss.read_digest, b"    <item>"),
    Format(jsonfeed.EXT, jsonfeed.item, jsonfeed.document, jsonfeed.read_digest, b'{"id":'),
)
"""Every feed document is made in each format (`common.FEED_TYPES`), through the same path."""


class Rendered:
    """An entry with its digest key, pieces and per-format bytes, each made on first use."""

    __slots__ = (
        "_bytes",
        "_digest",
        "_key",
        "_load",
        "_parts",
        "_updated",
        "around",
        "article",
        "article_current",
        "entry",
        "partial",
    )

    def __init__(
        self,
        entry: Entry,
        around: Around | None = None,
        *,
        load: Callable[[str], Entry] | None = None,
        key: bytes | None = None,
    ) -> None:
        self.entry = entry  # without `load`, the whole entry; with it, a stub (`render.stubs`)
        self._load = load  # the whole entry by id, read when the entry's text is first needed
        self.around = around  # its neighbours in the issue, shown on its article page
        self._key = key  # `entry_key(entry)` if made already: by a worker, or as the store remembers it
        self._digest: tuple[Around | None, str] | None = None  # the article digest, for these neighbours
        self._parts: EntryParts | None = None
        self._updated: dt.datetime | None = None
        self._bytes: list[bytes | None] = [None] * len(FORMATS)
        self.article: bytes | None = None  # the article page, when rendered elsewhere (`render.pool`)
        self.article_current: bool | None = None  # is the copy in the output folder current?
        self.partial = False  # slimmed before it was rendered: `FeedRenderer.complete` makes it whole

    def fill(self, data: Sequence[bytes], article: bytes | None = None) -> None:
        """Take bytes rendered elsewhere: the entry in every format, and its article page (if kept)."""
        self._bytes = list(data)
        self.article = article

    def whole(self) -> Entry:
        """The entry with its text: a stub's is read now (once)."""
        if self._load is not None:
            self.entry = self._load(self.entry.id)
            self._load = None
        return self.entry

    def render_all(self, site: Site) -> None:
        """Render the entry in every format and its article page now."""
        for i in range(len(FORMATS)):
            self.data(site, i)
        self.article = html.article_page(
            site, self.whole(), self.parts(site), self.article_digest(site), self.around
        )

    def article_digest(self, site: Site) -> str:
        """What the article page depends on: the entry and its neighbours in the issue (made once:
        a worker asks for it to compare with the folder, then to render)."""
        if self._digest is None or self._digest[0] is not self.around:
            around = self.around.key() if self.around is not None else b""
            self._digest = (self.around, entry_digest(site, self.key + around))
        return self._digest[1]

    def slim(self) -> None:
        """Once the entry is rendered in every format, keep only the bytes and what pages listing
        the entry use (not its pieces, article page or paragraphs but the lead)."""
        self.article = None
        if all(data is not None for data in self._bytes):
            _ = self.key
            self._parts = None
            self.entry = self.entry.model_copy(update={"paragraphs": self.entry.paragraphs[:1]})

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = entry_key(self.entry)
        return self._key

    @property
    def updated(self) -> dt.datetime:
        """The entry's `updated` as the feeds show it (`common.shown`)."""
        if self._updated is None:
            self._updated = shown(self.entry, self.entry.updated)
        return self._updated

    def parts(self, site: Site) -> EntryParts:
        if self._parts is None:
            self._parts = entry_parts(site, self.whole())
        return self._parts

    def data(self, site: Site, index: int) -> bytes:
        data = self._bytes[index]
        if data is None:
            if self.partial:
                raise RuntimeError(f"{self.entry.id}: slimmed before it was rendered")
            parts = self._parts if self._parts is not None else self.parts(site)
            data = self._bytes[index] = FORMATS[index].entry(site, parts)
        return data


# `Rendered.key` and `.updated` of each of a document's entries, mapped without a Python loop (a
# document of the 10-year archive holds 50-100 entries, and each ingest reads its `updated` and keys
# for several versions of ~140 feeds' documents)
_KEY: Callable[[Rendered], bytes] = attrgetter("key")
_UPDATED: Callable[[Rendered], dt.datetime] = attrgetter("updated")


def entry_bytes(site: Site, entries: Sequence[Rendered], index: int) -> list[bytes]:
    """`[r.data(site, index) for r in entries]`, without a call per entry where each has its bytes
    in that format already (in a regenerate, every entry a worker rendered)."""
    found = [r._bytes[index] for r in entries]
    if None in found:
        return [r.data(site, index) for r in entries]
    return cast(list[bytes], found)  # no None in it


@dataclass(frozen=True, slots=True)
class Before:
    """A document as it was before the changes being published: its entries, the feed's open
    archive page then, and (for an empty open page's `updated`) the subscription entries then."""

    entries: Sequence[Rendered]
    last: int
    recent: Sequence[Rendered]


@dataclass
class Outputs:
    """Files to write, outputs found current in the output folder (left as they are), and outputs
    no longer produced."""

    files: list[tuple[str, bytes]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    digest: str | None = None  # a feed document's digest (`_documents`), the same in every format
    chain: bytes | None = None  # an archive page's `key_chain` of its entries' keys


class FeedRenderer:
    """Renders documents for one run. `output_dir` is where current documents may already be."""

    def __init__(self, site: Site, output_dir: Path | None = None, *, cache_size: int = 4096) -> None:
        self.site = site
        self.output_dir = output_dir
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Rendered] = OrderedDict()
        self._feeds: dict[tuple[str | None, str | None, tuple[str, ...]], tuple[FeedRef, ...]] = {}
        self.complete: Callable[[Sequence[Rendered]], None] | None = None
        """Makes `Rendered.partial` entries whole before a document holding them is rendered."""

    def rendered(self, entry: Entry) -> Rendered:
        """The entry's `Rendered`, shared with earlier documents of this run (LRU, `cache_size`)."""
        found = self._cache.get(entry.id)
        if found is None or (found.entry.updated, found.entry.position) != (entry.updated, entry.position):
            found = self._cache[entry.id] = Rendered(entry)
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        self._cache.move_to_end(entry.id)
        return found

    def known(self, entry: Entry) -> Rendered | None:
        """The entry's `Rendered` if this run has it already (as `rendered` would take it)."""
        found = self._cache.get(entry.id)
        if found is None or (found.entry.updated, found.entry.position) != (entry.updated, entry.position):
            return None
        return found

    def feeds(self, entry: Entry) -> tuple[FeedRef, ...]:
        """`entry.feeds()`, made once per run for each section and list of contributors."""
        shape = (entry.section, entry.section_slug, tuple(p.slug for p in entry.contributors))
        refs = self._feeds.get(shape)
        if refs is None:
            refs = self._feeds[shape] = entry.feeds()
        return refs

    def subscription(
        self, ref: FeedRef, name: str, recent: Sequence[Rendered], last: int, *, before: Before | None = None
    ) -> Outputs:
        """The subscription documents: `recent` newest first, `last` the open archive page (0: none).
        `before`: the document before the changes being published (see `_documents`)."""
        doc = FeedDoc(
            ref=ref,
            title=self.site.title(name),
            subtitle=self.site.subtitle(ref, name),
            updated=self.newest(recent),
            last=last,
        )
        old = replace(doc, updated=self.newest(before.entries), last=before.last) if before else None
        return self._documents(doc, recent, old, before)

    def archive(
        self,
        ref: FeedRef,
        *,
        name: str,
        number: int,
        last: int,
        page: Sequence[Rendered],
        recent: Sequence[Rendered] = (),
        before: Before | None = None,
    ) -> Outputs:
        """Archive page `number` of `last`, `page` oldest first. An empty (open) page takes its
        `updated` from `recent`, the subscription document's entries. `before`: this page before
        the changes being published (see `_documents`)."""
        updated = self.newest(page or recent)
        doc = FeedDoc(
            ref=ref,
            title=self.site.title(name),
            subtitle=self.site.subtitle(ref, name),
            updated=updated,
            number=number,
            last=last,
        )
        old = None
        if before is not None:
            old = replace(doc, updated=self.newest(before.entries or before.recent), last=before.last)
        return self._documents(doc, page, old, before)

    def archive_current(self, ref: FeedRef, number: int, digest: str) -> Outputs | None:
        """Archive page `number`'s files if each carries `digest` (known without its entries:
        `render.stubs.known_page`), else None."""
        paths = [archive_path(ref, number, fmt.ext) for fmt in FORMATS]
        for path, fmt in zip(paths, FORMATS, strict=True):
            if self._digest_on_disk(path, fmt.read_digest) != digest:
                return None
        return Outputs(kept=paths, digest=digest)

    def article_current(self, rendered: Rendered) -> bool:
        """Is the entry's article page in the output folder current?"""
        if rendered.article_current is None:
            digest = rendered.article_digest(self.site)
            rendered.article_current = self._digest_on_disk(rendered.entry.path, html.read_digest) == digest
        return rendered.article_current

    def article(self, rendered: Rendered) -> Outputs:
        """The entry's article page."""
        entry = rendered.entry
        if self.article_current(rendered):
            return Outputs(kept=[entry.path])
        site = self.site
        page = rendered.article or html.article_page(
            site, rendered.whole(), rendered.parts(site), rendered.article_digest(site), rendered.around
        )
        return Outputs(files=[(entry.path, page)])

    def newest(self, entries: Sequence[Rendered]) -> dt.datetime:
        """A document's `updated`: its newest entry's as shown (`common.shown`), or `EMPTY_UPDATED`
        when it has none."""
        newest = max(map(_UPDATED, entries), default=EMPTY_UPDATED)
        return self.site.local(newest)

    def _documents(
        self,
        doc: FeedDoc,
        entries: Sequence[Rendered],
        old: FeedDoc | None = None,
        before: Before | None = None,
    ) -> Outputs:
        """`doc` with `entries` in every format, unless the copies on disk are current. `old` and
        `before`: the document before the changes being published, if known: where the copy on
        disk is that one (`_splice`), the bytes of the entries it shares with `doc` are
        taken from it instead of being rendered again."""
        site = self.site
        keys = list(map(_KEY, entries))
        chain = key_chain(keys) if doc.number is not None else None
        digest = doc_digest(site, doc, keys) if chain is None else chain_digest(site, doc, chain)
        paths = [doc.path(fmt.ext) for fmt in FORMATS]
        splicing = old is not None and before is not None
        raws: list[bytes | None] = []  # a file found not current, read whole where a splice may follow
        for p, fmt in zip(paths, FORMATS, strict=True):
            found, raw = self._probe(p, fmt.read_digest, digest, whole=splicing)
            if found != digest:
                raws.append(raw)
                break
            raws.append(None)
        else:
            return Outputs(kept=paths, digest=digest, chain=chain)
        partial = [r for r in entries if r.partial]
        if partial and self.complete is not None:
            self.complete(partial)
        files = []
        old_digests: dict[FeedDoc, str] = {}  # the old document's, made once for every format
        old_keys = list(map(_KEY, before.entries)) if before is not None else []
        run: tuple[int, int] | str | None = None  # where the old entries sit in the new (`kept_run`)
        for i, (path, fmt) in enumerate(zip(paths, FORMATS, strict=True)):
            data = None
            if old is not None and before is not None:
                raw = raws[i] if i < len(raws) and raws[i] is not None else self._read(path)
                was = renamed(raw, site, fmt, old) or old
                if was not in old_digests:
                    old_digests[was] = doc_digest(site, was, old_keys)
                if run is None and old_keys:  # the same in every format: found once
                    run = kept_run(keys, old_keys)
                data = _splice(
                    raw,
                    site,
                    fmt,
                    index=i,
                    new=(doc, entries, digest),
                    old=(was, before.entries, old_digests[was]),
                    where=run,
                )
            else:
                SPLICES["no document before (rendered whole)"] += 1
            if data is None:
                data = filled(site, fmt.ext, fmt.document, doc, entry_bytes(site, entries, i), digest=digest)
            files.append((path, data))
        return Outputs(files=files, digest=digest, chain=chain)

    def digest_on_disk(self, path: str) -> str | None:
        """The digest at the top of a page for people in the output folder (article, issue)."""
        return self._digest_on_disk(path, html.read_digest)

    def on_disk(self, path: str) -> bytes | None:
        """The file in the output folder, if there is one."""
        return self._read(path)

    def _read(self, path: str) -> bytes | None:
        if self.output_dir is None:
            return None
        try:
            with open(os.path.join(self.output_dir, path), "rb") as f:
                return f.read()
        except OSError:
            return None

    def _probe(
        self, path: str, read: Callable[[bytes], str | None], digest: str, *, whole: bool
    ) -> tuple[str | None, bytes | None]:
        """The digest on disk and, if it is not `digest` and `whole`, the file's bytes (one open)."""
        if not whole:
            return self._digest_on_disk(path, read), None
        if self.output_dir is None:
            return None, None
        try:
            with open(os.path.join(self.output_dir, path), "rb", buffering=0) as f:
                found = read(f.read(_HEAD_BYTES))
                if found == digest:
                    return found, None
                f.seek(0)  # read whole again, unbuffered: one copy, from the page cache
                return found, f.readall()
        except OSError:
            return None, None

    def _digest_on_disk(self, path: str, read: Callable[[bytes], str | None]) -> str | None:
        if self.output_dir is None:
            return None
        try:
            fd = os.open(os.path.join(self.output_dir, path), os.O_RDONLY)
        except OSError:
            return None
        try:
            return read(os.read(fd, _HEAD_BYTES))
        except OSError:
            return None
        finally:
            os.close(fd)


SPLICES: Counter[str] = Counter()  # how documents were made: spliced, or why not (benchmarks/ingest.py)


def _miss(reason: str) -> bytes | None:
    """Counts why a document could not be spliced; None: it is rendered whole."""
    SPLICES[reason] += 1
    return None


_TITLE = re.compile(rb"<title>([^<]*)</title>")  # a feed's own comes before its entries'
_JSON_TITLE = re.compile(rb'"title":("(?:[^"\\]|\\.)*")')


def renamed(raw: bytes | None, site: Site, fmt: Format, old: FeedDoc) -> FeedDoc | None:
    """`old` with the title and subtitle of the feed's name as the document on disk has it, when
    that is not the name `old` has: a contributor's feed is named after their newest byline's role
    (`记者`, `首席记者`), so a new role renames every document of the feed. Only a candidate:
    `_splice` takes it only if the digest on disk is its digest."""
    if raw is None:
        return None
    head = raw[: _HEAD_BYTES + 4096]
    try:
        if fmt.ext == "json":
            found = _JSON_TITLE.search(head)
            title = json.loads(found.group(1)) if found else None
        else:
            found = _TITLE.search(head)
            title = unescape(found.group(1).decode("utf-8")) if found else None
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(title, str) or title == old.title:
        return None
    prefix = f"{site.name} · "
    name = title[len(prefix) :] if title.startswith(prefix) else "" if title == site.name else None
    if name is None:
        return None
    return replace(old, title=site.title(name), subtitle=site.subtitle(old.ref, name))


def _splice(
    raw: bytes | None,
    site: Site,
    fmt: Format,
    *,
    index: int,
    new: tuple[FeedDoc, Sequence[Rendered], str],
    old: tuple[FeedDoc, Sequence[Rendered], str],
    where: tuple[int, int] | str | None,
) -> bytes | None:
    """`new`'s document in format `fmt` made from `raw`, the bytes on disk, when they are `old`'s
    document (`old` holds its digest; the bytes on disk must carry it): the entries both hold, a
    run in the same order, are copied from `raw` as one piece; only the others are rendered. None
    when that cannot be shown.

    The digest proves `raw` is `fmt.document` of `old`'s entries. A document is a head, its
    entries' bytes joined by one separator and a tail (`render.skeleton`: made with markers for
    entries, kept in the process), so the bytes of the run of its first entries are found between
    the head and the start of the first entry dropped (`skeleton.cut_end`: none of them is
    rendered). The cut does not check the dropped entries' bytes (it did before `cut_end`): the
    digest is what proves the file holds the old entries, as it always was for the kept entries'
    bytes, which were never checked; the openers only show where the dropped ones start. `where`:
    `skeleton.kept_run` of the new and old entries' keys (the same for every format: found once by
    the caller), None when there were no old entries."""
    (doc, entries, digest), (old_doc, old_entries, old_digest) = new, old
    if raw is None:
        return _miss("no file on disk")
    if not old_entries:
        return _miss("no entries before")
    if fmt.read_digest(raw[:_HEAD_BYTES]) != old_digest:
        return _miss("digest on disk is not the old document's")
    found = where
    if found is None:  # pragma: no cover - there were old entries (checked above)
        return _miss("no entries before")
    if isinstance(found, str):
        return _miss(found)
    start, run = found
    was = skeleton(site, fmt.ext, fmt.document, old_doc, old_digest)
    if was is None:
        return _miss("skeleton without markers")
    head, sep, tail = was.head, was.sep, was.tail
    if len(raw) < len(head) + len(tail) or not (raw.startswith(head) and raw.endswith(tail)):
        return _miss("head or tail differ")
    lo, hi = len(head), len(raw) - len(tail)  # the entries' bytes (not sliced out: one copy, the fill's)
    if run == 0:  # pragma: no cover - the old first entry was found in the new document above
        return _miss("every old entry dropped")
    end = cut_end(raw, lo, hi, sep=sep, opener=fmt.opener, count=len(old_entries), run=run)
    if end is None:
        return _miss("entries not found by their openers")
    made = skeleton(site, fmt.ext, fmt.document, doc, digest)
    if made is None:  # pragma: no cover - the old document's skeleton was found just above
        return _miss("skeleton without markers")
    SPLICES["spliced"] += 1
    parts: list[bytes | memoryview] = [r.data(site, index) for r in entries[:start]]
    parts.append(memoryview(raw)[lo:end])
    parts += [r.data(site, index) for r in entries[start + run :]]
    return made.fill(parts)
