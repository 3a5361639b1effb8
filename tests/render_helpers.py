"""Shared helpers for render and publish tests: an in-memory EntrySource, fixed entries, checks."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

import feedparser
import jsonschema

from feedsvc.config import FeedSettings, PaperSettings, PathSettings, Settings
from feedsvc.records import Entry, EntryPerson, FeedInfo, FeedRef

DATA = Path(__file__).parent / "data"
CST = dt.timezone(dt.timedelta(hours=8))
AUTHORITY = "qiantang.feedsvc.example,2023"
BASE = "https://paper.example/news/"
ATOM_NS = "{http://www.w3.org/2005/Atom}"


class Sizes(TypedDict, total=False):
    max_entries: int
    page_size: int


def settings(
    output: Path, *, max_entries: int = 50, page_size: int = 100, hubs: Sequence[str] = ()
) -> Settings:
    return Settings(
        paper=PaperSettings(
            name="钱塘新区报", name_en="QIANTANG NEW AREA DAILY", base_url=BASE, tag_authority=AUTHORITY
        ),
        feeds=FeedSettings(max_entries=max_entries, archive_page_size=page_size, hubs=tuple(hubs)),
        paths=PathSettings(output=output),
    )


def instance_settings(folder: Path, *, size: int = 10) -> Settings:
    """A whole instance in `folder` (inbox, store, output, corrections) with small feeds and
    archive pages (`size` entries each), so a few synthetic issues fill many archive pages."""
    return Settings(
        paper=PaperSettings(
            name="钱塘新区报",
            name_en="QIANTANG NEW AREA DAILY",
            base_url=BASE,
            tag_authority="qiantang.feedsvc.example,2014",
        ),
        feeds=FeedSettings(max_entries=size, archive_page_size=size),
        paths=PathSettings(
            inbox=folder / "inbox", store=folder / "var", output=folder / "feeds", corrections=folder / "corr"
        ),
    )


def person(role: str | None, name: str, slug: str, credit: str | None = None) -> EntryPerson:
    return EntryPerson(role=role, name=name, slug=slug, credit=credit)


DONG = person("记者", "董笑瑜", "dong-xiaoyu")
YU = person("记者", "郁佳炜", "yu-jiawei")
ZHANG_PHOTO = person("通讯员", "张祥荣", "zhang-xiangrong", credit="摄")
SECTIONS = {1: ("要闻", "yaowen"), 2: ("综合", "zong-he"), 3: ("民生", "min-sheng")}


def entry(
    day: dt.date,
    page: int,
    position: int,
    *,
    title: str | None = None,
    people: Sequence[EntryPerson] = (DONG,),
    paragraphs: Sequence[str] | None = None,
    kicker: str | None = None,
    subtitle: str | None = None,
    updated: dt.datetime | None = None,
    kind: str = "article",
) -> Entry:
    section, slug = SECTIONS.get(page, (None, None))
    published = dt.datetime.combine(day, dt.time(6, 0), tzinfo=CST)
    title = title or f"{day.month}月{day.day}日 第{page}版 第{position}篇 稿件"
    return Entry.model_validate(
        {
            "id": f"tag:{AUTHORITY}:{day.isoformat()}/p{page}/{position}",
            "issue_date": day,
            "page": page,
            "position": position,
            "section": section,
            "section_slug": slug,
            "kind": kind,
            "kicker": kicker,
            "headline": title,
            "subtitle": subtitle,
            "title": title,
            "title_derived": False,
            "contributors": tuple(people),
            "dateline": "本报讯",
            "paragraphs": tuple(paragraphs or (f"本报讯 {title}的导语。", "第二段，钱塘新区的消息。")),
            "published": published,
            "updated": updated or published,
            "path": f"articles/{day:%Y/%m/%d}/p{page}-{position:02d}.html",
        }
    )


def fixture_entries() -> list[Entry]:
    """A small fixed paper: two issues, three sections, a photo, a correction, an unsigned item."""
    d1, d2 = dt.date(2023, 6, 25), dt.date(2023, 6, 26)
    return [
        entry(d1, 1, 1, title="区委常委会会议传达学习贯彻 重要批示精神", people=(YU,)),
        entry(d1, 3, 1, title="钱塘绿岛即将开放", people=(ZHANG_PHOTO,), kind="photo",
              paragraphs=("位于河庄街道江东村的钱塘绿岛项目，总面积约为7万平方米。",)),
        entry(d2, 1, 1, title="以考促干以考争先 为奋力推动钱塘高质量发展汇聚强大动能",
              kicker="金承涛在全区综合考核工作推进会上强调", people=(DONG, YU)),
        entry(d2, 1, 2, title="打造具有钱塘特色基层治理品牌", subtitle="——网格议事日工作调研",
              updated=dt.datetime(2023, 6, 27, 9, 30, tzinfo=CST),
              paragraphs=("本报讯 6月23日上午，专题调研网格议事日工作。", "“八八战略” & <b>标签</b> ]]> 结束。")),
        entry(d2, 2, 1, title="综合新闻：社区活动丰富", people=(DONG, ZHANG_PHOTO)),
        entry(d2, 4, 1, title="副刊：夏日随笔", people=()),
    ]  # fmt: skip


def bulk_entries(n: int, *, start: dt.date = dt.date(2023, 1, 1), per_day: int = 3) -> list[Entry]:
    """`n` entries, `per_day` a day on pages 1.., every one by 董笑瑜, every third also by 郁佳炜."""
    out = []
    for i in range(n):
        day = start + dt.timedelta(days=i // per_day)
        people = (DONG, YU) if i % 3 == 0 else (DONG,)
        out.append(entry(day, 1 + i % per_day, 1, people=people))
    return out


def _newest_first(entries: Iterable[Entry]) -> list[Entry]:
    ordered = sorted(entries, key=lambda e: (e.page, e.position, e.id))
    return sorted(ordered, key=lambda e: e.published, reverse=True)


class FakeSource:
    """`publish.EntrySource` over a list of entries, ordered like the store (published desc, page,
    position, id). `calls` counts `entries` reads."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.calls = 0
        self.set(entries)

    def set(self, entries: Iterable[Entry]) -> None:
        self._all = _newest_first(entries)

    def replace(self, before: Entry | None, after: Entry | None) -> None:
        rest = [e for e in self._all if before is None or e.id != before.id]
        self.set(rest + ([after] if after is not None else []))

    def _in(self, ref: FeedRef) -> list[Entry]:
        return [e for e in self._all if ref in e.feeds()]

    def feed_infos(self) -> list[FeedInfo]:
        names: dict[FeedRef, str] = {}
        counts: dict[FeedRef, int] = {}
        for e in self._all:
            for ref in e.feeds():
                counts[ref] = counts.get(ref, 0) + 1
                if ref.kind == "section":
                    names.setdefault(ref, e.section or "")
                elif ref.kind == "contributor":
                    names.setdefault(ref, next(p.label for p in e.contributors if p.slug == ref.slug))
                else:
                    names.setdefault(ref, "")
        infos = [FeedInfo(ref=ref, name=names[ref], entry_count=n) for ref, n in counts.items()]
        return sorted(infos, key=lambda i: i.ref.sort_key)

    def entries(self, ref: FeedRef, *, limit: int | None = None, offset: int = 0) -> list[Entry]:
        self.calls += 1
        found = self._in(ref)
        return found[offset : None if limit is None else offset + limit]

    def count(self, ref: FeedRef) -> int:
        return len(self._in(ref))

    def issue_entries(self, date: dt.date) -> list[Entry]:
        return sorted(
            (e for e in self._all if e.issue_date == date), key=lambda e: (e.page, e.position, e.id)
        )

    def latest_issue_date(self) -> dt.date | None:
        return self._all[0].issue_date if self._all else None

    def issue_dates(self) -> list[dt.date]:
        return sorted({e.issue_date for e in self._all})


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((DATA / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def check_json_feed(data: bytes) -> dict[str, Any]:
    """Parse a JSON Feed and validate it against the strict JSON Feed 1.1 schema."""
    doc: dict[str, Any] = json.loads(data)
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.path)))
    assert not errors, [f"{e.json_path}: {e.message[:200]}" for e in errors]
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    ids = [item["id"] for item in doc["items"]]
    assert len(ids) == len(set(ids))
    return doc


def check_atom(data: bytes) -> Any:
    """Parse an Atom document with feedparser: no complaints, an author on every entry."""
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    for e in parsed.entries:
        assert e.get("author"), e.id
        assert e.id and e.title and e.updated
    ids = [e.id for e in parsed.entries]
    assert len(ids) == len(set(ids))
    return parsed


def check_rss(data: bytes) -> Any:
    """Parse an RSS 2.0 document with feedparser: no complaints; per item a title, a guid that is
    not a permalink, an RFC 822 pubDate with the paper's offset and an author."""
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title and parsed.feed.link and parsed.feed.subtitle
    assert any(link.rel == "self" for link in parsed.feed.links)
    for e in parsed.entries:
        assert e.id and e.title and e.get("author"), e
        assert e.guidislink is False
        assert e.published.endswith(" +0800"), e.published
    ids = [e.id for e in parsed.entries]
    assert len(ids) == len(set(ids))
    return parsed


def check_outputs(files: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    """Check every feed among `files`; return them as a dict."""
    out = dict(files)
    for path, data in out.items():
        if path.endswith(".atom"):
            check_atom(data)
        elif path.endswith(".rss"):
            check_rss(data)
        elif path.endswith(".json"):
            check_json_feed(data)
    return out


def tree(folder: Path, *, hidden: bool = False) -> dict[str, bytes]:
    """Every file below `folder` as relative path → bytes; hidden ones (the manifest) if `hidden`."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (hidden or not any(part.startswith(".") for part in p.relative_to(folder).parts))
    }
