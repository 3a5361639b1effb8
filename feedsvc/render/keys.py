"""The keys and digests that prove a rendered file current.

An entry's key (`entry_key`) is what its renderings depend on besides the site: ids, dates, places,
names, photos' sizes, no text (the store gives an entry a new `updated` whenever its text changes).
An article page's digest (`entry_digest`) and a feed document's (`doc_digest`; an archive page's
through `key_chain`, so appending needs only the chain before and the new keys) go into the files,
and a run renders again only what no longer matches. Pure, no I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable

from feedsvc.records import Entry, EntryImage, EntryPerson, PersonFields, entry_fields, person_fields
from feedsvc.render.common import FeedDoc, Site
from feedsvc.render.recent import Recent
from feedsvc.render.theme import fingerprint as theme_fingerprint

ARTICLE_VERSION = "2"
"""Bump when an article page's bytes change for the same entry, settings and templates (as
`common.RENDER_VERSION` for feed documents): the next regenerate renders every article page again.
2: an update in a daylight-saving fold is shown."""


def entry_key(entry: Entry) -> bytes:
    """What a digest takes from an entry: id, `updated`, path, position (the dates shown depend on
    it, `shown`; the store moves an item on its page without a new `updated`), section and
    contributors (which the store may rename without a correction), and its photos' sizes (the
    store may learn a photo's bytes later). The store gives an entry a new `updated` whenever its
    text changes; otherwise documents holding it are not rendered again. (An entry without photos
    keys as before they were.)"""
    fields = entry_fields(entry)
    people = "\t".join(_person_key(person_fields(p)) for p in fields["contributors"])
    if images := fields["images"]:
        people += "\t" + "\t".join(f"{i.path}|{i.width}|{i.height}|{i.length}" for i in images)
    section = f"{fields['section']}|{fields['section_slug']}"
    where = f"{fields['path']}\t{fields['position']}"
    key = f"{fields['id']}\t{fields['updated'].isoformat()}\t{where}\t{section}\t{people}\n"
    return key.encode("utf-8", "surrogatepass")


def _person_key(person: PersonFields) -> str:
    """A contributor's part of `entry_key`, from its fields (`records.person_fields`)."""
    return f"{person['role']}|{person['name']}|{person['credit']}|{person['slug']}"


@functools.cache
def key_form() -> str:
    """Which definition of `entry_key` this is: the key of one entry with every field it may take,
    digested. Keys the store remembers (`store.proofs`, `recent_keys`) are taken only by the same
    form, so a feedsvc that keys entries otherwise never mixes an older one's keys into its digests."""
    when = dt.datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    sample = Entry(
        id="tag:example.org,2001:a", issue_date=when.date(), page=2, position=3, section="要闻",
        section_slug="yao-wen", kind="article", kicker="k", headline="h", subtitle="s", title="t",
        title_derived=False, dateline="d", paragraphs=("p",), published=when, updated=when,
        path="articles/2001/02/03/p2-03.html",
        contributors=(EntryPerson(role="记者", name="甲", credit="摄", slug="jia"),),
        images=(EntryImage(path="images/a.jpg", width=4, height=5, bbox=(0, 0, 1, 1), length=6),),
    )  # fmt: skip
    return hashlib.sha256(entry_key(sample)).hexdigest()[:16]


def entry_digest(site: Site, key: bytes) -> str:
    """What an article page's bytes depend on: the renderer, the paper's settings, the site's look,
    the entry (and, in `key`, whatever else the page shows: its neighbours in the issue)."""
    found = _ARTICLE_PREFIX.get(id(site))
    if found is None or found[0] is not site:
        templates = theme_fingerprint(site.theme, "article.html")
        prefix = hashlib.sha256(
            f"{site.fingerprint}\n{site.look}\n{templates}\narticle {ARTICLE_VERSION}\n".encode()
        )
        if len(_ARTICLE_PREFIX) >= 8:
            _ARTICLE_PREFIX.clear()
        found = _ARTICLE_PREFIX[id(site)] = (site, prefix)
    h = found[1].copy()
    h.update(key)
    return h.hexdigest()


_ARTICLE_PREFIX: dict[int, tuple[Site, hashlib._Hash]] = {}
"""id(site): the site, `entry_digest`'s hash of what comes before the key (looked up by identity:
hashing a `Site` costs more than the rest)."""


CHAIN_START = bytes(32)  # `key_chain` of no entries


def key_chain(keys: Iterable[bytes], chain: bytes = CHAIN_START) -> bytes:
    """`chain` (that of the keys before these) extended by `keys`, one SHA-256 a key: an archive
    page's digest covers its entries' keys through this chain, so the digest of a page with
    entries appended follows from the chain before and the new keys alone (`render.append`)."""
    sha256 = hashlib.sha256
    for key in keys:
        chain = sha256(chain + key).digest()
    return chain


def doc_digest(site: Site, doc: FeedDoc, keys: Iterable[bytes]) -> str:
    """What a feed document's bytes depend on: the renderer, the paper's settings (and hubs, for a
    subscription document), the document's place, links and `updated`, and its entries' keys (an
    archive page's through `key_chain`, a subscription document's each in turn)."""
    if doc.number is not None:
        return chain_digest(site, doc, key_chain(keys))
    return keyed_digest(_place_head(site, doc), keys)


def keyed_digest(head: bytes, keys: Iterable[bytes]) -> str:
    """The SHA-256 (hex) of `head` and then `keys`. The last made (`_KEYED`) are kept by their head
    with their keys: a document's or feed page's digest before an ingest's changes is the one the
    publish before made (same head, same keys), found by comparing the keys, not hashing them."""
    listed = list(keys)
    found = _KEYED.get(head)
    if found is not None and found[0] == listed:
        return found[1]
    digest = hashlib.sha256(b"".join([head, *listed])).hexdigest()
    _KEYED.put(head, (listed, digest), len(head) + sum(map(len, listed)) + _KEY_COST * len(listed))
    return digest


_KEY_COST = 40  # the bytes a key costs besides its own (its object, its place in the list)
_KEYED: Recent[bytes, tuple[list[bytes], str]] = Recent(16 * 2**20)
"""head: the keys and digest `keyed_digest` made last for it (~140 documents and feed pages an
issue touches, each ~50 keys of ~170 bytes at the default sizes; fewer with larger feeds)."""


def chain_digest(site: Site, doc: FeedDoc, chain: bytes) -> str:
    """An archive page's `doc_digest` from the `key_chain` of its entries' keys."""
    h = _place_hash(site, doc)
    h.update(chain)
    return h.hexdigest()


def _place_hash(site: Site, doc: FeedDoc) -> hashlib._Hash:
    return hashlib.sha256(_place_head(site, doc))


def _place_head(site: Site, doc: FeedDoc) -> bytes:
    hubs = site.hubs if doc.number is None else ()
    place = (
        doc.ref.kind,
        doc.ref.slug,
        doc.title,
        doc.subtitle,
        doc.updated.isoformat(),
        doc.number,
        doc.older,
        doc.newer,
        hubs,
    )
    return f"{site.fingerprint}\n{place!r}\n".encode("utf-8", "surrogatepass")
