"""Feed document heads (feedgen's, Atom and RSS) made once per feed and patched per archive page.

The archive pages of a feed between its first and its open page have the same head but for the
page's number (in its id and its links: itself, the one before, the one after) and its `updated`.
`head` makes such a head once per feed with stand-in values, cut at them, and joins the pieces
with each page's values: the bytes feedgen would make. A head is cut only if a second head, made
with other stand-ins, comes out of the pieces the same (so the stand-ins occur only where the
values go); otherwise, and for every other document, feedgen makes the head each time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace

from feedsvc.render.common import FeedDoc, Site

Make = Callable[[Site, FeedDoc], bytes]  # a whole head from feedgen
Stamp = Callable[[dt.datetime], str]  # `updated` as the format writes it

_KEPT = 4096  # heads kept (two per large feed: Atom and RSS)
_STAND_INS = (
    (987654321, dt.datetime(1903, 4, 5, 6, 7, 8, tzinfo=dt.UTC)),
    (876543219, dt.datetime(1904, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))),
)
Pieces = tuple[list[bytes], list[int]]  # literal pieces, and between them which value goes there
_cut: dict[tuple[Make, Site, FeedDoc], Pieces | None] = {}
_UNCUT: Pieces = ([], [])  # `_cut` holds no answer for the feed yet


def head(make: Make, stamp: Stamp, site: Site, doc: FeedDoc) -> bytes:
    """`make(site, doc)`, patched from the feed's cut head where `doc` is a middle archive page."""
    if doc.number is None or doc.older is None or doc.newer is None:
        return make(site, doc)
    key = (make, site, replace(doc, number=0, updated=_STAND_INS[0][1]))
    pieces = _cut.get(key, _UNCUT)  # one read: other threads may clear `_cut` at any time
    if pieces is _UNCUT:
        pieces = _pieces(make, stamp, site, doc)
        if len(_cut) >= _KEPT:
            _cut.clear()
        _cut[key] = pieces
    if pieces is None:
        return make(site, doc)
    return join(pieces, _values(stamp, doc.number, doc.updated))


def _values(stamp: Stamp, number: int, updated: dt.datetime) -> list[bytes]:
    return [str(number - 1).encode(), str(number).encode(), str(number + 1).encode(), stamp(updated).encode()]


def join(pieces: Pieces, values: list[bytes]) -> bytes:
    """A document from its pieces with `values` put between them."""
    literals, slots = pieces
    out = [literals[0]]
    for slot, literal in zip(slots, literals[1:], strict=True):
        out += (values[slot], literal)
    return b"".join(out)


def cut(text: bytes, values: list[bytes]) -> Pieces:
    """`text` cut at every occurrence of the stand-in `values` (the longest first where two could
    match): the pieces between, and which value stood in each gap. The caller checks the cut."""
    found = re.compile(b"|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
    literals, slots, at = [], [], 0
    for match in found.finditer(text):
        literals.append(text[at : match.start()])
        slots.append(values.index(match.group()))
        at = match.end()
    literals.append(text[at:])
    return literals, slots


def _pieces(make: Make, stamp: Stamp, site: Site, doc: FeedDoc) -> Pieces | None:
    """The head of `doc`'s feed's middle archive pages cut at the stand-ins, if that is sound."""
    (number, updated), (other, other_updated) = _STAND_INS
    values = _values(stamp, number, updated)
    pieces = cut(make(site, replace(doc, number=number, last=number + 1, updated=updated)), values)
    check = make(site, replace(doc, number=other, last=other + 1, updated=other_updated))
    return pieces if join(pieces, _values(stamp, other, other_updated)) == check else None
