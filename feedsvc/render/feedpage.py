"""A section's or contributor's page for people (`<kind>s/<slug>.html`), spliced on disk.

A feed page is its head (the feed's title, feeds and count), the cards of its newest entries and
its tail; at an ingest most of its cards are the page's cards as they were. So, as
`render.feeds._splice` does for feed documents, a page carries a digest of what its bytes depend
on (`page_digest`: the site, its look, the templates, the feed, its name and count, and the cards'
entries' keys), and when the copy on disk carries the digest of the page as it was before the
changes being published (the builder's `before`: the same entries but the changed ones), the
cards both versions hold are copied from it as one piece of bytes:

- the package's `feed.html` is the page's head, `_feed_cards.html` (its cards, each a macro call
  of its own: the cards of a list are the cards of each joined) and its tail; the head and tail
  are found in the page made with one stand-in card (`_skeleton`), itself joined from a cut made
  once per kind of feed (`_marked`);
- the file must begin with the old page's head and end with its tail; what lies between is the
  old cards (the digest and the seal prove it), each starting with `CARD_OPENER`, so the cards
  that drop off the end are cut off where their openers show (`skeleton.cut_end`, as feed
  documents are), not rendered; only the new cards are rendered.

The page on disk must also be what the hash of its content in its comment says (`seal`): an
edit or a truncation is never copied, nor a damaged page kept as current. Splicing is meant to give
the page rendered whole byte for byte, and is tested to (`tests/test_feed_page_splice.py`,
`tests/test_feed_page_pipeline.py`); anything it cannot prove (no file, another digest, an edit,
a theme's own cards or a theme template that may change them: `_package_cards`) renders the page
whole. A contributor's feed renamed (a new role) is spliced under the name its page on disk shows,
when the digest proves that name. A page on disk with its own digest and an intact content is kept.

`PAGES` counts how pages were made, for benchmarks; it is updated without a lock, so its counts
are approximate should publishes run in several threads at once.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from jinja2 import nodes

from feedsvc.records import Entry, FeedInfo, FeedRef
from feedsvc.render import heads, html, theme
from feedsvc.render.common import Site, clean, html_path
from feedsvc.render.feeds import Outputs, Rendered
from feedsvc.render.keys import keyed_digest
from feedsvc.render.recent import Recent
from feedsvc.render.skeleton import cut_end, kept_run

PAGES: Counter[str] = Counter()  # how feed pages were made: current, spliced, or why whole
_HEAD_BYTES = 256  # the digest is in the page's first bytes (base.html's comment)
_SEAL = re.compile(rb"<!-- feedsvc feed ([0-9a-f]{64})( [0-9a-f]{32})? -->")  # digest, content hash
_TEMPLATE = "feed.html"
_MARK = html.Card(
    path="feedsvc-card.html",
    title="\0feedsvc-card\0",  # no page holds a NUL (`common.clean` drops it)
    kicker=None,
    lead="",
    where="",
    date="",
    datetime="",
    image=None,
)
# every card starts with this (`_cards.html`), and nowhere else holds it: the template writes no
# other `<li class="card`, and every value in a card is escaped (no `<` or `"` of its own); its
# last byte occurs nowhere else in it, so two occurrences never overlap (`skeleton.cut_end`)
CARD_OPENER = b'<li class="card'
_KEPT_MAX = 256  # skeletons kept: two for each of the ~40 pages an issue touches, and room to spare


def seal(page: bytes) -> bytes:
    """`page` with a hash of its content after its digest, in its comment: the sha256 (32 hex
    digits) of the page as it is without that hash, so an edit anywhere in it is seen (`_opened`)."""
    found = _SEAL.search(page, 0, _HEAD_BYTES)
    if found is None or found.group(2) is not None:
        return page  # no digest (a theme's base.html without the comment): never current, never spliced
    at = found.end(1)
    content = _content_hash(page, at, at)
    sealed = b"".join([page[:at], b" ", content, page[at:]])
    _SEALED.put(content, sealed, len(sealed))
    return sealed


_SEALED: Recent[bytes, bytes] = Recent(16 * 2**20)
"""content hash: the page `seal` made with it, the last made (~70 feed pages an issue touches, ~18 KB
each at the default sizes): a page on disk equal to one of these, byte for byte, is intact without
hashing it again (`_intact`)."""


def _content_hash(page: bytes, start: int, end: int) -> bytes:
    """The hash of `page` but its bytes from `start` to `end` (the hash itself, when it has one)."""
    view = memoryview(page)
    h = hashlib.sha256(view[:start])
    h.update(view[end:])
    return h.hexdigest()[:32].encode()


def _intact(raw: bytes) -> re.Match[bytes] | None:
    """The page's comment (digest, hash) if the page's content is what its hash says (no edit, no
    truncation); None otherwise."""
    found = _SEAL.search(raw, 0, _HEAD_BYTES)
    if found is None or found.group(2) is None:
        return None
    start, end = found.span(2)
    claimed = found.group(2)[1:]
    if _SEALED.get(claimed) == raw:  # as sealed here, every byte: its hash is right
        return found
    return found if _content_hash(raw, start, end) == claimed else None


def _opened(raw: bytes) -> tuple[str, bytes] | None:
    """The digest of the page on disk and the page as it was before `seal`, if it is `_intact`."""
    found = _intact(raw)
    if found is None:
        return None
    start, end = found.span(2)
    return found.group(1).decode(), raw[:start] + raw[end:]


def read_digest(head: bytes) -> str | None:
    """The digest in the first bytes of a feed page (its content not checked: `_opened` does)."""
    found = _SEAL.search(head, 0, _HEAD_BYTES)
    return found.group(1).decode() if found else None


def whole(site: Site, info: FeedInfo, entries: Sequence[Entry], digest: str) -> bytes:
    """The page rendered whole, sealed."""
    return seal(html.feed_page(site, info, entries, digest=digest))


def page_digest(site: Site, info: FeedInfo, keys: Iterable[bytes]) -> str:
    """What a feed page's bytes depend on: the renderer, the paper's settings, the site's look,
    the templates, the feed, its name and count, and its cards' entries (`keys.entry_key`)."""
    templates = theme.fingerprint(site.theme, _TEMPLATE)
    place = (info.ref.kind, info.ref.slug, info.name, info.entry_count)
    head = f"{site.fingerprint}\n{site.look}\n{templates}\nfeed\n{place!r}\n".encode("utf-8", "surrogatepass")
    return keyed_digest(head, keys)


_CARD_TEMPLATES = (_TEMPLATE, html.FEED_CARDS, "_cards.html")  # where the cards' bytes come from
_AROUND = (nodes.Template, nodes.Block, nodes.If, nodes.For, nodes.With, nodes.Scope)  # output as is


@functools.cache
def _package_cards(theme_folder: str | None) -> bool:
    """Are the cards' bytes in the page those `html.feed_cards` makes? So when the templates they
    come from are the package's (their own sources: `feed.html` includes `_feed_cards.html`, a
    card each, as they are) and a theme's other templates of the page (its `base.html`, say)
    neither read the cards (the name `cards`, or `self` to render a block again) nor put a block
    under anything that could change its output (a filter, a `set` block, a call, a macro). The
    head and tail are cut from the page rendered with the theme (`_skeleton`)."""
    package = {name: source for name, source, _ in theme.templates_of(None, _TEMPLATE)}
    for name, source, tree in theme.templates_of(theme_folder, _TEMPLATE):
        if name in _CARD_TEMPLATES:
            if source != package.get(name):
                return False
        elif source != package.get(name) and not _leaves_blocks_alone(tree):
            return False
    return True


def _leaves_blocks_alone(tree: nodes.Template) -> bool:
    if any(n.name in ("cards", "self") for n in tree.find_all(nodes.Name)):
        return False
    return _blocks_as_is(tree, under_change=False)


def _blocks_as_is(node: nodes.Node, *, under_change: bool) -> bool:
    """No block under a node (a filter, a `set` block, a call, a macro...) that is not `_AROUND`."""
    if isinstance(node, nodes.Block) and under_change:
        return False
    under_change = under_change or not isinstance(node, _AROUND)
    return all(_blocks_as_is(child, under_change=under_change) for child in node.iter_child_nodes())


@functools.cache
def _package_templates(theme_folder: str | None) -> bool:
    """Are all the feed page's templates the package's (whose head `_marked` may join from a cut)?"""
    return theme.fingerprint(theme_folder, _TEMPLATE) == theme.fingerprint(None, _TEMPLATE)


@dataclass(frozen=True, slots=True)
class _Skeleton:
    head: bytes
    tail: bytes


@dataclass(slots=True)
class _Kept:
    """What `_skeleton`, `_marked` and `_mark` keep for one site (by value: each ingest makes its `Site`)."""

    skeletons: OrderedDict[tuple[str, str, str, int, str], _Skeleton | None]
    cuts: dict[str, heads.Pieces | None]
    marks: dict[tuple[str, str], bytes]  # the stand-in card's bytes on a feed's page (`_mark`)


_BY_SITE: dict[Site, _Kept] = {}
_BY_ID: dict[int, tuple[Site, _Kept]] = {}  # id(site): the site, what is kept for it
_NOT_KEPT = object()


def _kept(site: Site) -> _Kept:
    """What is kept for `site`, looked up by identity first (as `html._defaults` does): a `Site`
    is hashed once, not twice a page."""
    found = _BY_ID.get(id(site))
    if found is not None and found[0] is site:
        return found[1]
    if len(_BY_ID) >= 8:
        _BY_ID.clear()
    if len(_BY_SITE) >= 8:
        _BY_SITE.clear()
    kept = _BY_SITE.get(site)
    if kept is None:
        kept = _BY_SITE[site] = _Kept(OrderedDict(), {}, {})
    _BY_ID[id(site)] = (site, kept)
    return kept


def _skeleton(site: Site, info: FeedInfo, digest: str) -> _Skeleton | None:
    """The page's bytes before and after its cards: the page made with one stand-in card, cut
    where that card's bytes are (None unless they occur once)."""
    skeletons = _kept(site).skeletons
    key = (info.ref.kind, info.ref.slug, info.name, info.entry_count, digest)
    kept = skeletons.get(key, _NOT_KEPT)  # one read: another thread's publish may drop it meanwhile
    if kept is not _NOT_KEPT:
        with suppress(KeyError):
            skeletons.move_to_end(key)
        return kept if isinstance(kept, _Skeleton) else None
    page = _marked(site, info, digest)
    mark = _mark(site, info.ref)
    at = page.find(mark)
    found = None
    if mark and at >= 0 and page.find(mark, at + 1) < 0:
        found = _Skeleton(page[:at], page[at + len(mark) :])
    skeletons[key] = found
    if len(skeletons) > _KEPT_MAX:
        with suppress(KeyError):
            skeletons.popitem(last=False)
    return found


def _mark(site: Site, ref: FeedRef) -> bytes:
    """The stand-in card's bytes on `ref`'s page (`html.feed_cards`: they depend on the site and
    the page's path only), made once per feed: a splice asks for the old page's skeleton and the
    new one's."""
    marks = _kept(site).marks
    key = (ref.kind, ref.slug)
    mark = marks.get(key)
    if mark is None:
        mark = html.feed_cards(site, ref, [_MARK])
        if len(marks) >= _KEPT_MAX:
            marks.clear()
        marks[key] = mark
    return mark


# ------------------------------------------------------------------------------- cut by kind

_STAND_INS = (("a5" * 32, "qxnameaq", "qxslugaq", 987654321), ("b7" * 32, "qxnamebq", "qxslugbq", 876543219))
_SLUG = re.compile(r"[a-z0-9-]+")
_ESCAPED = re.compile("[&<>\"']")  # what autoescaping changes
_UNCUT: heads.Pieces = ([], [])  # no cut of the kind kept yet


def _marked(site: Site, info: FeedInfo, digest: str) -> bytes:
    """The page with the stand-in card, joined from the cut of its feed's kind when there is one.

    Pages of one kind of feed differ but for the card only in their digest, the feed's name, slug
    and count, so the page of a kind is made once with stand-ins and cut at them (as
    `render.skeleton` cuts feed documents), if a second page, made with other stand-ins, comes
    out of the pieces the same; only for values the page writes as they are, and with the
    package's templates only (a theme's `base.html` may write a value otherwise: `count % 2`)."""
    name = clean(info.name).strip()
    if (
        not name
        or _ESCAPED.search(name)
        or not _SLUG.fullmatch(info.ref.slug)
        or not _package_templates(site.theme)
    ):
        return html.feed_page_of(site, info, [_MARK], digest)  # a theme's base.html: rendered as it is
    cuts = _kept(site).cuts
    pieces = cuts.get(info.ref.kind, _UNCUT)
    if pieces is _UNCUT:
        pages = [_stand_in(site, info, n) for n in (0, 1)]
        pieces = heads.cut(pages[0], _values(*_STAND_INS[0]))
        if heads.join(pieces, _values(*_STAND_INS[1])) != pages[1]:
            pieces = None
        cuts[info.ref.kind] = pieces
    if pieces is None:
        return html.feed_page_of(site, info, [_MARK], digest)
    return heads.join(pieces, _values(digest, name, info.ref.slug, info.entry_count))


def _values(digest: str, name: str, slug: str, count: int) -> list[bytes]:
    return [digest.encode(), name.encode(), slug.encode(), str(count).encode()]


def _stand_in(site: Site, info: FeedInfo, n: int) -> bytes:
    digest, name, slug, count = _STAND_INS[n]
    ref = info.ref.model_copy(update={"slug": slug})
    return html.feed_page_of(site, FeedInfo(ref=ref, name=name, entry_count=count), [_MARK], digest)


def _cards(site: Site, info: FeedInfo, entries: Sequence[Rendered]) -> bytes:
    return html.feed_cards(site, info.ref, [html.card(site, r.whole()) for r in entries]) if entries else b""


def _miss(reason: str) -> bytes | None:
    PAGES[reason] += 1
    return None


def splice(
    raw: bytes | None,
    site: Site,
    *,
    new: tuple[FeedInfo, Sequence[Rendered], str],
    old: tuple[FeedInfo, Sequence[Rendered], str],
) -> bytes | None:
    """`new`'s page (its feed, its entries newest first, its digest) made from `raw`, the bytes
    on disk, when they are `old`'s page: the cards both hold, a run in the same order, copied
    from `raw` as one piece; only the others rendered. None when that cannot be shown."""
    (info, entries, digest), (old_info, old_entries, old_digest) = new, old
    if raw is None:
        return _miss("no file on disk")
    if not old_entries:
        return _miss("no entries before")
    if not _package_cards(site.theme):
        return _miss("a theme's feed page")
    if read_digest(raw[:_HEAD_BYTES]) != old_digest:
        return _miss("digest on disk is not the old page's")
    opened = _opened(raw)
    if opened is None:
        return _miss("content on disk is not its hash's")
    raw = opened[1]
    found = kept_run([r.key for r in entries], [r.key for r in old_entries])
    if isinstance(found, str):
        return _miss(found)
    start, run = found
    was = _skeleton(site, old_info, old_digest)
    if was is None:
        return _miss("skeleton without its card")
    if len(raw) < len(was.head) + len(was.tail) or not (raw.startswith(was.head) and raw.endswith(was.tail)):
        return _miss("head or tail differ")
    lo, hi = len(was.head), len(raw) - len(was.tail)  # the cards' bytes (not sliced out)
    end = cut_end(raw, lo, hi, sep=b"", opener=CARD_OPENER, count=len(old_entries), run=run)
    if end is None:
        return _miss("cards not found by their openers")
    made = _skeleton(site, info, digest)
    if made is None:  # pragma: no cover - the old page's skeleton was made just above
        return _miss("skeleton without its card")
    PAGES["spliced"] += 1
    kept = memoryview(raw)[lo:end]
    return seal(
        b"".join(
            [
                made.head,
                _cards(site, info, entries[:start]),
                kept,
                _cards(site, info, entries[start + run :]),
                made.tail,
            ]
        )
    )


_TITLE = re.compile(rb"<title>([^<]*)</title>")


def _renamed(raw: bytes, site: Site, old: FeedInfo) -> FeedInfo | None:
    """`old` with the feed's name as the page on disk has it in its title, when that is another
    name: a contributor's feed is named after their newest byline's role (`记者`, `通讯员`), so a
    new role renames the page. Only a candidate: `splice` takes it only if the digest on disk is
    its digest."""
    found = _TITLE.search(raw[:4096])
    prefix = f"{site.name} · "
    try:
        title = unescape(found.group(1).decode("utf-8")) if found else ""
    except UnicodeDecodeError:
        return None
    name = title[len(prefix) :] if title.startswith(prefix) else None
    if not name or name == old.name:
        return None
    return old.model_copy(update={"name": name})


class FeedPages:
    """Feed pages for one build; `output_dir` is where current ones may already be."""

    def __init__(self, site: Site, output_dir: Path | None) -> None:
        self.site = site
        self.output_dir = output_dir

    def page(
        self, info: FeedInfo, recent: Sequence[Rendered], before: Sequence[Rendered] | None = None
    ) -> Outputs:
        """`info`'s page with `recent` (newest first), unless the copy on disk is current.
        `before`: the page's entries before the changes being published, when the builder knows
        them (the feed then held as many entries fewer as `recent` holds entries not in it)."""
        site, path = self.site, html_path(info.ref)
        digest = page_digest(site, info, (r.key for r in recent))
        current, raw = self._read(path, digest, whole=before is not None)
        if current:
            PAGES["current"] += 1
            return Outputs(kept=[path])
        data = None
        if before is not None:
            known = {r.key for r in before}
            added = sum(1 for r in recent if r.key not in known)
            old_info = info.model_copy(update={"entry_count": info.entry_count - added})
            old_digest = page_digest(site, old_info, (r.key for r in before))
            if raw is not None and read_digest(raw[:_HEAD_BYTES]) != old_digest:
                renamed = _renamed(raw, site, old_info)
                if renamed is not None:
                    old_info, old_digest = renamed, page_digest(site, renamed, (r.key for r in before))
            data = splice(raw, site, new=(info, recent, digest), old=(old_info, before, old_digest))
        else:
            PAGES["no page before (rendered whole)"] += 1
        if data is None:
            data = whole(site, info, [r.whole() for r in recent], digest)
        return Outputs(files=[(path, data)])

    def _read(self, path: str, digest: str, *, whole: bool) -> tuple[bool, bytes | None]:
        """Is the page on disk current (its digest `digest`, its content what its hash says)? And,
        if not and `whole`, the page's bytes (one open; a current page is read whole to check it:
        ~25 µs to hash 50 KB)."""
        if self.output_dir is None:
            return False, None
        try:
            with open(os.path.join(self.output_dir, path), "rb", buffering=0) as f:
                head = f.read(_HEAD_BYTES)
                found = read_digest(head)
                if found != digest and not whole:
                    return False, None
                f.seek(0)  # read whole again, unbuffered: one copy, from the page cache
                raw = f.readall()
        except OSError:
            return False, None
        if found == digest:
            if _intact(raw) is not None:
                return True, None
            PAGES["current digest, content not its hash's"] += 1
        return False, raw if whole else None
