"""An archive page with entries appended, made from its copy on disk without its older entries.

At an ingest the new entries go to the end of each touched feed's open archive page (pages count
from the oldest entry; `store/schema.py`'s `arrival` keeps the order append-only). The page's
digest covers its entries' keys through a chain (`keys.key_chain`), and the store remembers each
open page's chain, how many entries it held, the newest of them and its `updated`
(`store.proofs.PageChain`), proven still to be the page's first entries there. So the page before
and after the ingest are known by their digests without reading its older entries: the copy on
disk must carry the old digest (the bytes are then the old page, every entry of it), its entries'
bytes are taken as one piece between the old skeleton's head and tail, and only the new entries are
rendered. A feed renamed meanwhile (a contributor's new role) is found under its old name as a
splice finds it (`feeds.renamed`: a candidate, taken only if the digest on disk is its digest).
Anything else (no copy, another digest on disk) returns None: the caller reads the page and renders
it as before (`Builder.feed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from feedsvc.records import FeedInfo, FeedRef
from feedsvc.render.common import FeedDoc
from feedsvc.render.feeds import FORMATS, SPLICES, FeedRenderer, Outputs, Rendered, renamed
from feedsvc.render.keys import chain_digest, key_chain
from feedsvc.render.skeleton import skeleton
from feedsvc.render.stubs import Proofs
from feedsvc.store.proofs import PageChain


class Place(NamedTuple):
    """Archive page `number` of `last`, holding `size` entries; the feed had `old_last` pages
    before the changes being published."""

    number: int
    last: int
    old_last: int
    size: int


def append_page(
    renderer: FeedRenderer,
    proofs: Proofs,
    info: FeedInfo,
    at: Place,
    *,
    newer: Sequence[Rendered],
    ids: set[str],
    was: PageChain | None,
) -> Outputs | None:
    """The page at `at` made from its remembered first entries `was` and the entries after them
    (`appended`), if those are all the changes' (`ids`); `newer`: the feed's entries from the
    page's newest, newest first, as listed. The page is remembered in `proofs` as it is now: the
    open page's chain, or a page just filled up's digest. None: read the page instead."""
    added = at.size - was.entries if was is not None else 0
    if was is None or not 0 < added <= len(newer):
        return None
    new = list(newer[:added])[::-1]
    if any(r.entry.id not in ids for r in new):
        return None
    ref, name = info.ref, info.name
    out = appended(renderer, ref, name=name, last=at.last, old_last=at.old_last, was=was, new=new)
    if out is None or out.chain is None or out.digest is None:
        return None
    if at.number == at.last:
        updated = max([was.updated, *(r.updated for r in new)])
        proofs.add_chain(ref, PageChain(at.number, at.size, new[-1].entry.id, updated, out.chain))
    else:
        proofs.add(ref, name, at.number, at.last, page=new, digest=out.digest)
    return out


def open_page(number: int, page: Sequence[Rendered], chain: bytes | None) -> PageChain | None:
    """Open archive page `number` (`page` oldest first, with its `key_chain`) as the store keeps it."""
    if chain is None or not page:
        return None
    return PageChain(number, len(page), page[-1].entry.id, max(r.updated for r in page), chain)


def appended(
    renderer: FeedRenderer,
    ref: FeedRef,
    *,
    name: str,
    last: int,
    old_last: int,
    was: PageChain,
    new: Sequence[Rendered],
) -> Outputs | None:
    """Archive page `was.number` of `last`: its first `was.entries` entries as remembered, then
    `new` (oldest first, at least one); `old_last`: the feed's page count before them. None when
    the copy on disk cannot be shown to be the page before (see the module docstring)."""
    if not new:
        return None
    site = renderer.site
    updated: dt.datetime = max([was.updated, *(r.updated for r in new)])
    doc = FeedDoc(
        ref=ref,
        title=site.title(name),
        subtitle=site.subtitle(ref, name),
        updated=site.local(updated),
        number=was.number,
        last=last,
    )
    old = replace(doc, updated=site.local(was.updated), last=old_last)
    chain = key_chain((r.key for r in new), was.chain)
    digest, old_digest = chain_digest(site, doc, chain), chain_digest(site, old, was.chain)
    paths = [doc.path(fmt.ext) for fmt in FORMATS]
    raws = [renderer.on_disk(path) for path in paths]
    found = [fmt.read_digest(raw[:256]) if raw else None for raw, fmt in zip(raws, FORMATS, strict=True)]
    if found == [digest] * len(FORMATS):
        return Outputs(kept=paths, digest=digest, chain=chain)
    files = []
    for i, (path, fmt, raw) in enumerate(zip(paths, FORMATS, raws, strict=True)):
        was_doc, was_digest = old, old_digest
        if raw is not None and found[i] != old_digest:  # the feed renamed (`feeds.renamed`)?
            was_doc = renamed(raw, site, fmt, old) or old
            was_digest = chain_digest(site, was_doc, was.chain)
        if raw is None or found[i] != was_digest:
            SPLICES["appended: not the page before on disk"] += 1
            return None
        before = skeleton(site, fmt.ext, fmt.document, was_doc, was_digest)
        after = skeleton(site, fmt.ext, fmt.document, doc, digest)
        if before is None or after is None:
            SPLICES["appended: skeleton without markers"] += 1
            return None
        head, tail = before.head, before.tail
        if len(raw) <= len(head) + len(tail) or not (raw.startswith(head) and raw.endswith(tail)):
            SPLICES["appended: head or tail differ"] += 1
            return None
        body = memoryview(raw)[len(head) : len(raw) - len(tail)]  # not copied but by the fill
        files.append((path, after.fill([body, *(r.data(site, i) for r in new)])))
    SPLICES["appended"] += len(files)
    return Outputs(files=files, digest=digest, chain=chain)
