"""`rss.entry` writes an item out directly: it must be byte for byte what feedgen and lxml make of
the same pieces in a document (`rss._feedgen_item`), for any text, and refuse what lxml refuses."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings

from feedsvc.render import atom, rss
from feedsvc.render import content as content_module
from feedsvc.render.common import EntryParts
from tests.test_render_atom_entry import CST, SITE, parts, person


@settings(max_examples=400, deadline=None)
@given(parts())
def test_item_is_what_feedgen_makes(p: EntryParts) -> None:
    try:
        expected = rss._feedgen_item(SITE, p)
    except ValueError:  # feedgen refuses (no title): so must entry
        with pytest.raises(ValueError):
            rss.entry(SITE, p)
        return
    assert rss.entry(SITE, p) == expected


def test_item_fields() -> None:
    when = dt.datetime(2023, 6, 26, 5, 59, 59, tzinfo=CST)
    p = EntryParts(
        id="tag:x,2023:2023-06-26/p1/2", title="标题", url="http://x/a.html", body_html="",
        content_html="<p>本报讯 导语 & 更多</p>", summary="本报讯 导语 & <b>", published=when, updated=when,
        authors=(person("董笑瑜"), person("张祥荣")), photographers=(), section="要闻", section_url=None,
        page_label="第1版", kicker=None, subtitle=None, page=1, paragraphs=(), published_iso=when.isoformat(),
        updated_iso=when.isoformat(),
    )  # fmt: skip
    item = rss.entry(SITE, p).decode()
    assert '<guid isPermaLink="false">tag:x,2023:2023-06-26/p1/2</guid>' in item
    assert "<pubDate>Mon, 26 Jun 2023 05:59:59 +0800</pubDate>" in item
    # the description is HTML: text that looks like markup is escaped twice
    assert "<description>本报讯 导语 &amp;amp; &amp;lt;b&amp;gt;</description>" in item
    assert item.index("<dc:creator>董笑瑜</dc:creator>") < item.index("<dc:creator>张祥荣</dc:creator>")


@pytest.mark.parametrize("bad", ["\x0b", "\x00", "\ufffe", "\x1f"])
def test_text_xml_cannot_hold_is_refused_as_before(bad: str) -> None:
    when = dt.datetime(2023, 6, 26, 6, tzinfo=CST)
    p = EntryParts(
        id="tag:x,2023:1", title=f"标题{bad}", url="http://x/a.html", body_html="", content_html="",
        summary="", published=when, updated=when, authors=(person("董笑瑜"),), photographers=(),
        section=None, section_url=None, page_label="第1版", kicker=None, subtitle=None, page=1, paragraphs=(), published_iso=when.isoformat(),
        updated_iso=when.isoformat(),
    )  # fmt: skip
    with pytest.raises(ValueError):
        rss._feedgen_item(SITE, p)
    with pytest.raises(ValueError):
        rss.entry(SITE, p)


def test_content_escaped_once_for_atom_and_rss(monkeypatch: pytest.MonkeyPatch) -> None:
    """Atom's `<content>` and RSS's `<content:encoded>` hold the same escaped content: it is made
    (escaped and encoded) once for the entry's two formats, and again for another entry."""
    when = dt.datetime(2023, 6, 26, 5, 59, 59, tzinfo=CST)
    p = EntryParts(
        id="tag:x,2023:2023-06-26/p1/2", title="标题", url="http://x/a.html", body_html="",
        content_html="<p>本报讯 导语 & 更多</p>", summary="本报讯 导语", published=when, updated=when,
        authors=(person("董笑瑜"),), photographers=(), section=None, section_url=None,
        page_label="第1版", kicker=None, subtitle=None, page=1, paragraphs=(), published_iso=when.isoformat(),
        updated_iso=when.isoformat(),
    )  # fmt: skip
    escaped: list[str] = []
    plain = atom.xml_text
    monkeypatch.setattr(atom, "xml_text", lambda v: escaped.append(v) or plain(v))
    monkeypatch.setattr(rss, "xml_text", lambda v: escaped.append(v) or plain(v))
    first = atom.entry(SITE, p)
    made = content_module._LAST[0][:3]  # the parts, the content encoded and escaped: kept for RSS
    both = first + rss.entry(SITE, p)
    assert escaped.count(p.content_html) == 0  # escaped as bytes (`render.content`)
    assert made[0] is p and all(a is b for a, b in zip(made, content_module._LAST[0][:3], strict=True))
    content = b"&lt;p&gt;\xe6\x9c\xac\xe6\x8a\xa5\xe8\xae\xaf \xe5\xaf\xbc\xe8\xaf\xad &amp; \xe6\x9b\xb4\xe5\xa4\x9a&lt;/p&gt;"
    assert both.count(content) == 2
    assert b'<content type="html">' + content + b"</content>" in both
    assert b"<content:encoded>" + content + b"</content:encoded>" in both
    other = dataclasses.replace(p, content_html="<p>另</p>")
    assert b"&lt;p&gt;\xe5\x8f\xa6&lt;/p&gt;" in rss.entry(SITE, other)
