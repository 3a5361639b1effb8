"""An entry's content encoded to UTF-8 once and escaped as bytes for each feed format
(`render.content`): it must be what escaping the text and encoding it gave, for any text, and an
entry's parts made by `entry_parts` must be plain (`EntryParts.content_plain`) for JSON to take
the bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Callable
from json.encoder import encode_basestring
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.records import EntryImage
from feedsvc.render import atom, content, jsonfeed, rss
from feedsvc.render.common import EntryParts, Site, clean, entry_parts
from tests.render_helpers import ZHANG_PHOTO, entry, person
from tests.render_helpers import settings as site_settings
from tests.test_jsonfeed_item import by_pydantic
from tests.test_jsonfeed_item import parts as any_parts

SITE = Site.from_settings(site_settings(Path("feeds")))

# every C0 control, what XML and JSON escape, DEL, C1, line and paragraph separators, CJK, an emoji
ALPHABET = st.sampled_from(
    [chr(c) for c in range(0x20)]
    + list("\x7f\x85\x9f\u3000\u2028\u2029\xa0\u200b\ufffe")
    + list("记者董笑瑜。，《》“”a1&<>\"'\\/é😀𠀀")
)
TEXT = st.text(ALPHABET, max_size=40)


@settings(max_examples=400, deadline=None)
@given(any_parts(), TEXT)
def test_xml_content_as_defined(p: EntryParts, text: str) -> None:
    p = dataclasses.replace(p, content_html=text)
    assert content.xml_content(p) == atom.xml_text(text).encode()


@settings(max_examples=400, deadline=None)
@given(any_parts(), TEXT)
def test_json_content_of_plain_content_as_defined(p: EntryParts, text: str) -> None:
    """A plain content (nothing below U+0020 but tab, line feed, return: what `clean` leaves) is
    escaped as `encode_basestring` escapes it; any other is left to the caller."""
    plain = dataclasses.replace(p, content_html=clean(text), content_plain=True)
    assert content.json_content(plain) == encode_basestring(clean(text)).encode()
    assert content.json_content(dataclasses.replace(plain, content_plain=False)) is None


@settings(max_examples=300, deadline=None)
@given(any_parts(), TEXT)
def test_item_of_plain_content_is_the_models_bytes(p: EntryParts, text: str) -> None:
    p = dataclasses.replace(p, content_html=clean(text), content_plain=True)
    assert jsonfeed.item(SITE, p) == by_pydantic(p)


def test_content_encoded_once_for_every_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """Atom, RSS and JSON take the entry's content from one encoding, without JSON escaping it
    as text (fails if JSON escapes the content itself or any format encodes it again)."""
    e = entry(
        dt.date(2024, 1, 2), 1, 2, paragraphs=["本报讯 导语", 'a "b" \\ c\td\r'], kicker="引题 & <更多>"
    )
    p = entry_parts(SITE, e)
    assert p.content_plain
    texts: list[str] = []
    monkeypatch.setattr(jsonfeed, "_text", lambda v: texts.append(v) or encode_basestring(v))
    data = [atom.entry(SITE, p)]
    made = content._LAST[0][:3]  # the parts, the content encoded, and escaped for XML
    data += [rss.entry(SITE, p), jsonfeed.item(SITE, p)]
    assert made[0] is p and all(a is b for a, b in zip(made, content._LAST[0][:3], strict=True))
    assert p.content_html not in texts
    monkeypatch.undo()
    assert data[2] == by_pydantic(p)
    escaped = atom.xml_text(p.content_html).encode()
    assert escaped in data[0] and escaped in data[1]


# the texts an entry's content is made of, with everything `clean` takes out
@settings(max_examples=300, deadline=None)
@given(
    paragraphs=st.lists(TEXT, max_size=4),
    title=TEXT,
    kicker=st.none() | TEXT,
    subtitle=st.none() | TEXT,
    name=TEXT,
    role=st.none() | TEXT,
    image=st.none() | TEXT,
    kind=st.sampled_from(["article", "photo"]),
)
def test_entry_parts_content_is_plain(
    *,
    paragraphs: list[str],
    title: str,
    kicker: str | None,
    subtitle: str | None,
    name: str,
    role: str | None,
    image: str | None,
    kind: str,
) -> None:
    """What `EntryParts.content_plain` says of `entry_parts`'s content holds for any text: no
    character below U+0020 in it but tab, line feed and return."""
    photographer = ZHANG_PHOTO.model_copy(update={"name": name or "x", "role": role})
    e = entry(
        dt.date(2024, 1, 2), 1, 2, paragraphs=paragraphs, kicker=kicker, subtitle=subtitle, kind=kind,
        people=[person("记者", "董笑瑜", "dong-xiaoyu"), photographer],
    ).model_copy(update={"title": title})  # fmt: skip
    if image is not None:
        found = EntryImage.model_construct(path=f"images/{image}.jpg", width=10, height=10, length=None)
        e = e.model_copy(update={"images": (found,)})
    p = entry_parts(SITE, e)
    assert p.content_plain
    assert not [c for c in p.content_html if c < " " and c not in "\t\n\r"]


def _switch_inside(fn: Callable[[EntryParts], object], other: EntryParts) -> Any:
    """A trace that, once `fn`'s frame holds the state it took (`last`), renders `other` in both
    formats: what another thread (another paper's scheduler job) may do at that point."""
    done: list[bool] = []

    def trace(frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code is not fn.__code__:
            return None
        if event == "line" and "last" in frame.f_locals and not done:
            done.append(True)
            content.xml_content(other)
            content.json_content(other)
        return trace

    return trace


@pytest.mark.parametrize("fn", [content.xml_content, content.json_content])
def test_another_threads_entry_never_lands_in_this_one(fn: Callable[[EntryParts], bytes | None]) -> None:
    """The scheduler's threads render several papers at once in one process: an entry rendered on
    another thread between this one's look at the kept content and its use of it must not put its
    bytes into this entry's document, now or for this entry's next format."""
    base = entry_parts(SITE, entry(dt.date(2024, 1, 2), 1, 1))
    a = dataclasses.replace(base, content_html="<p>A & a</p>", content_plain=True)
    b = dataclasses.replace(base, content_html="<p>B > b</p>", content_plain=True)
    content.xml_content(a)  # A's content is the one kept, its formats not yet all made
    trace = _switch_inside(fn, b)
    sys.settrace(lambda frame, event, arg: trace if event == "call" else None)
    try:
        got = fn(a)
    finally:
        sys.settrace(None)
    assert got == (atom.xml_text(a.content_html).encode() if fn is content.xml_content else b'"<p>A & a</p>"')
    assert content.xml_content(a) == b"&lt;p&gt;A &amp; a&lt;/p&gt;"
    assert content.json_content(a) == b'"<p>A & a</p>"'
    assert content.xml_content(b) == b"&lt;p&gt;B &gt; b&lt;/p&gt;"
    assert content.json_content(b) == b'"<p>B > b</p>"'
