"""Pages for people and the OPML list: structure, autodiscovery, links that resolve, escaping."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from feedsvc.publish import build_all
from tests.render_helpers import BASE, FakeSource, check_atom, fixture_entries, settings


class Page(HTMLParser):
    """Collects a page's links, autodiscovery links, meta tags, text and the html lang."""

    def __init__(self, data: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.alternates: list[dict[str, str]] = []
        self.metas: list[dict[str, str]] = []
        self.lang = ""
        self.text: list[str] = []
        self.in_body = False
        self.feed(data.decode("utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a":
            self.hrefs.append(a["href"])
        elif tag == "link" and a.get("rel") == "alternate":
            self.alternates.append(a)
        elif tag == "meta":
            self.metas.append(a)
        elif tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "body":
            self.in_body = True

    def handle_data(self, data: str) -> None:
        if self.in_body:
            self.text.append(data)

    @property
    def body(self) -> str:
        return "".join(self.text)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return dict(build_all(FakeSource(fixture_entries()), settings(tmp_path_factory.mktemp("out"))))


def test_every_page_is_a_phone_friendly_document(outputs: dict[str, bytes]) -> None:
    pages = [p for p in outputs if p.endswith(".html")]
    # articles, index, sections, contributors, issues, past issues and their year (search is off)
    assert len(pages) == 6 + 1 + 3 + 3 + 2 + 1 + 1
    for path in pages:
        page = Page(outputs[path])
        assert page.lang == "zh-CN", path
        assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in page.metas
        assert outputs[path].startswith(b"<!doctype html>")


def test_relative_links_resolve(outputs: dict[str, bytes]) -> None:
    for path in (p for p in outputs if p.endswith(".html")):
        for href in Page(outputs[path]).hrefs:
            assert "://" not in href, (path, href)
            file = href.partition("#")[0] or posixpath.basename(path)  # `#p1`: this page
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), file))
            assert target in outputs, (path, href)


def test_index(outputs: dict[str, bytes]) -> None:
    page = Page(outputs["index.html"])
    assert {(a["type"], a["href"]) for a in page.alternates} == {
        ("application/atom+xml", BASE + "feed.atom"),
        ("application/rss+xml", BASE + "feed.rss"),
        ("application/feed+json", BASE + "feed.json"),
    }
    text = page.body
    assert "最新一期" in text and "2023年6月26日" in text
    assert text.index("以考促干以考争先") < text.index("副刊：夏日随笔")  # page order
    assert "区委常委会会议" not in text  # the earlier issue is not the latest
    assert "articles/2023/06/26/p1-01.html" in page.hrefs
    for group in ("全报", "版面", "作者"):
        assert group in text
    assert "记者 董笑瑜" in text and "3 篇" in text  # 董笑瑜 has three entries
    for stem in ("feed", "sections/yaowen", "contributors/dong-xiaoyu"):
        assert all(f"{stem}.{ext}" in page.hrefs for ext in ("atom", "rss", "json"))
    assert "feeds.opml" in page.hrefs
    assert "阅读器" in text  # how to subscribe


def test_article_page(outputs: dict[str, bytes]) -> None:
    page = Page(outputs["articles/2023/06/26/p1-02.html"])
    text = page.body
    for piece in ("打造具有钱塘特色基层治理品牌", "——网格议事日工作调研", "记者 董笑瑜", "2023年6月26日",
                  "第1版", "要闻", "更新于", "2023年6月27日", "“八八战略” & <b>标签</b> ]]> 结束。"):  # fmt: skip
        assert piece in text, piece
    assert b"<b>" not in outputs["articles/2023/06/26/p1-02.html"]
    assert "../../../../sections/yaowen.html" in page.hrefs
    assert "../../../../contributors/dong-xiaoyu.html" in page.hrefs
    assert "../../../../index.html" in page.hrefs
    assert "../../../../issues/2023/06/26.html" in page.hrefs
    assert any(a["href"] == BASE + "feed.atom" for a in page.alternates)

    photo = Page(outputs["articles/2023/06/25/p3-01.html"]).body
    assert "摄影：通讯员 张祥荣" in photo
    kicker = Page(outputs["articles/2023/06/26/p1-01.html"]).body
    assert kicker.index("金承涛在全区综合考核工作推进会上强调") < kicker.index("以考促干以考争先")


def test_feed_pages(outputs: dict[str, bytes]) -> None:
    page = Page(outputs["contributors/dong-xiaoyu.html"])
    assert {(a["type"], a["href"]) for a in page.alternates} == {
        ("application/atom+xml", BASE + "contributors/dong-xiaoyu.atom"),
        ("application/rss+xml", BASE + "contributors/dong-xiaoyu.rss"),
        ("application/feed+json", BASE + "contributors/dong-xiaoyu.json"),
    }
    assert "钱塘新区报 · 记者 董笑瑜" in page.body and "3 篇" in page.body
    assert page.hrefs.count("../articles/2023/06/26/p1-01.html") == 1
    assert "dong-xiaoyu.atom" in page.hrefs

    section = Page(outputs["sections/yaowen.html"])
    assert any(a["href"] == BASE + "sections/yaowen.atom" for a in section.alternates)
    assert "钱塘新区报 · 要闻" in section.body


def _outlines(data: bytes) -> dict[str, str]:
    root = ET.fromstring(data)
    assert root.tag == "opml" and root.get("version") == "2.0"
    for o in root.iter("outline"):
        if o.get("xmlUrl"):
            assert o.get("type") == "rss" and o.get("htmlUrl", "").startswith(BASE)
    return {o.get("xmlUrl", ""): o.get("text", "") for o in root.iter("outline") if o.get("xmlUrl")}


def _body(data: bytes) -> ET.Element:
    body = ET.fromstring(data).find("body")  # an element's truth value is deprecated (3.12+)
    assert body is not None
    return body


def _ids(outputs: dict[str, bytes], urls: Iterable[str]) -> list[str]:
    return [e.id for url in urls for e in check_atom(outputs[url.removeprefix(BASE)]).entries]


def test_opml_lists_hold_each_article_once(outputs: dict[str, bytes]) -> None:
    # the fixture's page 4 has no section: the sections do not hold the whole paper, so
    # feeds.opml lists the paper's own feed
    paper = _outlines(outputs["feeds.opml"])
    assert paper == {BASE + "feed.atom": "钱塘新区报"}
    assert ET.fromstring(outputs["feeds.opml"]).findtext("head/title") == "钱塘新区报"

    people = _outlines(outputs["contributors.opml"])
    assert set(people) == {BASE + p for p in outputs if p.startswith("contributors/") and p.endswith(".atom")}
    assert people[BASE + "contributors/dong-xiaoyu.atom"] == "钱塘新区报 · 记者 董笑瑜"
    groups = [o.get("text") for o in _body(outputs["contributors.opml"])]
    assert groups == ["作者"]
    # every article with a byline is in some contributor's feed
    signed = {e.id for e in check_atom(outputs["feed.atom"]).entries if e.author != "钱塘新区报"}
    assert set(_ids(outputs, people)) == signed


def test_feeds_opml_lists_sections_when_they_hold_the_paper(tmp_path: Path) -> None:
    entries = [e for e in fixture_entries() if e.section]
    out = dict(build_all(FakeSource(entries), settings(tmp_path)))
    listed = _outlines(out["feeds.opml"])
    assert set(listed) == {BASE + p for p in out if p.startswith("sections/") and p.endswith(".atom")}
    ids = _ids(out, listed)
    assert sorted(ids) == sorted(e.id for e in entries)  # each article exactly once
    groups = [o.get("text") for o in _body(out["feeds.opml"])]
    assert groups == ["版面"]


def test_empty_paper_pages(tmp_path: Path) -> None:
    out = dict(build_all(FakeSource([]), settings(tmp_path)))
    page = Page(out["index.html"])
    assert "最新一期" not in page.body and "feed.atom" in page.hrefs
    assert _outlines(out["feeds.opml"]) == {BASE + "feed.atom": "钱塘新区报"}
    assert _outlines(out["contributors.opml"]) == {}
