"""The site as readers see it in headless Chromium, at desktop width and on a 390 px phone:
the nameplate, the latest issue's leads by page, past issues (the calendar, an issue's pages in
printed order, previous/next), a photo with its caption, and a search typed into the search box
that finds an article (Pagefind's index built by the real `feedsvc ingest`).

`UPDATE_SCREENSHOTS=1` also writes the two screenshots the README shows (docs/site-*.png).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feedsvc import search
from feedsvc.publish import build_all, write
from feedsvc.records import EntryImage
from tests.e2e_helpers import ROOT, SAMPLE, ServedInstance, need_program
from tests.render_helpers import ZHANG_PHOTO, FakeSource, entry, fixture_entries
from tests.test_browser import DESKTOP, PHONE, Browser, assert_real_screenshot, keep

pytestmark = pytest.mark.e2e

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C WebDriver element key
ENTER = "\ue007"

FACTS = """
const text = (sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent.replace(/\\s+/g, " ").trim());
const plate = document.querySelector(".nameplate");
const box = plate ? plate.getBoundingClientRect() : null;
return {
  nameplate: plate ? plate.textContent.trim() : null,
  nameplateShown: !!box && box.width > 0 && box.height > 0 && box.top < innerHeight,
  searchBox: !!document.querySelector("form.search input[type=search]"),
  h1: text("h1"), h2: text("h2"), leads: text(".card .lead"), cards: text(".card h3"),
  cardLinks: [...document.querySelectorAll(".card h3 a")].map((a) => [a.textContent.trim(), a.href]),
  pagetabs: text(".pagetabs a"),
  prev: [...document.querySelectorAll(".prevnext a[rel=prev]")].map((a) => a.href),
  next: [...document.querySelectorAll(".prevnext a[rel=next]")].map((a) => a.href),
  days: [...document.querySelectorAll(".days a")].map((a) => [a.textContent.trim(), a.href]),
  nav: [...document.querySelectorAll(".sitenav a")].map((a) => [a.textContent.trim(), a.href]),
  images: [...document.querySelectorAll("main img")].map((i) => [i.naturalWidth, i.getBoundingClientRect().width]),
  figcaption: text("figcaption"),
  scrollWidth: document.documentElement.scrollWidth, innerWidth: innerWidth,
};
"""


def _facts(browser: Browser, url: str, size: tuple[int, int]) -> dict[str, Any]:
    browser.viewport(size)
    browser.open(url)
    facts: dict[str, Any] = browser.js(FACTS)
    assert facts["scrollWidth"] <= facts["innerWidth"], f"{url} scrolls sideways at {size[0]} px"
    return facts


def _type(browser: Browser, selector: str, text: str) -> None:
    found = browser._session("POST", "/element", {"using": "css selector", "value": selector})
    element = found.get(ELEMENT) or found.get("ELEMENT")
    assert element, found
    browser._session("POST", f"/element/{element}/value", {"text": text})


def _poll(browser: Browser, script: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = browser.js(script)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    b = Browser(need_program("chromium", "chromium"), need_program("chromedriver", "chromium-driver"),
                tmp_path / "browser")  # fmt: skip
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[ServedInstance]:
    with ServedInstance(tmp_path / "feedsvc", search=True) as inst:
        yield inst


def _shot(browser: Browser, path: Path, size: tuple[int, int], docs: str | None = None) -> None:
    assert_real_screenshot(browser.screenshot(path), size)
    keep(path)
    if docs and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, ROOT / "docs" / docs)


def test_site_nameplate_issues_and_search(instance: ServedInstance, browser: Browser, tmp_path: Path) -> None:
    base = instance.url
    instance.cli("ingest", str(SAMPLE))
    assert (instance.output / "pagefind" / "recent" / search.ENTRY).is_file()
    for size in (DESKTOP, PHONE):
        index = _facts(browser, base, size)
        assert index["nameplate"] == "钱塘新区报" and index["nameplateShown"]
        assert index["searchBox"]
        assert index["h1"] == ["最新一期 · 2023年6月26日"]
        assert index["pagetabs"] == ["第1版 要闻"]
        assert len(index["cards"]) == 6 and "打造具有钱塘特色基层治理品牌" in index["cards"]
        assert len(index["leads"]) >= 5 and any(
            lead.startswith("本报讯 6月23日上午") for lead in index["leads"]
        )
        if size == DESKTOP:
            _shot(browser, tmp_path / "site-index-desktop.png", size, "site-index-desktop.png")

        # past issues: the calendar, then the issue, its page, and an article's neighbours
        [past] = [href for label, href in index["nav"] if label == "往期"]
        calendar = _facts(browser, past, size)
        assert "2023年6月" in browser.js("return document.body.textContent")
        assert calendar["days"] == [["26", base + "issues/2023/06/26.html"]]
        issue = _facts(browser, calendar["days"][0][1], size)
        assert issue["h2"] == ["第1版 · 要闻"] and issue["cards"] == index["cards"]
        links = issue["cardLinks"]
        second = _facts(browser, links[1][1], size)
        assert second["prev"] == [links[0][1]] and second["next"] == [links[2][1]]
        assert second["nameplate"] == "钱塘新区报"
        first = _facts(browser, links[0][1], size)
        assert first["prev"] == [] and first["next"] == [links[1][1]]

        # search from the box on an article page: type a phrase, see the article listed
        [article_url] = [href for title, href in links if title == "打造具有钱塘特色基层治理品牌"]
        _type(browser, "form.search input[type=search]", "基层治理" + ENTER)
        results = _poll(browser, "return [...document.querySelectorAll('.pagefind-ui__result-link')]"
                        ".map((a) => [a.textContent.trim(), a.href])")  # fmt: skip
        assert ["打造具有钱塘特色基层治理品牌", article_url] in results, results
        if size == PHONE:
            _shot(browser, tmp_path / "site-search-phone.png", size, "site-search-phone.png")
        browser.open(results[0][1])
        assert browser.js("return document.querySelector('h1').textContent") == results[0][0]


def _png(width: int, height: int) -> bytes:
    """A small RGB PNG: a blue-to-red gradient."""
    rows = b"".join(
        b"\x00" + bytes(c for x in range(width) for c in (x * 255 // width, 90, 200)) for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_photos_in_lists_and_on_the_article_page(instance: ServedInstance, browser: Browser) -> None:
    day = dt.date(2023, 6, 27)
    image = EntryImage(path="images/2023/06/27/p3-01.png", width=300, height=200, bbox=(10, 10, 310, 210))
    photo = entry(day, 3, 1, title="钱塘绿岛即将开放", people=(ZHANG_PHOTO,), kind="photo",
                  paragraphs=("位于河庄街道江东村的钱塘绿岛项目，总面积约为7万平方米。",)).model_copy(update={"images": (image,)})  # fmt: skip
    source = FakeSource([*fixture_entries(), photo])
    settings = instance.settings
    write(instance.output, build_all(source, settings))
    write(instance.output, [(image.path, _png(300, 200))])
    for size in (DESKTOP, PHONE):
        index = _facts(browser, instance.url, size)
        assert index["cards"][0] == "钱塘绿岛即将开放"
        loaded = "return [...document.querySelectorAll('main img')].map((i) => i.complete && i.naturalWidth)"
        assert _poll(
            browser, f"const w = ({loaded.removeprefix('return ')}); return w.length && w.every(Boolean) && w"
        )
        assert browser.js(loaded) == [300]  # the thumbnail loaded
        page = _facts(browser, instance.url + photo.path, size)
        assert _poll(
            browser, f"const w = ({loaded.removeprefix('return ')}); return w.length && w.every(Boolean) && w"
        )
        page = browser.js(FACTS)
        [(natural, shown)] = page["images"]
        assert natural == 300 and 0 < shown <= size[0]
        assert page["figcaption"] == [
            "位于河庄街道江东村的钱塘绿岛项目，总面积约为7万平方米。 摄影：通讯员 张祥荣"
        ]
