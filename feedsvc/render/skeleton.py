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
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from feedsvc.render.common import FeedDoc, Site

_MARKS = (b"\0feedsvc-entry-0\0", b"\0feedsvc-entry-1\0")  # never in a document: no NUL in XML or JSON
_KEPT_MAX = 1024  # two per format for each of the ~40 feeds an issue touches, and room to spare

Document = Callable[[Site, FeedDoc, Sequence[bytes], str | None], bytes]


@dataclass(frozen=True, slots=True)
class Skeleton:
    head: bytes
    sep: bytes
    tail: bytes

    def fill(self, entries: Sequence[bytes]) -> bytes:
        """The document with these entries (at least one: a document without any is made apart)."""
        if not entries:
            raise ValueError("a skeleton is filled with one entry or more")
        return b"".join([self.head, self.sep.join(entries), self.tail])


_KEPT: OrderedDict[tuple[Site, str, FeedDoc, str], Skeleton | None] = OrderedDict()


def skeleton(site: Site, ext: str, document: Document, doc: FeedDoc, digest: str) -> Skeleton | None:
    """`doc`'s skeleton in the format `ext` made by `document`; None if the document does not show
    the markers once each, in order (then nothing is spliced)."""
    key = (site, ext, doc, digest)
    if key in _KEPT:
        _KEPT.move_to_end(key)
        return _KEPT[key]
    data = document(site, doc, _MARKS, digest)
    first = data.find(_MARKS[0])
    second = data.find(_MARKS[1], first + len(_MARKS[0])) if first >= 0 else -1
    found = None
    if second >= 0 and data.count(b"\0feedsvc-entry-") == 2:
        found = Skeleton(data[:first], data[first + len(_MARKS[0]) : second], data[second + len(_MARKS[1]) :])
    _KEPT[key] = found
    if len(_KEPT) > _KEPT_MAX:
        _KEPT.popitem(last=False)
    return found
