"""JSON Feed 1.1 documents from pydantic models of the spec (https://jsonfeed.org/version/1.1).

Keys outside the spec are extensions and start with `_`: each item carries
`_feedsvc: {kicker, subtitle, page, section}`, every document `_feedsvc: {digest}` (see
`render.feeds`). Paging follows the spec's `next_url`: the subscription document points to the
newest archive page, each archive page to the one before it; `feed_url` is always the subscription
document's URL (the feed's identity).

An item is rendered once (`item`, written directly; `model_item` is its model) to compact JSON
bytes; a document (`document`) splices those bytes into its `items` array, one item per line,
after a head written directly too (`model_head` is its model).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from json.encoder import encode_basestring as _text  # JSON string, non-ASCII as is
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from feedsvc.render.common import FAVICON, ICON, JSON_FEED, EntryParts, FeedDoc, ImagePart, Site, html_path
from feedsvc.render.content import json_content

EXT: Final[str] = JSON_FEED.ext
MEDIA_TYPE = JSON_FEED.media_type
VERSION: Literal["https://jsonfeed.org/version/1.1"] = "https://jsonfeed.org/version/1.1"

_DIGEST = re.compile(rb'"_feedsvc":\{"digest":"([0-9a-f]{64})"\}')


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Author(_Model):
    name: str
    url: str | None = None


class Hub(_Model):
    type: str
    url: str


class ItemExtension(_Model):
    kicker: str | None = None
    subtitle: str | None = None
    page: int
    section: str | None = None


class Attachment(_Model):
    url: str
    mime_type: str
    size_in_bytes: int | None = None


class Item(_Model):
    id: str
    url: str
    title: str
    content_html: str
    summary: str | None = None
    image: str | None = None
    date_published: dt.datetime
    date_modified: dt.datetime
    authors: list[Author]
    tags: list[str]
    language: str
    attachments: list[Attachment] | None = None
    feedsvc: ItemExtension = Field(alias="_feedsvc")


class FeedExtension(_Model):
    digest: str


class Feed(_Model):
    version: Literal["https://jsonfeed.org/version/1.1"] = VERSION
    feedsvc: FeedExtension | None = Field(default=None, alias="_feedsvc")
    title: str
    home_page_url: str
    feed_url: str
    description: str | None = None
    next_url: str | None = None
    icon: str | None = None
    favicon: str | None = None
    authors: list[Author]
    language: str
    hubs: list[Hub] | None = None
    items: list[Item] = []  # stays last: `document` splices rendered items into it


def item(site: Site, parts: EntryParts) -> bytes:
    """One item, compact JSON, written directly: the bytes pydantic dumps of `model_item(...)`
    (by alias, without null members), in a fifth of the time (tests/test_jsonfeed_item.py)."""
    out = ['{"id":', _text(parts.id), ',"url":', _text(parts.url), ',"title":', _text(parts.title)]
    out.append(',"content_html":')
    content = json_content(parts)  # encoded and escaped as bytes, once (None: not known plain)
    if content is None:
        out.append(_text(parts.content_html))
    head, out = out, []
    if parts.summary:
        out += (',"summary":', _text(parts.summary))
    if parts.images:
        out += (',"image":', _text(parts.images[0].url))
    published, updated = _zulu(parts.published_iso), _zulu(parts.updated_iso)
    out += (',"date_published":"', published, '","date_modified":"', updated)
    authors = ",".join(f'{{"name":{_text(p.name)},"url":{_text(p.url)}}}' for p in parts.authors)
    out += ('","authors":[', authors, '],"tags":[', ",".join(map(_text, parts.tags)), "]")
    out += (',"language":', _text(site.language))
    if parts.images:
        out += (',"attachments":[', ",".join(map(_attachment, parts.images)), "]")
    out.append(',"_feedsvc":{')
    if parts.kicker is not None:
        out += ('"kicker":', _text(parts.kicker), ",")
    if parts.subtitle is not None:
        out += ('"subtitle":', _text(parts.subtitle), ",")
    out += ('"page":', str(parts.page))
    if parts.section is not None:
        out += (',"section":', _text(parts.section))
    out.append("}}")
    if content is None:
        return "".join(head + out).encode()
    return b"".join(("".join(head).encode(), content, "".join(out).encode()))


def _zulu(text: str) -> str:
    """A datetime's `isoformat` as pydantic writes the datetime: `Z` for UTC."""
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _attachment(image: ImagePart) -> str:
    size = f',"size_in_bytes":{image.length}' if image.length is not None else ""
    return f'{{"url":{_text(image.url)},"mime_type":{_text(image.MEDIA_TYPE)}{size}}}'


def model_item(site: Site, parts: EntryParts) -> Item:
    """The item as the spec's model: what `item` writes (built without validation)."""
    return Item.model_construct(
        id=parts.id,
        url=parts.url,
        title=parts.title,
        content_html=parts.content_html,
        summary=parts.summary or None,
        image=parts.images[0].url if parts.images else None,
        date_published=parts.published,
        date_modified=parts.updated,
        authors=[Author.model_construct(name=p.name, url=p.url) for p in parts.authors],
        tags=parts.tags,
        language=site.language,
        attachments=[
            Attachment.model_construct(url=i.url, mime_type=i.MEDIA_TYPE, size_in_bytes=i.length)
            for i in parts.images
        ]
        or None,
        feedsvc=ItemExtension.model_construct(
            kicker=parts.kicker, subtitle=parts.subtitle, page=parts.page, section=parts.section
        ),
    )


def document(site: Site, doc: FeedDoc, items: Sequence[bytes], digest: str | None = None) -> bytes:
    """A whole JSON Feed around already rendered items (in the order given)."""
    head = _head(site, doc, digest)
    body = b",\n".join(items)
    return b"%s\n%s\n]}\n" % (head[:-2], body) if items else head + b"\n"


def _head(site: Site, doc: FeedDoc, digest: str | None) -> bytes:
    """The document without items (ending `"items":[]}`), written directly: the bytes pydantic
    dumps of `model_head(...)` (by alias, without null members; tests/test_jsonfeed_head.py)."""
    out = [f'{{"version":"{VERSION}"']
    if digest is not None:
        out.append(f',"_feedsvc":{{"digest":{_text(digest)}}}')
    out += (',"title":', _text(doc.title), ',"home_page_url":', _text(site.url(html_path(doc.ref))))
    out += (',"feed_url":', _text(site.url(f"{doc.ref.stem}.{EXT}")))
    if doc.subtitle:
        out += (',"description":', _text(doc.subtitle))
    if doc.older is not None:
        out += (',"next_url":', _text(site.url(doc.page_path(doc.older, EXT))))
    out += (',"icon":', _text(site.url(ICON)), ',"favicon":', _text(site.url(FAVICON)))
    out += (',"authors":[{"name":', _text(site.name), ',"url":', _text(site.base_url), "}]")
    out += (',"language":', _text(site.language))
    if doc.number is None and site.hubs:
        hubs = ",".join(f'{{"type":"WebSub","url":{_text(hub)}}}' for hub in site.hubs)
        out += (',"hubs":[', hubs, "]")
    out.append(',"items":[]}')
    return "".join(out).encode()


def model_head(site: Site, doc: FeedDoc, digest: str | None = None) -> Feed:
    """The document without items as the spec's model (validated): what `_head` writes."""
    older = doc.older
    return Feed(
        feedsvc=FeedExtension(digest=digest) if digest is not None else None,
        title=doc.title,
        home_page_url=site.url(html_path(doc.ref)),
        feed_url=site.url(f"{doc.ref.stem}.{EXT}"),
        description=doc.subtitle or None,
        next_url=site.url(doc.page_path(older, EXT)) if older is not None else None,
        icon=site.url(ICON),
        favicon=site.url(FAVICON),
        authors=[Author(name=site.name, url=site.base_url)],
        language=site.language,
        hubs=[Hub(type="WebSub", url=hub) for hub in site.hubs] if doc.number is None and site.hubs else None,
    )


def read_digest(head: bytes) -> str | None:
    """The digest in the first bytes of a JSON Feed made by `document`."""
    found = _DIGEST.search(head)
    return found.group(1).decode() if found else None
