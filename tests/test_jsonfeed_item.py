"""`jsonfeed.item` writes an item out directly: it must be byte for byte what pydantic makes of
the spec's model (`jsonfeed.model_item`, dumped by alias without null members), for any text,
and valid JSON whose values are the pieces given."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticSerializationError

from feedsvc.render import jsonfeed
from feedsvc.render.common import EntryParts, ImagePart, Person, Site
from tests.render_helpers import settings as site_settings

SITE = Site.from_settings(site_settings(Path("feeds")))
CST = dt.timezone(dt.timedelta(hours=8))

# What JSON escaping is about: quotes, backslashes, every C0 control, DEL and C1, U+2028/2029,
# non-BMP characters, slashes and the HTML specials; CJK.
SPECIAL = [
    '"',
    "\\",
    "/",
    "<",
    ">",
    "&",
    "'",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "😀",
    "𠀀",
    "é",
    "记",
    "者",
]
ALPHABET = st.sampled_from([chr(c) for c in range(0x20)] + SPECIAL)
TEXT = st.text(ALPHABET, max_size=30)
ZONES = st.sampled_from([CST, dt.UTC, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])
IMAGES = st.builds(
    ImagePart,
    url=TEXT.map(lambda s: "http://127.0.0.1:8000/images/" + s),
    width=st.integers(1, 5000),
    height=st.integers(1, 5000),
    length=st.none() | st.integers(0, 10**7),
)


@st.composite
def parts(draw: st.DrawFn) -> EntryParts:
    zone = draw(ZONES)
    when = dt.datetime(2023, 6, 26, 6, 0, tzinfo=zone) + dt.timedelta(seconds=draw(st.integers(0, 10**8)))
    updated = when + dt.timedelta(hours=draw(st.integers(0, 48)))
    return EntryParts(
        id=draw(TEXT),
        title=draw(TEXT),
        url=draw(TEXT),
        body_html="",
        content_html=draw(TEXT),
        summary=draw(TEXT),
        published=when,
        updated=updated,
        authors=tuple(Person(n, u) for n, u in draw(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=3))),
        photographers=(),
        section=draw(st.none() | TEXT),
        section_url=None,
        page_label=draw(st.sampled_from(["第1版", "第12版"])),
        kicker=draw(st.none() | TEXT),
        subtitle=draw(st.none() | TEXT),
        page=draw(st.integers(1, 200)),
        paragraphs=(),
        published_iso=when.isoformat(),
        updated_iso=updated.isoformat(),
        images=tuple(draw(st.lists(IMAGES, max_size=2))),
    )


def by_pydantic(p: EntryParts) -> bytes:
    return jsonfeed.model_item(SITE, p).model_dump_json(by_alias=True, exclude_none=True).encode()


@settings(max_examples=300, deadline=None)
@given(parts())
def test_direct_item_is_the_models_bytes(p: EntryParts) -> None:
    data = jsonfeed.item(SITE, p)
    assert data == by_pydantic(p)
    found = json.loads(data)
    assert (found["title"], found["content_html"], found["_feedsvc"]["page"]) == (
        p.title,
        p.content_html,
        p.page,
    )
    assert found["date_published"].endswith("Z") == (p.published.utcoffset() == dt.timedelta(0))


def test_lone_surrogates_are_refused_by_both() -> None:
    """`common.clean` removes them from every text an entry shows; should one come, both refuse it."""
    when = dt.datetime(2023, 6, 26, 6, 0, tzinfo=CST)
    bad = EntryParts(
        id="x", title="a\ud800b", url="http://x/", body_html="", content_html="", summary="",
        published=when, updated=when, authors=(Person("n", "http://x/"),), photographers=(),
        section=None, section_url=None, page_label="第1版", kicker=None, subtitle=None, page=1, paragraphs=(), published_iso=when.isoformat(),
        updated_iso=when.isoformat(),
    )  # fmt: skip
    with pytest.raises(UnicodeEncodeError):
        jsonfeed.item(SITE, bad)
    with pytest.raises(PydanticSerializationError):
        by_pydantic(bad)
