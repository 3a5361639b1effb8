"""Atom and JSON Feed documents: golden files, validity, ids, dates, escaping, determinism.

Golden files live in tests/golden/; `UPDATE_GOLDEN=1 pytest tests/test_render_feeds.py` rewrites them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped]

from feedsvc.publish import build_all
from feedsvc.records import PAPER, FeedRef
from feedsvc.render.common import EMPTY_UPDATED, Site, clean, entry_parts
from tests.render_helpers import (
    ATOM_NS,
    AUTHORITY,
    BASE,
    CST,
    DONG,
    FakeSource,
    check_atom,
    check_json_feed,
    check_outputs,
    entry,
    fixture_entries,
    settings,
)

GOLDEN = Path(__file__).parent / "golden"
HUB = "https://hub.example/websub"
GOLDEN_FILES = [
    f"{stem}.{ext}" for stem in ("feed", "contributors/dong-xiaoyu") for ext in ("atom", "rss", "json")
]


@pytest.fixture
def outputs(tmp_path: Path) -> dict[str, bytes]:
    return dict(build_all(FakeSource(fixture_entries()), settings(tmp_path, hubs=[HUB])))


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_golden(outputs: dict[str, bytes], name: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(outputs[name])
    assert outputs[name] == golden.read_bytes(), f"{name} differs from {golden} (UPDATE_GOLDEN=1 to accept)"


def test_every_feed_is_valid(outputs: dict[str, bytes]) -> None:
    check_outputs(outputs.items())
    feeds = {p for p in outputs if p.endswith((".atom", ".rss", ".json"))}
    assert feeds == {
        f"{stem}.{ext}"
        for stem in ["feed", "sections/yaowen", "sections/zong-he", "sections/min-sheng",
                     "contributors/dong-xiaoyu", "contributors/yu-jiawei", "contributors/zhang-xiangrong"]
        for ext in ("atom", "rss", "json")
    }  # fmt: skip


def test_same_input_same_bytes(tmp_path: Path) -> None:
    first = dict(build_all(FakeSource(fixture_entries()), settings(tmp_path / "a")))
    second = dict(build_all(FakeSource(reversed(fixture_entries())), settings(tmp_path / "b")))
    assert first == second


def test_feed_metadata(outputs: dict[str, bytes]) -> None:
    paper = check_atom(outputs["feed.atom"])
    assert paper.feed.title == "钱塘新区报"
    assert paper.feed.id == f"tag:{AUTHORITY}:feed"
    assert paper.feed.language == "zh-CN"
    links = {(link.rel, link.href) for link in paper.feed.links}
    assert ("self", BASE + "feed.atom") in links
    assert ("alternate", BASE + "index.html") in links
    assert ("hub", HUB) in links
    # updated is the newest entry's updated as shown (a correction on 6-27 at 09:30 of page 1's
    # second item: one second back, see common.shown), never "now"
    assert paper.feed.updated == "2023-06-27T09:29:59+08:00"
    assert paper.feed.subtitle == "钱塘新区报每期各版的稿件"
    assert paper.feed.icon == BASE + "icon.png"
    assert paper.feed.logo == BASE + "logo.png"

    section = check_atom(outputs["sections/yaowen.atom"])
    assert section.feed.title == "钱塘新区报 · 要闻"
    assert section.feed.subtitle == "钱塘新区报「要闻」版的稿件"
    assert section.feed.id == f"tag:{AUTHORITY}:section/yaowen"
    assert ("alternate", BASE + "sections/yaowen.html") in {(lk.rel, lk.href) for lk in section.feed.links}

    person = check_json_feed(outputs["contributors/dong-xiaoyu.json"])
    assert person["title"] == "钱塘新区报 · 记者 董笑瑜"
    assert person["description"] == "钱塘新区报 记者 董笑瑜 署名的稿件"
    assert person["icon"] == BASE + "icon.png"
    assert person["favicon"] == BASE + "favicon.png"
    assert person["feed_url"] == BASE + "contributors/dong-xiaoyu.json"
    assert person["home_page_url"] == BASE + "contributors/dong-xiaoyu.html"
    assert person["language"] == "zh-CN"
    assert person["authors"] == [{"name": "钱塘新区报", "url": BASE}]
    assert person["hubs"] == [{"type": "WebSub", "url": HUB}]
    assert "next_url" not in person  # everything fits: no archive


def test_entries(outputs: dict[str, bytes]) -> None:
    paper = check_atom(outputs["feed.atom"])
    assert [e.title for e in paper.entries][:2] == [
        "以考促干以考争先 为奋力推动钱塘高质量发展汇聚强大动能",
        "打造具有钱塘特色基层治理品牌",
    ]  # newest first; same day in page and reading order
    first = paper.entries[0]
    assert first.id == f"tag:{AUTHORITY}:2023-06-26/p1/1"
    assert first.link == BASE + "articles/2023/06/26/p1-01.html"
    assert first.published == "2023-06-26T06:00:00+08:00"
    assert [a.name for a in first.authors] == ["董笑瑜", "郁佳炜"]
    assert "记者" not in first.content[0].value  # the byline is the authors, not a paragraph
    assert {t.term for t in first.tags} == {"要闻", "第1版"}
    assert any(t.scheme == BASE + "sections/" for t in first.tags)
    assert first.summary.startswith("本报讯")
    content = first.content[0].value
    assert content.index("金承涛在全区综合考核工作推进会上强调") < content.index("本报讯")

    by_title = {e.title: e for e in paper.entries}
    photo = by_title["钱塘绿岛即将开放"]
    assert photo.author == "张祥荣"  # a picture with no writer: its photographer
    assert [c.name for c in photo.contributors] == ["张祥荣"]
    assert "摄影" not in photo.content[0].value  # its photographer is its author
    assert "摄影：通讯员 张祥荣" in by_title["综合新闻：社区活动丰富"].content[0].value  # not an author
    assert by_title["副刊：夏日随笔"].author == "钱塘新区报"  # no byline at all: the paper
    photo_item = {i["title"]: i for i in check_json_feed(outputs["feed.json"])["items"]}["钱塘绿岛即将开放"]
    assert photo_item["authors"] == [{"name": "张祥荣", "url": BASE + "contributors/zhang-xiangrong.html"}]
    assert by_title["打造具有钱塘特色基层治理品牌"].updated == "2023-06-27T09:29:59+08:00"

    items = {i["title"]: i for i in check_json_feed(outputs["feed.json"])["items"]}
    item = items["以考促干以考争先 为奋力推动钱塘高质量发展汇聚强大动能"]
    assert item["date_modified"] == "2023-06-26T06:00:00+08:00"
    assert item["tags"] == ["要闻", "第1版"]
    assert item["_feedsvc"] == {
        "kicker": "金承涛在全区综合考核工作推进会上强调",
        "page": 1,
        "section": "要闻",
    }
    assert item["authors"][0] == {"name": "董笑瑜", "url": BASE + "contributors/dong-xiaoyu.html"}


def test_an_entry_has_one_id_in_every_feed(outputs: dict[str, bytes]) -> None:
    target = f"tag:{AUTHORITY}:2023-06-26/p2/1"  # paper, 综合, 董笑瑜, 张祥荣
    holders = [p for p, data in outputs.items() if p.endswith(".atom") and target.encode() in data]
    assert sorted(holders) == sorted(
        [
            "feed.atom",
            "sections/zong-he.atom",
            "contributors/dong-xiaoyu.atom",
            "contributors/zhang-xiangrong.atom",
        ]
    )
    entries = [
        next(e for e in check_atom(outputs[p]).entries if e.id == target) for p in holders
    ]  # same id, same content everywhere
    assert len({(e.title, e.content[0].value, e.updated) for e in entries}) == 1


def test_empty_paper_has_fixed_updated(tmp_path: Path) -> None:
    out = dict(build_all(FakeSource([]), settings(tmp_path)))
    parsed = check_atom(out["feed.atom"])
    assert parsed.entries == []
    assert parsed.feed.updated == EMPTY_UPDATED.astimezone(CST).isoformat()
    assert check_json_feed(out["feed.json"])["items"] == []
    assert {p for p in out if p.startswith("feed.")} == {"feed.atom", "feed.rss", "feed.json"}
    pages = {"index.html", "feeds.opml", "issues/index.html"}
    assert pages <= set(out)


NASTY = "<script>alert('x')</script> ]]> & \x00\x01\x0b\x1f\x7f\x85\ud800\ufffe\uffff 完"


def test_escaping_and_illegal_characters(tmp_path: Path) -> None:
    e = entry(
        dt.date(2023, 6, 26),
        1,
        1,
        title=NASTY,
        kicker=NASTY,
        subtitle=NASTY,
        paragraphs=(NASTY, "第二段"),
        people=(DONG.model_copy(update={"name": "董\x08笑瑜"}),),
    )
    out = dict(build_all(FakeSource([e]), settings(tmp_path)))
    check_outputs(out.items())
    cleaned = clean(NASTY)
    assert cleaned == "<script>alert('x')</script> ]]> &  完"

    doc = etree.fromstring(out["feed.atom"])  # strict XML parser
    atom_entry = doc.find(f"{ATOM_NS}entry")
    assert atom_entry.findtext(f"{ATOM_NS}title") == cleaned
    content = atom_entry.findtext(f"{ATOM_NS}content")
    assert "<script>" not in content and "&lt;script&gt;" in content and "&amp;" in content
    assert atom_entry.findtext(f"{ATOM_NS}author/{ATOM_NS}name") == "董笑瑜"

    item = json.loads(out["feed.json"])["items"][0]
    assert item["title"] == cleaned
    assert "<script>" not in item["content_html"] and "&lt;script&gt;" in item["content_html"]

    for path in ("index.html", e.path):
        page = out[path].decode()
        assert "<script>" not in page and "&lt;script&gt;" in page
        assert "\x00" not in page and "\ufffe" not in page


def test_feed_names_are_escaped(tmp_path: Path) -> None:
    e = entry(dt.date(2023, 6, 26), 1, 1, people=(DONG.model_copy(update={"role": "记者&<i>"}),))
    out = dict(build_all(FakeSource([e]), settings(tmp_path)))
    check_outputs(out.items())
    assert check_atom(out["contributors/dong-xiaoyu.atom"]).feed.title == "钱塘新区报 · 记者&<i> 董笑瑜"
    assert b"<i>" not in out["feeds.opml"] and b"<i>" not in out["index.html"]


def test_entry_parts_are_made_in_the_papers_time_zone(tmp_path: Path) -> None:
    site = Site.from_settings(settings(tmp_path))
    e = entry(dt.date(2023, 6, 26), 1, 1).model_copy(
        update={"updated": dt.datetime(2023, 6, 26, 1, 2, 3, 456, tzinfo=dt.UTC)}
    )
    parts = entry_parts(site, e)
    assert parts.updated.isoformat() == "2023-06-26T09:02:03+08:00"
    assert parts.published.isoformat() == "2023-06-26T06:00:00+08:00"


def test_feed_ids_are_tag_uris(outputs: dict[str, bytes]) -> None:
    site = Site.from_settings(settings(Path("unused")))
    assert site.feed_id(PAPER) == f"tag:{AUTHORITY}:feed"
    assert (
        site.feed_id(FeedRef(kind="contributor", slug="dong-xiaoyu"))
        == f"tag:{AUTHORITY}:contributor/dong-xiaoyu"
    )


def test_writers_first_in_the_trades_credit_order(tmp_path: Path) -> None:
    """`本报讯（通讯员 李四 实习生 王五 记者 张三）`: the reporter first, then intern, correspondent."""
    people = (
        DONG.model_copy(update={"role": "通讯员", "name": "李四", "slug": "li-si"}),
        DONG.model_copy(update={"role": "实习生", "name": "王五", "slug": "wang-wu"}),
        DONG.model_copy(update={"role": "首席记者", "name": "张三", "slug": "zhang-san"}),
    )
    e = entry(dt.date(2023, 6, 26), 1, 1, people=people)
    out = dict(build_all(FakeSource([e]), settings(tmp_path)))
    check_outputs(out.items())
    assert [a.name for a in check_atom(out["feed.atom"]).entries[0].authors] == ["张三", "王五", "李四"]
    assert [a["name"] for a in json.loads(out["feed.json"])["items"][0]["authors"]] == [
        "张三",
        "王五",
        "李四",
    ]
    rss = etree.fromstring(out["feed.rss"])
    creators = [c.text for c in rss.iter("{http://purl.org/dc/elements/1.1/}creator")]
    assert creators == ["张三", "王五", "李四"]
    assert "张三" not in json.loads(out["feed.json"])["items"][0]["content_html"]  # no byline paragraph
