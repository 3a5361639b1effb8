"""A feed document's skeleton: the bytes before its first entry, between two entries and after
its last, for splicing (`render.feeds._splice`).

Every format's `document` is its head, the entries' bytes joined by one separator, and its tail
(`atom.splice`, `jsonfeed.document`; `tests/test_skeleton.py` holds each format to it), and all
three depend only on the site, the document (`FeedDoc`) and its digest. So a skeleton is rendered
once with two markers in place of entries, and a document is its skeleton filled in.

Skeletons are kept in the process (a bounded LRU): a splice needs the skeleton of the document as
it was before the changes (to find the entries in the copy on disk) and makes the new one; in a
daemon, or any process publishing one issue after another, the next ingest's old document is this
one's new document, so its head is not made by feedgen again.

A document's skeleton differs from another of the same shape (the same kind of feed and of
document: subscription, first, open or middle archive page) only by a few values: its digest,
`updated`, page numbers, the feed's title, subtitle and slug. So a skeleton is made once per shape
with stand-in values and cut at them (`_cut`), and a document's is the pieces joined with its own
values: a one-shot `feedsvc ingest` makes a few feedgen heads in all, not two per spliced
document. A cut is taken only if a second skeleton, made with other stand-ins, comes out of the
pieces the same (so the stand-ins occur only where the values go), and only for values every
format writes as they are (no character XML or JSON escapes; a slug of letters, digits and `-`);
any other document's skeleton is made whole as before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace

from feedsvc.render import atom, heads, jsonfeed, rss
from feedsvc.render.common import FeedDoc, Site

_MARKS = (b"\0feedsvc-entry-0\0", b"\0feedsvc-entry-1\0")  # never in a document: no NUL in XML or JSON
_KEPT_MAX = 1024  # two per format for each of the ~40 feeds an issue touches, and room to spare

Document = Callable[[Site, FeedDoc, Sequence[bytes], str | None], bytes]


@dataclass(frozen=True, slots=True)
class Skeleton:
    head: bytes
    sep: bytes
    tail: bytes

    def fill(self, entries: Sequence[bytes | memoryview]) -> bytes:
        """The document with these entries (at least one: a document without any is made apart).
        One join: every byte copied once (an entry may be a view of a file's bytes, unsliced)."""
        if not entries:
            raise ValueError("a skeleton is filled with one entry or more")
        parts: list[bytes | memoryview] = [self.head]
        sep = self.sep
        for entry in entries:
            parts += (entry, sep)
        parts[-1] = self.tail
        return b"".join(parts)


_KEPT: OrderedDict[tuple[Site, str, FeedDoc, str], Skeleton | None] = OrderedDict()
_NOT_KEPT = object()


def skeleton(site: Site, ext: str, document: Document, doc: FeedDoc, digest: str) -> Skeleton | None:
    """`doc`'s skeleton in the format `ext` made by `document`; None if the document does not show
    the markers once each, in order (then nothing is spliced)."""
    key = (site, ext, doc, digest)
    kept = _KEPT.get(key, _NOT_KEPT)  # one read: another thread's publish may drop it meanwhile
    if kept is not _NOT_KEPT:
        with suppress(KeyError):
            _KEPT.move_to_end(key)
        return kept if isinstance(kept, Skeleton) else None
    data = _from_cut(site, ext, document, doc, digest)
    if data is None:
        data = document(site, doc, _MARKS, digest)
    found = _split(data)
    _KEPT[key] = found
    if len(_KEPT) > _KEPT_MAX:
        _KEPT.popitem(last=False)
    return found


def filled(
    site: Site, ext: str, document: Document, doc: FeedDoc, entries: Sequence[bytes], *, digest: str
) -> bytes:
    """`document(site, doc, entries, digest)`: for a document with entries and a cut of its shape
    (`_from_cut`), its skeleton joined from the cut and filled in, without a feedgen head (the same
    bytes: a document is its skeleton filled in); otherwise made by `document`. Not kept: a
    regenerate makes each document once."""
    if entries:
        data = _from_cut(site, ext, document, doc, digest)
        found = _split(data) if data is not None else None
        if found is not None:
            return found.fill(entries)
    return document(site, doc, entries, digest)


def _split(data: bytes) -> Skeleton | None:
    first = data.find(_MARKS[0])
    second = data.find(_MARKS[1], first + len(_MARKS[0])) if first >= 0 else -1
    found = None
    if second >= 0 and data.count(b"\0feedsvc-entry-") == 2:
        found = Skeleton(data[:first], data[first + len(_MARKS[0]) : second], data[second + len(_MARKS[1]) :])
    return found


# ---------------------------------------------------------------------------- cut by shape

_STAMPS: dict[str, heads.Stamp | None] = {atom.EXT: atom.STAMP, rss.EXT: rss.STAMP, jsonfeed.EXT: None}
"""How each format writes a document's `updated` (JSON Feed does not): the formats cut by shape."""
_SLUG = re.compile(r"[a-z0-9-]+")
# what some format escapes: controls, XML's specials, JSON's quote and backslash, odd code points
_ESCAPED = re.compile(r"""[\x00-\x1f\x7f-\x9f&<>"'\\\u2028\u2029\ud800-\udfff\ufffe\uffff]""")
_STAND_INS = (  # (number, updated, digest, title, subtitle, slug): two sets, unlike anything else
    (
        987654321,
        dt.datetime(1903, 4, 5, 6, 7, 8, tzinfo=dt.UTC),
        "a5" * 32,
        "qxtitleaq",
        "qxsubaq",
        "qxslugaq",
    ),
    (
        876543219,
        dt.datetime(1904, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        "b7" * 32,
        "qxtitlebq",
        "qxsubbq",
        "qxslugbq",
    ),
)
Shape = tuple[Site, str, Document, str, bool, int | None, bool, bool]
Pieces = heads.Pieces
_CUTS: dict[Shape, Pieces | None] = {}
_CUTS_MAX = 256  # a few shapes per feed kind and format
_UNCUT: Pieces = ([], [])  # `_CUTS` holds no answer for the shape yet


def _shape(site: Site, ext: str, document: Document, doc: FeedDoc) -> Shape:
    """What skeletons of one cut share: the format, the feed's kind, whether it has a subtitle, the
    kind of document (None: subscription; 1: the first archive page, "1" being no stand-in; 2: any
    other archive page) and which of the links to older and newer pages it has."""
    number = doc.number if doc.number in (None, 1) else 2
    kind, subtitle = doc.ref.kind, bool(doc.subtitle)
    return (site, ext, document, kind, subtitle, number, doc.older is None, doc.newer is None)


def _values(stamp: heads.Stamp | None, doc: FeedDoc, digest: str) -> list[bytes]:
    """The values a skeleton of `doc`'s shape takes where its cut has stand-ins, in a fixed order."""
    values = [digest, doc.title, doc.subtitle] + ([stamp(doc.updated)] if stamp is not None else [])
    if doc.ref.kind != "paper":
        values.append(doc.ref.slug)
    if doc.number != 1:
        values += [str(n) for n in (doc.number, doc.older, doc.newer) if n is not None]
    return [v.encode() for v in values if v]


def _stand_in(doc: FeedDoc, n: int) -> tuple[FeedDoc, str]:
    """`doc` with the stand-in values of set `n`, and the stand-in digest."""
    number, updated, digest, title, subtitle, slug = _STAND_INS[n]
    ref = doc.ref if doc.ref.kind == "paper" else doc.ref.model_copy(update={"slug": slug})
    made = replace(doc, ref=ref, title=title, subtitle=subtitle if doc.subtitle else "", updated=updated)
    if doc.number is None:
        return replace(made, last=0 if doc.older is None else number), digest
    if doc.number == 1:
        return made, digest
    return replace(made, number=number, last=number if doc.newer is None else number + 1), digest


def _plain(doc: FeedDoc) -> bool:
    """Does every format write `doc`'s values as they are?"""
    slug = doc.ref.kind == "paper" or _SLUG.fullmatch(doc.ref.slug) is not None
    return slug and bool(doc.title) and not _ESCAPED.search(doc.title + doc.subtitle)


def _from_cut(site: Site, ext: str, document: Document, doc: FeedDoc, digest: str) -> bytes | None:
    """`document(site, doc, _MARKS, digest)` joined from its shape's cut, or None if there is none."""
    if ext not in _STAMPS or not _plain(doc) or doc.updated.tzinfo is None:
        return None  # a time without a zone: feedgen's error, as made whole
    stamp = _STAMPS[ext]
    shape = _shape(site, ext, document, doc)
    pieces = _CUTS.get(shape, _UNCUT)
    if pieces is _UNCUT:
        pieces = _cut(stamp, site, document, doc)
        if len(_CUTS) >= _CUTS_MAX:
            _CUTS.clear()
        _CUTS[shape] = pieces
    if pieces is None:
        return None
    return heads.join(pieces, _values(stamp, doc, digest))


def _cut(stamp: heads.Stamp | None, site: Site, document: Document, doc: FeedDoc) -> Pieces | None:
    """The skeleton of `doc`'s shape cut at the stand-ins, if that is sound."""
    (one, digest), (other, other_digest) = _stand_in(doc, 0), _stand_in(doc, 1)
    pieces = heads.cut(document(site, one, _MARKS, digest), _values(stamp, one, digest))
    check = document(site, other, _MARKS, other_digest)
    return pieces if heads.join(pieces, _values(stamp, other, other_digest)) == check else None


def cut_end(raw: bytes, lo: int, hi: int, *, sep: bytes, opener: bytes, count: int, run: int) -> int | None:
    """Where the first `run` of the `count` entries in `body` = `raw[lo:hi]` end, with their
    separators between them (an offset in `raw`: the caller takes the bytes as a view, nothing is
    sliced out); None if that cannot be shown.

    `body` is proven (by the digest) to be `count` entries' bytes joined by `sep`, each starting
    with `opener` (`feeds.Format.opener`: the renderers write it first). So `opener` occurs at each
    entry's start; if it occurs `count` times in all (no two occurrences overlap: see `feeds.Format`),
    those are the only ones, and the `run + 1`-th is where the first dropped entry starts. Nothing
    is rendered, unlike checking the cut against the dropped entries' bytes."""
    if not 0 < run <= count:
        return None
    if run == count:
        return hi
    if not raw.startswith(opener, lo, hi) or raw.count(opener, lo, hi) != count:
        return None
    start = hi
    for _ in range(count - run):
        start = raw.rfind(opener, lo, start)
    end = start - len(sep)
    if end <= lo or not raw.startswith(sep, end, start):
        return None
    return end


def kept_run(keys: Sequence[bytes], old: Sequence[bytes]) -> tuple[int, int] | str:
    """Where the old version's entries (`old`, newest first) sit in the new one (`keys`): the new
    position of the old newest entry and how many old entries follow it there in the same order,
    or why they cannot be copied as one piece (the old newest entry gone, or an old entry past
    that run still in the new version: the order changed)."""
    keys = keys if isinstance(keys, list) else list(keys)
    try:
        start = keys.index(old[0])
    except ValueError:
        return "old first entry not in the new version"
    run = 0
    for new_key, old_key in zip(keys[start:], old, strict=False):
        if new_key != old_key:
            break
        run += 1
    if run < len(old) and not set(keys).isdisjoint(old[run:]):
        return "old entries out of order"
    return start, run
