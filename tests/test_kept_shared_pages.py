"""The shared pages an ingest makes again from parts kept in the process: the home page's feed
lines (`{% shared %}` parts keyed by the `FeedLine` made last time for the same feed, name and
count), the past issues' months (`issues.by_month`, `issues._month_line`) and the archive
folders' page names (`builder._all_pages`). Each gives what making it afresh gives."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path

import pytest

from feedsvc.records import PAPER, FeedInfo, FeedRef
from feedsvc.render import builder, html, issues, shared, theme
from feedsvc.render.common import Site
from feedsvc.render.shared import SharedExtension
from tests.render_helpers import fixture_entries, settings


def _site() -> Site:
    return Site.from_settings(settings(Path("out")))


NAMES = ["董笑瑜", "钟　悦", "魏俊", "A & B <c>", "张祥荣", "  李 四 ", "王五"]


def _forget(site: Site) -> None:
    """Every part and line kept in the process: the next page is rendered whole."""
    html._LINES.clear()
    shared._KNOWN.clear()
    env = theme.template(site.theme, "index.html").environment
    for ext in env.extensions.values():
        if isinstance(ext, SharedExtension):
            ext.kept.clear()


def _infos(rng: random.Random, feeds: dict[FeedRef, tuple[str, int]]) -> list[FeedInfo]:
    """The feeds after one more publish: some counts grow, a feed comes or goes or is renamed."""
    for ref in list(feeds):
        name, count = feeds[ref]
        roll = rng.random()
        if roll < 0.3:
            feeds[ref] = (name, count + rng.randint(1, 3))
        elif roll < 0.35 and ref != PAPER:
            del feeds[ref]
        elif roll < 0.4 and ref != PAPER:
            feeds[ref] = (rng.choice(NAMES), count)
    for _ in range(rng.randint(0, 3)):
        kind = rng.choice(["section", "contributor"])
        feeds[FeedRef(kind=kind, slug=f"s{rng.randint(0, 40)}")] = (rng.choice(NAMES), rng.randint(1, 9))
    return [
        FeedInfo(ref=ref, name=name, entry_count=n)
        for ref, (name, n) in sorted(feeds.items(), key=lambda f: f[0].sort_key)
    ]


@pytest.mark.parametrize("seed", range(4))
def test_a_home_page_from_kept_lines_is_the_one_rendered_whole(seed: int) -> None:
    rng = random.Random(seed)
    site = _site()
    issue = fixture_entries()
    feeds: dict[FeedRef, tuple[str, int]] = {PAPER: ("", 10)}
    _forget(site)
    for _ in range(25):
        infos = _infos(rng, feeds)
        kept = html.index_page(site, infos, issue)
        lines = dict(html._LINES)
        _forget(site)
        assert kept == html.index_page(site, infos, issue)
        html._LINES.update(lines)  # as the process had them, and the parts made for them again
    assert html._LINES  # lines were kept (and taken: the pages are equal either way)


def test_the_lines_of_unchanged_feeds_are_taken_as_they_were() -> None:
    site = _site()
    infos = [
        FeedInfo(ref=FeedRef(kind="contributor", slug=f"p{n}"), name=f"甲{n}", entry_count=n)
        for n in range(9)
    ]
    first = html._feed_lines(site, infos)
    again = html._feed_lines(site, [*infos[:8], infos[8].model_copy(update={"entry_count": 99})])
    (_, was), (_, now) = first[-1], again[-1]
    assert [a is b for a, b in zip(was, now, strict=True)] == [True] * 8 + [False]
    assert now[8].count == 99


def _grouped(days: list[dt.date]) -> list[tuple[int, issues.Months]]:
    years: dict[int, dict[int, list[dt.date]]] = {}
    for day in sorted(set(days)):
        years.setdefault(day.year, {}).setdefault(day.month, []).append(day)
    return [
        (y, [(m, ms[m]) for m in sorted(ms, reverse=True)]) for y, ms in sorted(years.items(), reverse=True)
    ]


@pytest.mark.parametrize("seed", range(3))
def test_past_issues_by_month_and_their_digests_as_made_date_by_date(seed: int) -> None:
    rng = random.Random(seed)
    site = _site()
    start = dt.date(2019, 12, 20)
    for _ in range(200):
        span = rng.choice([10, 60, 400, 1500])
        days = [start + dt.timedelta(days=rng.randrange(span)) for _ in range(rng.randrange(60))]
        if rng.random() < 0.5:
            days = sorted(set(days))  # as the store gives them
        years = issues.by_month(days)
        assert years == _grouped(days)
        listed = [year for year, _ in years]
        for year, months in years:
            templates = theme.fingerprint(site.theme, "issues_year.html")
            h = hashlib.sha256(
                f"{site.fingerprint}\n{site.look}\n{templates}\nissues\n{year}\n{listed}\n".encode()
            )
            for month, found in months:
                h.update(f"{month}:{','.join(d.isoformat() for d in found)}\n".encode())
            assert issues.year_digest(site, listed, year, months) == h.hexdigest()


def _beyond(names: list[str], last: int) -> list[str]:
    """`Builder.archive_files`' names, parsed one by one."""
    exts = {"atom", "rss", "json"}
    found = []
    for name in names:
        stem, dot, ext = name.partition(".")
        if dot and ext in exts and not (stem.isdecimal() and 1 <= int(stem) <= last):
            found.append(name)
    return sorted(found)


def test_an_archive_folder_holding_only_its_pages_is_seen_at_once() -> None:
    rng = random.Random(5)
    odd = [
        "0.atom",
        "01.rss",
        "x1.json",
        "1.atom.bak",
        "1.html",
        "١.atom",
        "2\n1.atom",
        "7.json",
        "99.atom",
        "1.",
    ]
    for _ in range(3000):
        last = rng.randint(1, 40)
        names = [f"{n}.{e}" for n in range(1, rng.randint(1, 45)) for e in ("atom", "rss", "json")]
        names += rng.sample(odd, rng.randint(0, 3)) if rng.random() < 0.4 else []
        rng.shuffle(names)
        if builder._all_pages(names, last):
            assert _beyond(names, last) == []
        else:
            assert _beyond(names, last) or any(n in odd for n in names) or len(names) > 3 * last
    assert builder._all_pages([f"{n}.{e}" for n in range(1, 4) for e in ("json", "rss", "atom")], 3)
    assert not builder._all_pages(["1.atom", "4.rss"], 3)
