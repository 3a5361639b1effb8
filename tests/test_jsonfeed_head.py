"""`jsonfeed.document` writes a document's head directly: it must be byte for byte what pydantic
makes of the spec's model (`jsonfeed.model_head`, dumped by alias without null members), for any
text, digest, archive position and hubs, and `document` must stay valid JSON holding its items."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.records import FeedRef
from feedsvc.render import jsonfeed
from feedsvc.render.common import FeedDoc, Site
from tests.render_helpers import settings as site_settings
from tests.test_jsonfeed_item import TEXT

SITE = Site.from_settings(site_settings(Path("feeds")))
WHEN = dt.datetime(2023, 6, 26, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SLUGS = st.text(st.sampled_from("abz09-_记者"), min_size=1, max_size=8)
REFS = st.one_of(
    st.just(FeedRef(kind="paper", slug="")),
    st.builds(FeedRef, kind=st.sampled_from(["section", "contributor"]), slug=SLUGS),
)


@st.composite
def sites(draw: st.DrawFn) -> Site:
    return dataclasses.replace(
        SITE,
        name=draw(TEXT),
        base_url="https://paper.example/" + draw(TEXT.map(lambda s: s.replace("/", "")) | st.just("")),
        language=draw(st.sampled_from(["zh-CN", "en", 'x"y'])),
        hubs=tuple(draw(st.lists(TEXT.map(lambda s: "https://hub.example/" + s), max_size=2))),
    )


@st.composite
def docs(draw: st.DrawFn) -> FeedDoc:
    last = draw(st.integers(0, 30))
    number = draw(st.none() | st.integers(1, max(1, last)))
    return FeedDoc(
        ref=draw(REFS), title=draw(TEXT), updated=WHEN, number=number, last=last, subtitle=draw(TEXT)
    )


def by_pydantic(site: Site, doc: FeedDoc, digest: str | None) -> bytes:
    model = jsonfeed.model_head(site, doc, digest)
    return model.model_dump_json(by_alias=True, exclude_none=True).encode()


@settings(max_examples=300, deadline=None)
@given(sites(), docs(), st.none() | st.text("0123456789abcdef", min_size=64, max_size=64))
def test_direct_head_is_the_models_bytes(site: Site, doc: FeedDoc, digest: str | None) -> None:
    empty = jsonfeed.document(site, doc, [], digest)
    assert empty == by_pydantic(site, doc, digest) + b"\n"
    items = [b'{"id":"1"}', b'{"id":"2"}']
    found = json.loads(jsonfeed.document(site, doc, items, digest))
    assert found["title"] == doc.title
    assert [i["id"] for i in found["items"]] == ["1", "2"]
    assert ("hubs" in found) == (doc.number is None and bool(site.hubs))
    assert ("next_url" in found) == (doc.older is not None)
    assert jsonfeed.read_digest(empty) == digest
