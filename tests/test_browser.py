"""A real browser: headless Chromium, driven through chromedriver's WebDriver HTTP API.

The sample page is ingested with the real CLI into temporary folders and served on 127.0.0.1.
Chromium opens index.html and the pages it links to, and the test reads what the browser made of
them (the DOM after parsing, computed layout): the feeds are listed with their entry counts, the
autodiscovery links resolve over HTTP with the feed media types, every link on the pages works,
an article page shows kicker, headline, byline and body, nothing overflows a 390 px phone screen,
and Chinese text renders with real glyphs. Screenshots go to the test's tmp folder and a copy to
tests/artifacts/ (ignored by git) for people to look at.

No selenium: the few WebDriver endpoints used are plain HTTP calls (`Browser`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.e2e_helpers import LOCAL_ENV, ROOT, SAMPLE, ServedInstance, free_port, need_program, wait_for

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--hide-scrollbars",
    "--window-size=1280,900",
]
DESKTOP = (1280, 900)
PHONE = (390, 844)
ATOM = "application/atom+xml"
JSONFEED = "application/feed+json"
RSS = "application/rss+xml"


class Browser:
    """One Chromium session through chromedriver (W3C WebDriver over HTTP, plus its CDP bridge)."""

    def __init__(self, chromium: str, chromedriver: str, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / "chromedriver.log"
        self.session: str | None = None
        port = free_port()
        self.proc = subprocess.Popen(
            [chromedriver, f"--port={port}", f"--log-path={self.log_path}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **LOCAL_ENV},
            start_new_session=True,  # its own process group: the browser goes with it in close()
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, trust_env=False)
        try:
            self._start(chromium, folder)
        except BaseException:
            self.close()
            raise

    def _start(self, chromium: str, folder: Path) -> None:
        wait_for("chromedriver", self._ready, timeout=15)
        options = {"binary": chromium, "args": [*CHROMIUM_ARGS, f"--user-data-dir={folder / 'profile'}"]}
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "timeouts": {"pageLoad": 15000, "script": 5000, "implicit": 0},
        }
        self.session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})[
            "sessionId"
        ]

    def _ready(self) -> bool:
        assert self.proc.poll() is None, f"chromedriver exited:\n{self.log()}"
        try:
            return bool(self.http.get("/status").json()["value"]["ready"])
        except httpx.TransportError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, path, json=body)
        value = response.json().get("value")
        assert response.status_code == 200, f"WebDriver {method} {path}: {response.status_code} {value}"
        return value

    def _session(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call(method, f"/session/{self.session}{path}", body)

    def cdp(self, cmd: str, params: dict[str, Any] | None = None) -> Any:
        return self._session("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params or {}})

    def viewport(self, size: tuple[int, int]) -> None:
        """Emulate a screen of `size` CSS pixels at device scale 1 (phones: mobile viewport)."""
        width, height = size
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )

    def open(self, url: str) -> None:
        self._session("POST", "/url", {"url": url})
        assert self.js("return document.readyState") == "complete"

    def js(self, script: str, *args: object) -> Any:
        return self._session("POST", "/execute/sync", {"script": script, "args": list(args)})

    def screenshot(self, path: Path, *, full_page: bool = False) -> bytes:
        """The viewport (or the whole page) as PNG, written to `path`."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            width, height = self.js("return [innerWidth, document.documentElement.scrollHeight]")
            params |= {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            }
        png = base64.b64decode(self.cdp("Page.captureScreenshot", params)["data"])
        path.write_bytes(png)
        return png

    def close(self) -> None:
        with contextlib.suppress(httpx.HTTPError, AssertionError, ValueError):
            if self.session is not None:
                self.http.delete(f"/session/{self.session}", timeout=10)
        self.http.close()
        # the group is ours while chromedriver, its leader, is not yet reaped: signal it, then reap
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


# ----------------------------------------------------------------------------------------------
# PNG, read just enough to see whether a screenshot shows something


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit truecolour PNG, filters undone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, bytearray(), b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unexpected PNG format {depth}/{colour}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(bytes(idat))
    stride = width * bpp
    low7, high = int.from_bytes(b"\x7f" * stride, "big"), int.from_bytes(b"\x80" * stride, "big")
    rows: list[bytes] = []
    prev = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 2:  # Up, the commonest: bytewise (line + prev) mod 256 on whole rows at once
            a, b = int.from_bytes(line, "big"), int.from_bytes(prev, "big")
            line = bytearray((((a & low7) + (b & low7)) ^ ((a ^ b) & high)).to_bytes(stride, "big"))
        elif kind == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + (left + prev[i]) // 2) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                left, up = (line[i - bpp], prev[i]) if i >= bpp else (0, prev[i])
                upleft = prev[i - bpp] if i >= bpp else 0
                pa, pb, pc = abs(up - upleft), abs(left - upleft), abs(left + up - 2 * upleft)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else upleft)) & 0xFF
        rows.append(bytes(line))
        prev = rows[-1]
    return width, height, rows


def assert_real_screenshot(png: bytes, size: tuple[int, int]) -> None:
    """A PNG of `size` that shows a page: not one colour, some ink (text) on a light background."""
    width, height, rows = png_pixels(png)
    assert (width, height) == size
    assert len(png) > 5000, f"suspiciously small screenshot: {len(png)} bytes"
    bpp = len(rows[0]) // width
    colours: set[bytes] = set()
    ink = total = 0
    for row in rows[:: max(1, height // 40)]:  # about 40 rows across the page
        for x in range(0, width, 2):
            px = row[x * bpp : x * bpp + 3]
            colours.add(px)
            ink += sum(px) < 3 * 160
            total += 1
    assert len(colours) > 20, f"screenshot is (nearly) a single colour: {len(colours)} colours"
    assert 0.002 < ink / total < 0.5, f"dark pixels: {ink / total:.1%}"


def keep(path: Path) -> None:
    """A copy under tests/artifacts/ (which ignores itself in git) for people to look at; a
    checkout that cannot be written only goes without it."""
    with contextlib.suppress(OSError):
        ARTIFACTS.mkdir(exist_ok=True)
        ignore = ARTIFACTS / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        shutil.copyfile(path, ARTIFACTS / path.name)


# ----------------------------------------------------------------------------------------------

# What the browser made of a page: text of the parts we look for, links, layout.
PAGE_FACTS = """
const text = (sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent.trim());
const groups = [];  // [heading, items]: WebDriver does not keep the key order of objects
for (const h of document.querySelectorAll("h3")) {
  const list = h.nextElementSibling;
  if (list && list.tagName === "UL") {
    groups.push([h.textContent.trim(), [...list.children].map((li) => ({
      text: li.textContent.replace(/\\s+/g, " ").trim(),
      links: [...li.querySelectorAll("a")].map((a) => [a.textContent.trim(), a.href]),
    }))]);
  }
}
return {
  title: document.title,
  lang: document.documentElement.lang,
  h1: text("h1"),
  kicker: text(".kicker"),
  byline: [...document.querySelectorAll(".byline a")].map((a) => [a.textContent.trim(), a.href]),
  credit: text(".credit"),
  meta: text(".meta"),
  paragraphs: text("article > p:not([class])"),
  groups: groups,
  latest: [...document.querySelectorAll(".card h3 > a")].map((a) => [a.textContent.trim(), a.href]),
  links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
  alternates: [...document.querySelectorAll("link[rel=alternate]")].map((l) => [l.type, l.href, l.title]),
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  widest: Math.max(...[...document.body.querySelectorAll("*")].map((e) => e.getBoundingClientRect().right)),
};
"""

# Draw two different CJK characters in the page's font: without a CJK font both come out as the
# same "missing glyph" box (tofu), so the pixels are equal.
CJK_GLYPHS_DIFFER = """
const font = getComputedStyle(document.body).fontFamily;
const draw = (ch) => {
  const c = document.createElement("canvas");
  c.width = 48; c.height = 48;
  const g = c.getContext("2d");
  g.font = "40px " + font;
  g.fillText(ch, 2, 40);
  return Array.from(g.getImageData(0, 0, 48, 48).data).join(",");
};
return draw("钱") !== draw("塘") && draw("报") !== draw("闻");
"""


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[ServedInstance]:
    with ServedInstance(tmp_path / "feedsvc") as inst:
        yield inst


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    chromium = need_program("chromium", "chromium")
    chromedriver = need_program("chromedriver", "chromium-driver")
    b = Browser(chromium, chromedriver, tmp_path / "browser")
    try:
        yield b
    finally:
        b.close()


def _facts(browser: Browser, url: str, size: tuple[int, int] = DESKTOP) -> dict[str, Any]:
    browser.viewport(size)
    browser.open(url)
    facts: dict[str, Any] = browser.js(PAGE_FACTS)
    return facts


def _fits(facts: dict[str, Any], what: str) -> None:
    assert facts["scrollWidth"] <= facts["innerWidth"], f"{what} scrolls sideways: {facts['scrollWidth']} px"
    assert facts["widest"] <= facts["innerWidth"] + 0.5, f"{what}: an element reaches {facts['widest']} px"


def _check_alternates(http: httpx.Client, facts: dict[str, Any], base: str, stems: set[str]) -> None:
    """Autodiscovery: Atom, RSS and JSON Feed for each of `stems`, absolute, served 200 with the type."""
    found = {(kind, href) for kind, href, _ in facts["alternates"]}
    expected = {
        (kind, f"{base}{s}.{ext}")
        for s in stems
        for kind, ext in ((ATOM, "atom"), (RSS, "rss"), (JSONFEED, "json"))
    }
    assert found == expected
    assert all(title for _, _, title in facts["alternates"])
    for kind, href in sorted(found):
        response = http.get(href)
        assert response.status_code == 200, href
        assert response.headers["content-type"] == f"{kind}; charset=utf-8", href
        if kind == ATOM:
            assert ET.fromstring(response.content).tag == "{http://www.w3.org/2005/Atom}feed"
        elif kind == RSS:
            assert ET.fromstring(response.content).tag == "rss"
        else:
            assert json.loads(response.content)["version"] == "https://jsonfeed.org/version/1.1"


def test_index_and_article_pages_in_chromium(
    instance: ServedInstance, browser: Browser, tmp_path: Path
) -> None:
    inst = instance
    base = inst.url
    inst.cli("ingest", str(SAMPLE))
    assert browser.js(CJK_GLYPHS_DIFFER) is not None  # the session works before we rely on it
    http = httpx.Client(timeout=10, trust_env=False)
    checked: set[str] = set()

    def links_work(facts: dict[str, Any]) -> None:
        for link in facts["links"]:
            url = urljoin(link, urlsplit(link).path)  # without a fragment
            if url.startswith(base) and url not in checked:
                assert http.get(url).status_code == 200, f"broken link {url}"
                checked.add(url)

    try:
        # index.html, as a desktop browser shows it
        index = _facts(browser, base)
        assert index["title"] == "钱塘新区报" and index["lang"] == "zh-CN"
        assert browser.js(CJK_GLYPHS_DIFFER), (
            "Chinese text renders as missing-glyph boxes: install a CJK font (Debian: fonts-noto-cjk)"
        )
        groups = dict(index["groups"])
        assert [heading for heading, _ in index["groups"]] == ["全报", "版面", "作者"]
        [paper] = groups["全报"]
        assert paper["text"].startswith("钱塘新区报") and paper["text"].endswith("6 篇")
        assert [href for _, href in paper["links"]] == [
            base + "feed.atom",
            base + "feed.rss",
            base + "feed.json",
        ]
        [yaowen] = groups["版面"]
        assert yaowen["text"].startswith("要闻") and yaowen["text"].endswith("6 篇")
        assert [href for _, href in yaowen["links"]] == [
            base + "sections/yaowen.html",
            base + "sections/yaowen.atom",
            base + "sections/yaowen.rss",
            base + "sections/yaowen.json",
        ]
        people = {p["links"][0][0]: p for p in groups["作者"]}
        assert len(people) == 5
        assert people["记者 董笑瑜"]["text"].endswith("2 篇")
        assert people["通讯员 张祥荣"]["text"].endswith("1 篇")
        assert [href for _, href in people["记者 董笑瑜"]["links"]] == [
            base + "contributors/dong-xiaoyu.html",
            base + "contributors/dong-xiaoyu.atom",
            base + "contributors/dong-xiaoyu.rss",
            base + "contributors/dong-xiaoyu.json",
        ]
        assert len(index["latest"]) == 6
        _check_alternates(http, index, base, {"feed"})
        links_work(index)
        shot = tmp_path / "index-1280x900.png"
        assert_real_screenshot(browser.screenshot(shot), DESKTOP)
        keep(shot)

        # 董笑瑜's article, reached through its link on the index, on a phone
        [article_url] = [href for title, href in index["latest"] if title == "打造具有钱塘特色基层治理品牌"]
        article = _facts(browser, article_url, PHONE)
        assert article["kicker"] == ["金承涛在专题调研网格议事日工作时强调"]
        assert article["h1"] == ["打造具有钱塘特色基层治理品牌"]
        assert article["title"] == "打造具有钱塘特色基层治理品牌 - 钱塘新区报"
        assert article["byline"] == [["记者 董笑瑜", base + "contributors/dong-xiaoyu.html"]]
        assert article["meta"][0].startswith("2023年6月26日 · 第1版 · 要闻")
        paragraphs = article["paragraphs"]
        assert len(paragraphs) >= 4 and paragraphs[0].startswith("本报讯 6月23日上午")
        assert sum(len(p) for p in paragraphs) > 600
        _check_alternates(http, article, base, {"feed"})
        links_work(article)
        _fits(article, "the article page at 390 px")
        shot = tmp_path / "article-390x844.png"
        assert_real_screenshot(browser.screenshot(shot), PHONE)
        keep(shot)

        # the photo item credits its photographer
        [photo_url] = [href for title, href in index["latest"] if title == "钱塘绿岛即将开放"]
        photo = _facts(browser, photo_url, PHONE)
        assert photo["credit"] == ["摄影：通讯员 张祥荣"]
        links_work(photo)
        _fits(photo, "the photo page at 390 px")

        # the other pages on a phone: nothing scrolls sideways; feed pages announce their own feeds
        phone_index = _facts(browser, base, PHONE)
        _fits(phone_index, "index.html at 390 px")
        shot = tmp_path / "index-390-full.png"
        height = browser.js("return document.documentElement.scrollHeight")
        assert height > PHONE[1]
        assert_real_screenshot(browser.screenshot(shot, full_page=True), (PHONE[0], height))
        keep(shot)
        for stem in ("contributors/dong-xiaoyu", "sections/yaowen"):
            page = _facts(browser, f"{base}{stem}.html", PHONE)
            _fits(page, f"{stem}.html at 390 px")
            _check_alternates(http, page, base, {stem})
            links_work(page)
        assert len(checked) > 20
    finally:
        http.close()
