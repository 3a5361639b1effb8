"""Whole pages: a masthead or page header, then bands of pieces across the grid, per layout."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.pdfpages import images
from tests.pdfpages.compose import Grid, Style, hrule, vrule
from tests.pdfpages.content import PAPERS, PUBLISHERS, SECTIONS, WEEKDAYS, Writer
from tests.pdfpages.draw import Box, Picture, Text, render_pages, width
from tests.pdfpages.pieces import Canvas, article, briefs, photo_news

LAYOUTS = ("front", "side-by-side", "photos", "briefs", "mixed")


@dataclass(frozen=True)
class Paper:
    name: str
    name_en: str
    publisher: str
    date: dt.date
    issue_number: int
    page_count: int
    lunar: str


def paper_for(rng: random.Random, writer: Writer) -> Paper:
    name, name_en = rng.choice(PAPERS)
    day = writer.date()
    return Paper(
        name,
        name_en,
        rng.choice(PUBLISHERS),
        day,
        rng.randint(120, 9800),
        rng.choice((4, 8, 8, 12, 16)),
        writer.lunar(day),
    )


def date_text(day: dt.date, with_day: bool = True) -> str:
    return f"{day.year}年{day.month}月{day.day}" + ("日" if with_day else "")


def masthead(c: Canvas, paper: Paper, page_w: float) -> float:
    """The front page's masthead: the nameplate as a picture, the Latin name, the date line with
    the lunar date, pages and issue number, the publisher; a heavy rule under it. Returns its bottom."""
    g, st, r = c.grid, c.style, c.rng
    top = g.left
    plate_w = g.span(max(2, g.columns // 2))
    plate_h = 78.0
    c.ops.append(
        Picture(
            g.left,
            top,
            plate_w,
            plate_h,
            images.nameplate(paper.name, round(plate_w * 2), round(plate_h * 2)),
        )
    )
    c.ops.append(Text(g.left + 6, top + plate_h + 4, paper.name_en, st.head_font, 10, 1.2))
    x = g.left + plate_w + 24
    weekday = f"星期{WEEKDAYS[paper.date.weekday()]}"
    lines = [
        f"{date_text(paper.date, r.random() < 0.7)}  农历{paper.lunar}  {weekday}",
        f"今日{paper.page_count}版  总第{paper.issue_number}期",
        f"主办 {paper.publisher}  出版 {paper.name}社",
    ]
    if r.random() < 0.5:
        lines[0], lines[1] = (
            f"{date_text(paper.date)}  {weekday}",
            f"农历{paper.lunar}  今日{paper.page_count}版  总第{paper.issue_number}期",
        )
    y = top + 6
    for k, line in enumerate(lines):
        size = 13.0 if k == 0 else 10.5
        c.ops.append(Text(x, y, line, st.head_font if k == 0 else st.body_font, size))
        y += size * 1.7
    if r.random() < 0.5:  # a countdown box at the right
        box_w = 76.0
        right = g.x(g.columns - 1) + g.col_w
        c.ops.append(Box(right - box_w, top + 8, box_w, 40, 0.8))
        c.ops.append(Text(right - box_w + 6, top + 20, f"倒计时{r.randint(3, 300)}天", st.head_font, 11))
    bottom = max(top + plate_h + 20, y) + 6
    right = g.x(g.columns - 1) + g.col_w
    c.ops.append(hrule(g.left, right, bottom, 2.0))
    c.ops.append(hrule(g.left, right, bottom + 3, 0.5))
    if r.random() < 0.5:  # contact line: mail, hotlines
        mail = paper.name_en.lower().replace(" ", "")[:14]
        phones = [f"{r.randint(8, 8)}{r.randint(1000000, 9999999)}" for _ in range(2)]
        line = f"投稿邮箱 {mail}@126.com  新闻热线 {phones[0]}  征订服务热线 {phones[1]}"
        c.ops.append(Text(g.left, bottom + 7, line, st.body_font, 9))
        bottom += 18
    return bottom + 12


def page_header(c: Canvas, paper: Paper, section: str) -> float:
    """An inner page's header line (`第2版 综合`, `A2版:要闻`, `第A05版：要闻`, or all on the date
    line), the date at the other side, a rule under it. Returns its bottom."""
    g, st, r = c.grid, c.style, c.rng
    n = c.page
    right = g.x(g.columns - 1) + g.col_w
    top = g.left
    day = f"{date_text(paper.date)} 星期{WEEKDAYS[paper.date.weekday()]}"
    form = r.randrange(4)
    if form == 3:
        text = f"{day}  第{n}版  {section}"
        c.ops.append(Text(g.left, top, text, st.head_font, 11))
    else:
        label = (f"第{n}版", f"A{n}版:", f"第A{n:02d}版：")[form]
        c.ops.append(Text(g.left, top, label, st.head_font, 13))
        sx = g.left + width(label, st.head_font, 13) + 10
        c.ops.append(Box(sx - 3, top - 2, width(section, st.head_font, 13) + 6, 18, 0, (0.85, 0.85, 0.85)))
        c.ops.append(Text(sx, top, section, st.head_font, 13))
        c.ops.append(Text(right - width(day, st.body_font, 10.5), top + 2, day, st.body_font, 10.5))
    if r.random() < 0.5:
        editors = f"责任编辑 {c.writer.name()}  美术编辑 {c.writer.name()}"
        c.ops.append(Text(g.x(g.columns // 2), top + 3, editors, st.body_font, 8.5))
    bottom = top + 22
    c.ops.append(hrule(g.left, right, bottom, 1.2))
    return bottom + 12


# -- bands: one row of pieces across the page ------------------------------------------------------------

Band = Callable[[Canvas, float, float, bool], None]


def _split(rng: random.Random, columns: int, parts: int) -> list[int]:
    """Column counts of `parts` side-by-side regions, each at least 1 (2 where there is room)."""
    least = 2 if columns >= 2 * parts else 1
    sizes = [least] * parts
    for _ in range(columns - least * parts):
        sizes[rng.randrange(parts)] += 1
    return sizes


def _regions(c: Canvas, sizes: list[int], top: float, bottom: float) -> list[tuple[int, int]]:
    out, col = [], 0
    for k, size in enumerate(sizes):
        out.append((col, size))
        col += size
        if k < len(sizes) - 1 and c.rng.random() < 0.7:
            x = c.grid.x(col) - c.grid.gutter / 2
            c.ops.append(vrule(x, top, bottom - 4))
    return out


def band_lead(c: Canvas, top: float, bottom: float, front: bool) -> None:
    """A lead article under a headline across all its columns, perhaps a teaser box or a photo inside."""
    inset = c.rng.choice(("teaser", None)) if front else c.rng.choice(("photo", None, None))
    jump = None
    if front and c.rng.random() < 0.5:  # the lead continues inside: a jump line under its last line
        jump = f"（{c.rng.choice(('下转', '转'))}第{c.rng.randint(2, c.page_count)}版）"
    article(
        c,
        0,
        c.grid.columns,
        top,
        bottom,
        head_size=c.rng.choice((28, 32, 36)),
        long=True,
        decks=0.7,
        inset=inset,
        jump=jump,
    )


def band_side_by_side(c: Canvas, top: float, bottom: float, front: bool) -> None:
    """Two or three articles side by side, each continued across its own columns."""
    parts = c.rng.choice((2, 2, 3)) if c.grid.columns >= 5 else 2
    for k, (col, cols) in enumerate(_regions(c, _split(c.rng, c.grid.columns, parts), top, bottom)):
        inset = "photo" if cols >= 3 and c.rng.random() < 0.4 else None
        headless = k > 0 and c.rng.random() < 0.15  # an article printed without a headline
        article(
            c,
            col,
            cols,
            top,
            bottom,
            head_size=c.rng.choice((18, 20, 22)) if cols > 1 else 15,
            long=cols >= 3 and c.rng.random() < 0.5,
            decks=0.4,
            inset=inset,
            headless=headless,
        )


def band_photos(c: Canvas, top: float, bottom: float, front: bool) -> None:
    """A photo news item beside an article that carries a photo inside."""
    cols = c.rng.choice((2, 3)) if c.grid.columns >= 5 else 2
    sizes = [cols, c.grid.columns - cols]
    photo_at = 0
    if c.rng.random() < 0.5:
        sizes.reverse()
        photo_at = 1
    for k, (col, size) in enumerate(_regions(c, sizes, top, bottom)):
        if k == photo_at:
            photo_news(c, col, size, top, bottom)
        else:
            article(c, col, size, top, bottom, head_size=20, decks=0.4, inset="photo" if size >= 2 else None)


def band_briefs(c: Canvas, top: float, bottom: float, front: bool) -> None:
    """A box of briefs at one side, articles (one perhaps a commentary) beside it."""
    cols = 1 if c.grid.columns <= 4 else c.rng.choice((1, 2))
    rest = c.grid.columns - cols
    sizes = [cols, *_split(c.rng, rest, 2 if rest >= 4 else 1)]
    box_at = 0
    if c.rng.random() < 0.5:
        sizes = sizes[1:] + sizes[:1]
        box_at = len(sizes) - 1
    commentary = c.rng.random() < 0.5
    for k, (col, size) in enumerate(_regions(c, sizes, top, bottom)):
        if k == box_at:
            briefs(c, col, size, top + 2, bottom)
        else:
            article(
                c, col, size, top, bottom, head_size=18 if size > 1 else 15, decks=0.3, commentary=commentary
            )
            commentary = False


BANDS: dict[str, Band] = {
    "lead": band_lead,
    "side-by-side": band_side_by_side,
    "photos": band_photos,
    "briefs": band_briefs,
}
TEMPLATES: dict[str, list[tuple[str, float]]] = {
    "front": [("lead", 1.1), ("side-by-side", 1.0), ("photos", 1.0)],
    "side-by-side": [("side-by-side", 1.0), ("side-by-side", 1.0), ("lead", 0.9)],
    "photos": [("photos", 1.0), ("lead", 1.0), ("photos", 1.0)],
    "briefs": [("briefs", 1.2), ("side-by-side", 1.0), ("briefs", 1.0)],
}


@dataclass(frozen=True)
class GeneratedPage:
    seed: int
    layout: str
    pdf: bytes
    truth: dict[str, Any]
    paper: str
    name_en: str

    @property
    def chars(self) -> int:
        return sum(len(i["text"]) for p in self.truth["pages"] for i in p["items"])


def generate(
    seed: int, layout: str | None = None, *, page: int | None = None, bands: int | None = None
) -> GeneratedPage:
    """One broadsheet page from `seed`: its PDF bytes and its truth. `layout` picks the template
    (default: from the seed); `page` its number (default 1 for "front", else 2..page count)."""
    rng = random.Random(seed)
    writer = Writer(rng)
    layout = layout or LAYOUTS[seed % len(LAYOUTS)]
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: one of {', '.join(LAYOUTS)}")
    paper = paper_for(rng, writer)
    front = layout == "front" or (layout == "mixed" and page == 1)
    number = 1 if front else (page or rng.randint(2, paper.page_count))
    plan = TEMPLATES.get(layout) or [
        (rng.choice(tuple(BANDS)), rng.uniform(0.8, 1.2)) for _ in range(bands or rng.choice((2, 3, 3, 4)))
    ]
    ops, truth_page, size = _page(rng, writer, paper, number=number, front=front, plan=plan)
    title = f"{paper.name} {paper.date.isoformat()} page {number} (tests/pdfpages seed {seed}, {layout})"
    pdf = render_pages([(ops, size)], title)
    truth = _truth(paper, front, [truth_page], seed, layout)
    return GeneratedPage(seed, layout, pdf, truth, paper.name, paper.name_en)


def generate_issue(seed: int, pages: int = 3) -> GeneratedPage:
    """An issue of `pages` pages in one PDF: the front page, then inner pages 2, 3 … of the other
    layouts in turn, one paper and date; its truth lists the pages in order."""
    rng = random.Random(seed)
    writer = Writer(rng)
    paper = paper_for(rng, writer)
    paper = dataclasses.replace(paper, page_count=max(pages, paper.page_count))
    drawn: list[tuple[list[Any], tuple[float, float]]] = []
    truth_pages = []
    inner = [layout for layout in LAYOUTS if layout != "front"]
    for number in range(1, pages + 1):
        layout = "front" if number == 1 else inner[(seed + number) % len(inner)]
        plan = TEMPLATES.get(layout) or [(rng.choice(tuple(BANDS)), rng.uniform(0.8, 1.2)) for _ in range(3)]
        ops, truth_page, size = _page(rng, writer, paper, number=number, front=number == 1, plan=plan)
        drawn.append((ops, size))
        truth_pages.append(truth_page)
    title = f"{paper.name} {paper.date.isoformat()} pages 1-{pages} (tests/pdfpages issue seed {seed})"
    truth = _truth(paper, True, truth_pages, seed, "issue")
    return GeneratedPage(seed, "issue", render_pages(drawn, title), truth, paper.name, paper.name_en)


def _page(
    rng: random.Random,
    writer: Writer,
    paper: Paper,
    *,
    number: int,
    front: bool,
    plan: list[tuple[str, float]],
) -> tuple[list[Any], dict[str, Any], tuple[float, float]]:
    columns = rng.choice((4, 5, 5, 6, 6))
    page_w = rng.choice((1000.0, 1060.0, 1100.0, 1150.0))
    page_h = round(page_w * rng.uniform(1.38, 1.45))
    margin, gutter = rng.uniform(32, 46), rng.uniform(10, 16)
    col_w = (page_w - 2 * margin - (columns - 1) * gutter) / columns
    body = rng.choice((9.0, 9.5, 10.0, 10.5))
    style = Style(
        body_font=rng.choice(("Ming", "Ming", "Ming", "Ming", "Kai", "Hei")),
        justified=rng.random() < 0.5,  # the sample page (../shared/fixtures) is set ragged
        body_size=body,
        leading=round(body * rng.uniform(1.45, 1.65), 2),
        deck_font=rng.choice(("Kai", "Hei")),
        head_bold=rng.random() < 0.3,
        centered=rng.random() < 0.7,
    )
    c = Canvas(rng, writer, style, Grid(margin, col_w, gutter, columns), number, paper.page_count)
    section = rng.choice(SECTIONS)
    top = masthead(c, paper, page_w) if front else page_header(c, paper, section)
    bottom_edge = page_h - margin
    total = sum(w for _, w in plan)
    y = top
    for k, (name, weight) in enumerate(plan):
        bottom = bottom_edge if k == len(plan) - 1 else y + (bottom_edge - top) * weight / total
        BANDS[name](c, y, bottom - 8, front and k == 0)
        if k < len(plan) - 1:
            c.ops.append(hrule(margin, page_w - margin, bottom - 4, rng.choice((0.6, 1.0, 1.5))))
        y = bottom + 6
    return c.ops, {"number": number, "items": c.items}, (page_w, float(page_h))


def _truth(paper: Paper, front: bool, pages: list[dict[str, Any]], seed: int, layout: str) -> dict[str, Any]:
    return {
        "_comment": f"Truth of the page generated by tests/pdfpages (seed {seed}, layout {layout}); shape of "
        "../shared/fixtures/*.expected.json. 'text' is the body joined (dateline in, bylines and closing "
        "credits out, teaser pointers 详见第N版 out); 'images' (not scored) are the photos an item carries, "
        "bbox in PDF points from the page's top-left corner. Rubrics, mastheads and headers are furniture.",
        "publication": paper.name,
        "date": paper.date.isoformat(),
        "issue_number": paper.issue_number if front else None,
        "page_count": paper.page_count if front else None,
        "pages": pages,
    }
