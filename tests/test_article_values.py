"""`render.article.article_values`, which `html.article_page` uses: the links, dates and lists
`article.html` used to make with calls in the template, made in Python. The package's
`article.html` as it was before (kept, line for line, in `tests/data/article_before.html`: calling
`link`, `t.date`, `isoformat` and `loop.first`) must give the same bytes as the one using the
values, for photos with captions and credits, edited items, sections without a page, pages with
and without neighbours, in both interface languages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from feedsvc.records import Entry, EntryImage
from feedsvc.render import article, html, theme
from feedsvc.render.common import Site, entry_parts
from feedsvc.render.issues import Around, neighbours
from tests.render_helpers import DATA, DONG, YU, ZHANG_PHOTO, entry, fixture_entries, person, settings

BEFORE = (DATA / "article_before.html").read_text(encoding="utf-8")  # the template as it was

DAY = dt.date(2023, 6, 26)
PHOTO = EntryImage(path="images/2023/06/26/p3-1.jpg", width=800, height=600, bbox=(0, 0, 1, 1), length=1234)
SECOND = EntryImage(path="images/2023/06/26/p3-2.jpg", width=640, height=480, bbox=(0, 0, 1, 1))
WEN_TU = person("记者", "王<文图>", "wang-wentu", credit="文/图")


def _with(e: Entry, **changes: object) -> Entry:
    return e.model_copy(update=changes)


def entries() -> list[Entry]:
    """The fixture paper and items that show every branch of the template."""
    photo = entry(DAY, 3, 2, people=(ZHANG_PHOTO, person(None, "李四", "li-si", credit="摄")), kind="photo",
                  paragraphs=("图为 <钱塘> & “绿岛”。", "第二段。"))  # fmt: skip
    return [
        *fixture_entries(),
        _with(photo, images=(PHOTO, SECOND)),
        _with(entry(DAY, 3, 3, people=(), kind="photo"), images=(PHOTO,)),  # a caption, no credit
        _with(entry(DAY, 3, 4, people=(ZHANG_PHOTO,), kind="photo", paragraphs=("",)), images=(PHOTO,)),
        _with(entry(DAY, 3, 5, people=(DONG, WEN_TU, YU, DONG)), images=(SECOND,)),  # an article with a photo
        _with(entry(DAY, 2, 3), section_slug=None),  # a section without its page
        _with(entry(DAY, 5, 1, kicker="<引题>", subtitle="副题 & 其他"), section="<版>", section_slug="a&b"),
        entry(DAY, 1, 3, updated=dt.datetime(2023, 6, 26, 22, 0, tzinfo=dt.UTC)),
        entry(DAY, 1, 4, updated=dt.datetime(2023, 6, 25, 22, 0, 0, tzinfo=dt.UTC)),  # the same instant
    ]


def pages(site: Site) -> dict[str, bytes]:
    out = {}
    listed = entries()
    by_day: dict[dt.date, list[Entry]] = {}
    for e in listed:
        by_day.setdefault(e.issue_date, []).append(e)
    for e in listed:
        around = neighbours(by_day[e.issue_date])[e.id]
        for key, near in ((e.path, around), (f"{e.path} alone", Around())):
            out[key] = html.article_page(site, e, entry_parts(site, e), "ab" * 32, near)
    return out


@pytest.mark.parametrize("ui", ["zh", "en"])
def test_the_values_give_the_bytes_the_template_made(ui: str, tmp_path: Path) -> None:
    site = dataclasses.replace(Site.from_settings(settings(tmp_path)), ui=ui)
    now = pages(site)
    with pytest.MonkeyPatch.context() as mp:
        found = theme.template
        mp.setattr(
            theme,
            "template",
            lambda name, which: (
                theme.environment(name).from_string(BEFORE) if which == "article.html" else found(name, which)
            ),
        )
        then = pages(site)
    assert now.keys() == then.keys()
    for key, page in now.items():
        assert page == then[key], key
    shown = b"".join(now.values()).decode()
    for part in ("<figure>", "<figcaption>", 'class="credit"', 'rel="prev"', 'rel="next"', "&lt;版&gt;"):
        assert part in shown  # every branch was taken
    assert ("更新于" if ui == "zh" else "updated") in shown


def test_values(tmp_path: Path) -> None:
    site = Site.from_settings(settings(tmp_path))
    e = _with(entry(DAY, 3, 5, people=(DONG, WEN_TU, ZHANG_PHOTO)), images=(PHOTO,))
    parts = entry_parts(site, e)
    around = neighbours([e, entry(DAY, 3, 6)])[e.id]
    link = html.Links(e.path)
    values = article.article_values(
        html._words("zh"),
        e,
        parts,
        around,
        link,
        writers=e.writers,
        photographers=e.photographers,
        everyone=e.contributors,
    )
    assert values["issue_href"] == "../../../../issues/2023/06/26.html"
    assert values["section_href"] == "../../../../sections/min-sheng.html"
    assert values["byline"] == (
        ("", "../../../../contributors/dong-xiaoyu.html", "记者 董笑瑜"),
        ("\u3000", "../../../../contributors/wang-wentu.html", "记者 王<文图>"),
    )
    assert values["credits"] == (  # 文/图: a writer and a photographer
        ("", "../../../../contributors/wang-wentu.html", "记者 王<文图>"),
        ("\u3000", "../../../../contributors/zhang-xiangrong.html", "通讯员 张祥荣"),
    )
    assert values["figures"] == (("../../../../images/2023/06/26/p3-1.jpg", 800, 600, True),)
    assert values["published_iso"] == parts.published.isoformat() == "2023-06-26T05:56:36+08:00"
    assert values["updated_iso"] is None and values["prev_href"] is None
    assert values["next_href"] == "p3-06.html"
    assert [sep for sep, _, _ in values["people_links"]] == ["；"] * 3
