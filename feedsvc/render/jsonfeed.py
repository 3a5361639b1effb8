"""JSON Feed 1.1 documents from pydantic models of the spec (https://jsonfeed.org/version/1.1).

Keys outside the spec are extensions and start with `_`: each item carries
`_feedsvc: {kicker, subtitle, page, section}`, every document `_feedsvc: {digest}` (see
`render.feeds`). Paging follows the spec's `next_url`: the subscription document points to the
newest archive page, each archive page to the one before it; `feed_url` is always the subscription
document's URL (the feed's identity).

An item is rendered once (`item`) to compact JSON bytes; a document (`document`) splices those bytes
into its `items` array, one item per line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from feedsvc.render.common import FAVICON, ICON, JSON_FEED, EntryParts, FeedDoc, Site, html_path

EXT = JSON_FEED.ext
MEDIA_TYPE = JSON_FEED.media_type
VERSION: Literal["https://jsonfeed.org/version/1.1"] = "https://jsonfeed.org/version/1.1"

_DIGEST = re.compile(rb'"_feedsvc":\{"digest":"([0-9a-f]{64})"\}')
_EMPTY_ITEMS = b'"items":[]}'


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


def _dump(model: BaseModel) -> bytes:
    return model.model_dump_json(by_alias=True, exclude_none=True).encode()


def item(site: Site, parts: EntryParts) -> bytes:
    """One item, compact JSON. Built without validation: every value comes typed from `EntryParts`."""
    return _dump(
        Item.model_construct(
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
    )


def document(site: Site, doc: FeedDoc, items: Sequence[bytes], digest: str | None = None) -> bytes:
    """A whole JSON Feed around already rendered items (in the order given)."""
    older = doc.older
    head = _dump(
        Feed(
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
            hubs=[Hub(type="WebSub", url=hub) for hub in site.hubs]
            if doc.number is None and site.hubs
            else None,
        )
    )
    if not head.endswith(_EMPTY_ITEMS):  # pragma: no cover - `items` is the model's last field
        raise ValueError("unexpected end of the JSON Feed head")
    body = b",\n".join(items)
    return b"%s\n%s\n]}\n" % (head[:-2], body) if items else head + b"\n"


def read_digest(head: bytes) -> str | None:
    """The digest in the first bytes of a JSON Feed made by `document`."""
    found = _DIGEST.search(head)
    return found.group(1).decode() if found else None
