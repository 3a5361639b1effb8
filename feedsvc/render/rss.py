"""RSS 2.0 documents with feedgen, for readers and aggregators that take only RSS.

Like `atom`: an entry is rendered once (`entry`) to the bytes of its `<item>` element, written out
directly as feedgen and lxml make it (`_feedgen_item`, which tests compare it with); a document
(`document`) is feedgen's channel with those bytes spliced in before `</channel>`.

What each element holds: `guid` is the entry's id (a tag URI, `isPermaLink="false"`), the same id
as in the Atom and JSON documents; `pubDate` is the entry's `published` as the feeds show it
(RFC 822 with the paper's offset, `+0800`); `description` is the lead paragraph as HTML and
`content:encoded` the whole content; the authors are `dc:creator` elements, writer first (RSS's own
`author` must be an e-mail address). The channel links itself (`atom:link rel="self"`), its
WebSub hubs and, on archive pages, RFC 5005's `current`, `prev-archive` and `next-archive` with
`fh:archive`, as in the Atom documents.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Sequence
from email.utils import format_datetime
from typing import Any, Final

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import formatRFC2822
from lxml import etree  # type: ignore[import-untyped]

from feedsvc.render import heads
from feedsvc.render.atom import GENERATOR, HISTORY_NS, read_digest, splice, xml_attr, xml_text
from feedsvc.render.common import ICON, NOT_XML, RSS, EntryParts, FeedDoc, Site, html_path
from feedsvc.render.content import xml_content

EXT: Final[str] = RSS.ext
MEDIA_TYPE = RSS.media_type
ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"

__all__ = ["EXT", "MEDIA_TYPE", "document", "entry", "read_digest"]  # read_digest: Atom's digest comment

_END = b"  </channel>\n</rss>\n"


class _ChannelLinks(BaseExtension):  # type: ignore[misc]
    """feedgen extension adding atom:link elements feedgen leaves out of RSS (hubs, RFC 5005
    links) and, on an archive page, `<fh:archive/>`."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []
        self.archive = False

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY_NS} if self.archive else {}

    def extend_rss(self, feed: Any) -> Any:
        channel = feed[0]
        for link in self.links:
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", link)
        if self.archive:
            etree.SubElement(channel, f"{{{HISTORY_NS}}}archive")
        return feed


def _fields(parts: EntryParts) -> tuple[str, str]:
    """(description, content:encoded): the lead paragraph as HTML (readers take RSS descriptions as
    HTML) and the whole content, or the content alone as the description when there is no lead."""
    lead = html.escape(parts.summary, quote=True)  # `esc`, but the summary is cleaned text already
    return (lead, parts.content_html) if lead and parts.content_html else (lead or parts.content_html, "")


def entry(site: Site, parts: EntryParts) -> bytes:
    """The `<item>` element of one entry, indented for its place in a document: byte for byte
    what `_feedgen_item` makes, in a fraction of the time. Strings XML cannot hold go to
    `_feedgen_item`, which refuses them."""
    description, content = _fields(parts)
    if not parts.title or not (parts.xml_checked or _xml_safe(site, parts, description, content)):
        return _feedgen_item(site, parts)
    out = [f"    <item>\n      <title>{xml_text(parts.title)}</title>\n"]
    out.append(f"      <link>{xml_text(parts.url)}</link>\n")
    if description:
        out.append(f"      <description>{xml_text(description)}</description>\n")
    if content:  # the whole content (`parts.content_html`), as Atom's entry has it made
        out.append("      <content:encoded>")
    rest = ["</content:encoded>\n"] if content else []
    rest.append(f'      <guid isPermaLink="false">{xml_text(parts.id)}</guid>\n')
    if parts.section:
        domain = xml_attr(site.url("sections/"))
        rest.append(f'      <category domain="{domain}">{xml_text(parts.section)}</category>\n')
    rest.append(f"      <category>{xml_text(parts.page_label)}</category>\n")
    if enclosure := _enclosure(parts):
        url, length, kind = (xml_attr(value) for value in enclosure)
        rest.append(f'      <enclosure url="{url}" length="{length}" type="{kind}"/>\n')
    rest.append(f"      <pubDate>{rfc822(parts.published)}</pubDate>\n")
    rest += [f"      <dc:creator>{xml_text(p.name)}</dc:creator>\n" for p in parts.authors if p.name]
    rest.append("    </item>\n")
    middle = xml_content(parts) if content else b""
    return b"".join(("".join(out).encode(), middle, "".join(rest).encode()))


def _xml_safe(site: Site, parts: EntryParts, description: str, content: str) -> bool:
    """Does lxml take every string `entry` writes?"""
    texts = [parts.id, parts.title, parts.url, description, content, parts.page_label]
    texts += [parts.section or "", site.url("sections/"), *(p.name for p in parts.authors)]
    texts += [image.url for image in parts.images[:1]]
    return NOT_XML.search("".join(texts)) is None


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc822(when: dt.datetime) -> str:
    """`email.utils.format_datetime(when)`, written from the datetime's fields as it writes them
    from `timetuple()`, the zone (`strftime('%z')`) made once per offset: each item has its own
    instant, so keeping whole answers (as before) missed every time. A naive time goes to
    `format_datetime` (`-0000`)."""
    if when.tzinfo is None:
        return format_datetime(when)
    day, month = _DAYS[when.weekday()], _MONTHS[when.month - 1]
    clock = f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    return f"{day}, {when.day:02d} {month} {when.year:04d} {clock} {_zone(when.utcoffset())}"


@functools.lru_cache(maxsize=64)
def _zone(offset: dt.timedelta | None) -> str:
    """What `strftime('%z')` writes for a datetime with this UTC offset."""
    if offset is None:
        return ""
    return dt.datetime(2000, 1, 2, tzinfo=dt.timezone(offset)).strftime("%z")


def _enclosure(parts: EntryParts) -> tuple[str, str, str] | None:
    """(url, length, type) of the item's enclosure: its first photo (RSS gives an item one; the
    length is 0 when the size is not known, as the RSS Advisory Board's profile says)."""
    if not parts.images:
        return None
    image = parts.images[0]
    return image.url, str(image.length or 0), image.MEDIA_TYPE


def _feedgen_item(site: Site, parts: EntryParts) -> bytes:
    """`entry` made with feedgen and lxml: the `<item>` of a one-item feedgen document, as it
    stands in every document (what `entry` writes out directly)."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.title("-")
    fg.link(href=site.base_url)
    fg.description("-")
    fe = fg.add_entry()
    fe.id(parts.id)
    fe.title(parts.title)
    fe.link(href=parts.url)
    description, content = _fields(parts)
    if description:
        fe.description(description)
    if content:
        fe.content(content)
    fe.guid(parts.id, permalink=False)
    categories: list[dict[str, str]] = []
    if parts.section:
        categories.append({"term": parts.section, "scheme": site.url("sections/")})
    categories.append({"term": parts.page_label})
    fe.category(categories)
    if enclosure := _enclosure(parts):
        fe.enclosure(*enclosure)
    fe.pubDate(parts.published)
    names = [p.name for p in parts.authors if p.name]
    if names:
        fe.dc.dc_creator(names)
    data: bytes = fg.rss_str(pretty=True)
    start, end = data.index(b"    <item>"), data.rindex(b"</item>\n") + len(b"</item>\n")
    return data[start:end]


STAMP: heads.Stamp = formatRFC2822  # `lastBuildDate` as the head writes it


def document(site: Site, doc: FeedDoc, entries: Sequence[bytes], digest: str | None = None) -> bytes:
    """A whole RSS document around already rendered items (in the order given)."""
    return splice(heads.head(_head, STAMP, site, doc), _END, entries, digest)


def _head(site: Site, doc: FeedDoc) -> bytes:
    """feedgen's document for `doc`, without entries."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("history", _ChannelLinks, atom=False, rss=True)
    links: _ChannelLinks = fg.history
    home = site.url(html_path(doc.ref))
    fg.title(doc.title)
    fg.link(href=site.url(doc.path(EXT)), rel="self", type=MEDIA_TYPE)
    fg.link(href=home, rel="alternate")  # the channel's <link> (feedgen keeps the last one)
    fg.description(doc.subtitle or doc.title)
    fg.language(site.language)
    fg.generator(GENERATOR)
    fg.image(url=site.url(ICON), title=doc.title, link=home)
    fg.lastBuildDate(doc.updated)
    if doc.number is None:
        links.links += [{"href": hub, "rel": "hub"} for hub in site.hubs]
    else:
        links.links.append({"href": site.url(f"{doc.ref.stem}.{EXT}"), "rel": "current", "type": MEDIA_TYPE})
        links.archive = True
    if (older := doc.older) is not None:
        href = site.url(doc.page_path(older, EXT))
        links.links.append({"href": href, "rel": "prev-archive", "type": MEDIA_TYPE})
    if (newer := doc.newer) is not None:
        href = site.url(doc.page_path(newer, EXT))
        links.links.append({"href": href, "rel": "next-archive", "type": MEDIA_TYPE})
    data: bytes = fg.rss_str(pretty=True)
    return data
