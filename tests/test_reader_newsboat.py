"""A real feed reader: newsboat subscribes to our Atom feeds served over HTTP.

The sample page is ingested with the real CLI into temporary folders and served on 127.0.0.1;
throwaway newsboat subscribers (own HOME, urls, config, sqlite cache, error log) reload headless
(`newsboat -x reload`), and their caches say what a subscriber sees: how many items, which
titles, which authors, which guids. Then the outputs are regenerated and a corrected copy of the
page is ingested, and the same caches are reloaded: a subscriber must not get duplicates.

newsboat keys its cache by guid across all the feeds of one reader: an article in two subscribed
feeds (same id everywhere, as it should be) is one item, listed under the feed fetched last. So the
per-feed counts come from subscribers with one feed each, and the one with both feeds shows the
union, each article once.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e_helpers import ROOT, SAMPLE, ServedInstance, need_program

pytestmark = pytest.mark.e2e

PAPER_FEED = "feed.atom"
SECOND_PAGE = ROOT / "examples" / "qiantang-2023-06-27-p2.txt"
DONG_FEED = "contributors/dong-xiaoyu.atom"
DONG = "董笑瑜"

# The headlines printed on the sample page, in reading order; one item lost its headline.
HEADLINES = {
    1: "区委常委会会议传达学习贯彻 习近平总书记重要批示精神",
    2: "以考促干以考争先 为奋力推动钱塘高质量发展汇聚强大动能",
    3: "打造具有钱塘特色基层治理品牌",
    4: "钱塘绿岛即将开放",
    6: "坚持统筹发展和安全 全力推动经济社会发展迈上新台阶",
}
DERIVED_POSITION, DERIVED_LEAD = 5, "新区党工委书记、区委书记金承涛开展安全生产"
DONG_POSITIONS = {3, 5}
# a correction of one sentence in 董笑瑜's article (position 3); the daemon test uses the same one
CORRECTION = ("协奏曲。", "协奏曲,奋力打造基层治理新样板。")


@dataclass(frozen=True)
class Item:
    feedurl: str
    guid: str
    title: str
    author: str
    content: str


class Newsboat:
    """One subscriber: a throwaway newsboat with its own HOME, urls, config, cache and error log."""

    def __init__(self, program: str, folder: Path, urls: list[str]) -> None:
        self.program, self.folder, self.urls = program, folder, urls
        folder.mkdir(parents=True)
        (folder / "urls").write_text("".join(f"{url}\n" for url in urls), encoding="utf-8")
        self.cache = folder / "cache.db"
        self.error_log = folder / "error.log"
        (folder / "config").write_text(f'error-log "{self.error_log}"\n', encoding="utf-8")

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.folder),
            "XDG_CONFIG_HOME": str(self.folder / ".config"),
            "XDG_DATA_HOME": str(self.folder / ".local" / "share"),
            "LC_ALL": "C.UTF-8",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }

    def import_opml(self, opml: Path) -> list[str]:
        """`newsboat -i OPML`: subscribe to what the list holds; the subscribed URLs."""
        args = ["-u", self.folder / "urls", "-c", self.cache, "-C", self.folder / "config", "-i", opml]
        done = subprocess.run(
            [self.program, *map(str, args)],
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, f"newsboat -i: exit {done.returncode}\n{done.stdout}{done.stderr}"
        lines = (self.folder / "urls").read_text(encoding="utf-8").splitlines()
        self.urls = [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]
        return self.urls

    def reload(self, *, refetch: bool = False) -> None:
        """`newsboat -x reload`. With `refetch`, its stored ETag and Last-Modified are dropped first,
        so it downloads and parses every feed again instead of getting 304 Not Modified."""
        if refetch:
            with closing(sqlite3.connect(self.cache)) as db, db:
                db.execute("UPDATE rss_feed SET etag = '', lastmodified = 0")
        self.error_log.write_text("", encoding="utf-8")
        env = self._env()
        args = ["-u", self.folder / "urls", "-c", self.cache, "-C", self.folder / "config", "-x", "reload"]
        done = subprocess.run(
            [self.program, *map(str, args)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        errors = self.error_log.read_text(encoding="utf-8")
        assert done.returncode == 0, f"newsboat exit {done.returncode}\n{done.stdout}{done.stderr}{errors}"
        assert errors.strip() == "", f"newsboat error log:\n{errors}"
        if refetch:  # it did download them: a 200 response left new validators
            assert all(etag for _, etag in self._query("SELECT rssurl, etag FROM rss_feed"))

    def _query(self, sql: str) -> list[tuple[str, ...]]:
        with closing(sqlite3.connect(f"file:{self.cache}?mode=ro", uri=True)) as db:
            return db.execute(sql).fetchall()

    def items(self) -> list[Item]:
        """Every item not deleted, as stored in the cache."""
        rows = self._query("SELECT feedurl, guid, title, author, content FROM rss_item WHERE deleted = 0")
        return [Item(*row) for row in rows]

    def feed_titles(self) -> dict[str, str]:
        return dict(self._query("SELECT rssurl, title FROM rss_feed"))


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[ServedInstance]:
    with ServedInstance(tmp_path / "feedsvc") as inst:
        yield inst


def _published(inst: ServedInstance, path: str) -> dict[str, dict[str, object]]:
    """Our own JSON Feed next to the Atom feed `path`: item id → item."""
    doc = json.loads((inst.output / path).with_suffix(".json").read_bytes())
    return {item["id"]: item for item in doc["items"]}


def _position(guid: str) -> int:
    """`tag:…:2023-06-26/p1/5` → 5."""
    return int(guid.rsplit("/", 1)[1])


def _check(inst: ServedInstance, paper: Newsboat, dong: Newsboat, both: Newsboat) -> dict[str, Item]:
    """What every subscriber sees matches what we published; the paper subscriber's items by guid."""
    ours = _published(inst, PAPER_FEED)
    ours_dong = _published(inst, DONG_FEED)
    assert len(ours) == 6 and len(ours_dong) == 2

    # the whole paper: six items, one per entry, guid = our id, the printed headline or derived title
    items = paper.items()
    assert len(items) == 6, [i.title for i in items]
    by_guid = {i.guid: i for i in items}
    assert set(by_guid) == set(ours), "guids differ from our entry ids"
    for guid, item in by_guid.items():
        assert item.feedurl == inst.url + PAPER_FEED
        position = _position(guid)
        if position == DERIVED_POSITION:
            assert item.title.startswith(DERIVED_LEAD) and item.title == ours[guid]["title"]
        else:
            assert item.title == HEADLINES[position]
        names = [a["name"] for a in ours[guid]["authors"]]  # type: ignore[index, union-attr]
        assert item.author.strip(), f"blank author on {item.title}"
        assert item.author == ", ".join(names)
    assert {g for g, i in by_guid.items() if i.author == DONG} == set(ours_dong)

    # 董笑瑜's feed: her two items, with her as the author
    dong_items = dong.items()
    assert len(dong_items) == 2, [i.title for i in dong_items]
    assert {i.guid for i in dong_items} == set(ours_dong)
    assert {_position(i.guid) for i in dong_items} == DONG_POSITIONS
    for item in dong_items:
        assert item.feedurl == inst.url + DONG_FEED
        assert item.author == DONG
        assert item.title == by_guid[item.guid].title

    # both feeds in one reader: each article once (same id in both feeds), none lost
    union = both.items()
    assert sorted(i.guid for i in union) == sorted(ours), "duplicates or missing items"
    assert {i.feedurl for i in union} <= {inst.url + PAPER_FEED, inst.url + DONG_FEED}
    assert all(i.author.strip() for i in union)
    return by_guid


def test_newsboat_sees_each_article_once_through_regenerate_and_correction(
    instance: ServedInstance, tmp_path: Path
) -> None:
    program = need_program("newsboat", "newsboat")
    inst = instance
    assert "6 items parsed; 6 added" in inst.cli("ingest", str(SAMPLE))

    paper_url, dong_url = inst.url + PAPER_FEED, inst.url + DONG_FEED
    paper = Newsboat(program, tmp_path / "nb-paper", [paper_url])
    dong = Newsboat(program, tmp_path / "nb-dong", [dong_url])
    both = Newsboat(program, tmp_path / "nb-both", [paper_url, dong_url])
    subscribers = (paper, dong, both)

    for reader in subscribers:
        reader.reload()
    first = _check(inst, paper, dong, both)
    assert paper.feed_titles() == {paper_url: "钱塘新区报"}
    assert dong.feed_titles() == {dong_url: "钱塘新区报 · 记者 董笑瑜"}

    # regenerate (and re-parse: ids must be kept), then reload: as served (conditional GET),
    # then downloading and parsing everything again
    inst.cli("regenerate")
    inst.cli("regenerate", "--reparse")
    for reader in subscribers:
        reader.reload()
        reader.reload(refetch=True)
    assert _check(inst, paper, dong, both) == first

    # a corrected copy of the page: one sentence of 董笑瑜's article changes
    corrected_page = tmp_path / "qiantang-2023-06-26-p1-corrected.txt"
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.count(CORRECTION[0]) == 1
    corrected_page.write_text(text.replace(*CORRECTION), encoding="utf-8")
    assert "0 added, 1 updated, 0 retracted" in inst.cli("ingest", str(corrected_page))
    for reader in subscribers:
        reader.reload()
    after = _check(inst, paper, dong, both)
    assert after.keys() == first.keys()
    corrected = [g for g, i in after.items() if "新样板" in i.content]
    assert [_position(g) for g in corrected] == [3], "the reader did not get the correction"
    assert {g: i.title for g, i in after.items()} == {g: i.title for g, i in first.items()}
    dong_corrected = [i for i in dong.items() if "新样板" in i.content]
    assert [i.guid for i in dong_corrected] == corrected


def test_newsboat_importing_an_opml_list_sees_every_feed_with_its_items(
    instance: ServedInstance, tmp_path: Path
) -> None:
    """Each OPML list holds an article once: imported whole, every listed feed shows its items."""
    program = need_program("newsboat", "newsboat")
    inst = instance
    inst.cli("ingest", str(SAMPLE), str(SECOND_PAGE))
    paper = set(_published(inst, PAPER_FEED))

    # feeds.opml: the sections (they hold the whole paper), each shown with all its items
    reader = Newsboat(program, tmp_path / "nb-feeds", [])
    urls = reader.import_opml(inst.output / "feeds.opml")
    assert sorted(urls) == [inst.url + "sections/yaowen.atom", inst.url + "sections/zong-he.atom"]
    reader.reload()
    shown: dict[str, set[str]] = {}
    for item in reader.items():
        shown.setdefault(item.feedurl, set()).add(item.guid)
    for url in urls:
        assert shown.get(url) == set(_published(inst, url.removeprefix(inst.url))), url
    assert sorted(i.guid for i in reader.items()) == sorted(paper)  # every article, once

    # contributors.opml: every contributor's feed; an article by two people is shown once, under one
    # of them, and every signed article is there
    people = Newsboat(program, tmp_path / "nb-people", [])
    urls = people.import_opml(inst.output / "contributors.opml")
    ours = {url: set(_published(inst, url.removeprefix(inst.url))) for url in urls}
    assert set(urls) == {inst.url + p.relative_to(inst.output).as_posix()
                         for p in (inst.output / "contributors").glob("*.atom")}  # fmt: skip
    people.reload()
    items = people.items()
    assert sorted(i.guid for i in items) == sorted(set().union(*ours.values()))
    for item in items:
        assert item.guid in ours[item.feedurl]
        assert item.author.strip()
