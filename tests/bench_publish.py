"""Synthetic benchmark of publishing a long archive: regenerate cold and warm, and one ingest.

    .venv/bin/python -m tests.bench_publish OUT_DIR [--entries 90000] [--contributors 300]
        [--sections 5] [--mode cold|warm|render|ingest] [--workers N]

`cold` renders and writes everything into an empty OUT_DIR, `warm` regenerates over an existing
OUT_DIR, `render` renders everything without writing, `ingest` adds one issue and publishes the plan. Prints
seconds, files, bytes and the process's peak RSS. Entries are made on demand from their index (like
rows read from the store), so the source holds no text; making them is part of the time. The
source is no store, so everything is rendered in this process (worker processes read the store
itself: benchmarks/regen_ab.py measures a regenerate with them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import random
import resource
import shutil
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from feedsvc.publish import build, build_all, plan, remove, write
from feedsvc.records import PAPER, Change, Entry, EntryPerson, FeedInfo, FeedRef
from tests.render_helpers import CST, settings

SENTENCES = [
    "新区党工委书记、区委书记金承涛主持会议并讲话，强调要深入学习贯彻习近平新时代中国特色社会主义思想。",
    "会议指出，要坚持统筹发展和安全，大力实施营商环境优化提升“一号改革工程”，全力推动经济社会发展。",
    "位于河庄街道江东村的钱塘绿岛项目，总面积约为7万平方米，分为生态湿地、休闲运动和科普教育三个区域。",
    "全区上下保持战略定力，团结一心、苦干实干，在综合成绩、市考大项排名等方面均实现突破。",
    "社区工作者走访辖区企业和居民，收集意见建议一百余条，逐条建立台账、明确责任人和办结时限。",
    "下一步，街道将持续深化网格议事日制度，推动基层治理从“有形覆盖”向“有效覆盖”转变。",
]
ROLES = ("记者", "通讯员", "首席记者", "见习记者")


@functools.cache
def _paragraphs(n: int) -> tuple[str, ...]:
    """4 to 7 paragraphs of about 120 characters: articles of 500 to 900 characters."""
    return tuple("".join(SENTENCES[(n + k + j) % len(SENTENCES)] for j in range(3)) for k in range(4 + n % 4))


class Source:
    """An EntrySource of `n` entries made on demand; index 0 is the oldest, newest first is descending."""

    def __init__(self, n: int, contributors: int, sections: int, per_day: int = 25, seed: int = 1) -> None:
        rng = random.Random(seed)
        self.start = dt.date(2014, 1, 1)
        self.per_day = per_day
        self.people = [
            EntryPerson(role=ROLES[i % len(ROLES)], name=f"作者{i:03d}", slug=f"zuo-zhe-{i:03d}")
            for i in range(contributors)
        ]
        self.sections = [(f"版面{i}", f"ban-mian-{i}") for i in range(sections)]
        weights = [1 / (k + 1) ** 0.8 for k in range(contributors)]
        self.credits: list[tuple[int, ...]] = []
        members: dict[FeedRef, list[int]] = {PAPER: []}
        self.n = 0
        self.spent = 0.0  # seconds spent in `entries` (the store's share of a build)
        for _ in range(n):
            people = rng.choices(range(contributors), weights, k=rng.choice((1, 1, 1, 2, 2, 3)))
            self._add(tuple(dict.fromkeys(people)), members)
        self.members = members

    def _add(self, people: tuple[int, ...], members: dict[FeedRef, list[int]]) -> int:
        i = self.n
        self.credits.append(people)
        self.n += 1
        for ref in self.entry(i).feeds():
            members.setdefault(ref, []).append(i)
        return i

    def add_issue(self) -> list[Entry]:
        """Append one more issue's entries and return them."""
        first = self.n
        for k in range(self.per_day):
            self._add(((first + 7 * k) % len(self.people),), self.members)
        return [self.entry(i) for i in range(first, self.n)]

    def entry(self, i: int) -> Entry:
        day = self.start + dt.timedelta(days=i // self.per_day)
        rank = self.per_day - 1 - i % self.per_day  # store order within a day: page, position
        page, position = 1 + rank // 5, 1 + rank % 5
        section, slug = self.sections[(page - 1) % len(self.sections)]
        people = self.credits[i]
        paragraphs = tuple(f"{p}（{i}）" for p in _paragraphs(i % 24))  # own strings, as read from a store
        published = dt.datetime.combine(day, dt.time(6), tzinfo=CST)
        contributors = [self.people[p] for p in people]
        if i % 7 == 0:
            photo = self.people[(people[0] + 1) % len(self.people)]
            contributors.append(photo.model_copy(update={"credit": "摄"}))
        return Entry.model_construct(
            id=f"tag:qiantang.feedsvc.example,2023:{day.isoformat()}/p{page}/{position}",
            issue_date=day,
            page=page,
            position=position,
            section=section,
            section_slug=slug,
            kind="article",
            kicker="引题：全区综合考核工作推进会" if i % 5 == 0 else None,
            headline=f"第{i}号稿件 以考促干以考争先 为奋力推动钱塘高质量发展汇聚强大动能",
            subtitle=None,
            title=f"第{i}号稿件 以考促干以考争先 为奋力推动钱塘高质量发展汇聚强大动能",
            title_derived=False,
            contributors=tuple(dict.fromkeys(contributors)),
            dateline="本报讯",
            paragraphs=paragraphs,
            published=published,
            updated=published,
            path=f"articles/{day:%Y/%m/%d}/p{page}-{position:02d}.html",
        )

    # EntrySource
    def feed_infos(self) -> list[FeedInfo]:
        infos = []
        for ref, members in self.members.items():
            if ref.kind == "paper":
                name = ""
            elif ref.kind == "section":
                name = next(n for n, s in self.sections if s == ref.slug)
            else:
                name = next(p.label for p in self.people if p.slug == ref.slug)
            infos.append(FeedInfo(ref=ref, name=name, entry_count=len(members)))
        return sorted(infos, key=lambda i: i.ref.sort_key)

    def entries(self, ref: FeedRef, *, limit: int | None = None, offset: int = 0) -> list[Entry]:
        t0 = time.perf_counter()
        members = self.members.get(ref, [])
        newest_first = members[::-1][offset : None if limit is None else offset + limit]
        found = [self.entry(i) for i in newest_first]
        self.spent += time.perf_counter() - t0
        return found

    def count(self, ref: FeedRef) -> int:
        return len(self.members.get(ref, []))

    def issue_entries(self, date: dt.date) -> list[Entry]:
        day = (date - self.start).days
        found = [self.entry(i) for i in range(day * self.per_day, min(self.n, (day + 1) * self.per_day))]
        return sorted(found, key=lambda e: (e.page, e.position))

    def latest_issue_date(self) -> dt.date | None:
        return self.entry(self.n - 1).issue_date if self.n else None


def _sized(files: Iterable[tuple[str, bytes]], stats: dict[str, int]) -> Iterable[tuple[str, bytes]]:
    for path, data in files:
        stats["files"] += 1
        stats["bytes"] += len(data)
        yield path, data


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--entries", type=int, default=90_000)
    ap.add_argument("--contributors", type=int, default=300)
    ap.add_argument("--sections", type=int, default=5)
    ap.add_argument("--mode", choices=("cold", "warm", "render", "ingest"), default="cold")
    ap.add_argument(
        "--workers", type=int, default=None, help="ignored: worker processes read a store (render.pool)"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    source = Source(args.entries, args.contributors, args.sections)
    conf = settings(args.out)  # feeds.max_entries 50, archive_page_size 100: the shipped defaults
    setup = time.perf_counter() - t0
    if args.mode == "cold" and args.out.exists():
        shutil.rmtree(args.out)
    stats = {"files": 0, "bytes": 0}
    t0 = time.perf_counter()
    written: list[str] = []
    removed: list[str] = []
    if args.mode == "ingest":
        changes = [Change(before=None, after=e) for e in source.add_issue()]
        b = build(source, plan(changes), conf)
    else:
        b = build_all(source, conf, reuse=args.mode != "render", workers=args.workers)
    if args.mode == "render":
        for _ in _sized(b, stats):
            pass
    else:
        written = write(args.out, _sized(b, stats))
        removed = remove(args.out, b.obsolete)
    took = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    feeds = len(source.feed_infos())
    print(
        f"{args.mode}: {args.entries} entries, {feeds} feeds: {took:.1f} s, of which reading entries "
        f"{source.spent:.1f} s (source setup {setup:.1f} s); {stats['files']} files, {stats['bytes'] / 1e6:.0f} MB built, "
        f"{len(b.kept)} archive pages kept, {len(written)} written, {len(removed)} removed; "
        f"peak RSS {rss:.0f} MB (largest worker process {worker_rss:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
