"""The pieces a page is made of, each drawn into a region and giving its truth items:
articles (heading decks, byline, text flowed through columns, a photo or box set inside),
photo news, boxed briefs, teaser boxes, commentaries."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from tests.pdfpages import images
from tests.pdfpages.compose import (
    Grid,
    Heading,
    Line,
    Segment,
    Style,
    break_lines,
    capacity,
    draw_line,
    fill,
    flow,
    set_heading,
)
from tests.pdfpages.content import BRIEF_RUBRICS, MARKS, TEASER_RUBRICS, Person, Writer
from tests.pdfpages.draw import Box, Op, Picture, Text, width

TruthItem = dict[str, Any]
RUBRIC_FILL = (0.72, 0.08, 0.12)


@dataclass
class Canvas:
    """What one page accumulates: its ops and its truth items in reading order."""

    rng: random.Random
    writer: Writer
    style: Style
    grid: Grid
    page: int
    page_count: int
    ops: list[Op] = field(default_factory=list)
    items: list[TruthItem] = field(default_factory=list)


def item(
    kind: str, decks: tuple[str | None, str | None, str | None], people: list[Person], paragraphs: list[str]
) -> TruthItem:
    kicker, headline, subtitle = decks
    return {
        "kind": kind,
        "kicker": kicker,
        "headline": headline,
        "subtitle": subtitle,
        "contributors": [p.truth() for p in people],
        "text": "".join(paragraphs),
        "images": [],
    }


def image_truth(x: float, top: float, w: float, h: float, px: tuple[int, int]) -> dict[str, Any]:
    return {
        "bbox": [round(x, 2), round(top, 2), round(x + w, 2), round(top + h, 2)],
        "width": px[0],
        "height": px[1],
    }


# -- insets: a photo or a box set into an article's columns --------------------------------------------


@dataclass
class Inset:
    col: int  # first column, counted within the region
    cols: int
    at_top: bool
    height: float = 0.0


def caption_lines(c: Canvas, span: float, title: str | None, text: str, credit: str) -> list[Line]:
    """A caption: the title in the heavier face opening the first line (or on a line of its own),
    the text in 楷体, the credit on its own line at the right (or closing the text)."""
    st, size = c.style, c.style.body_size * 0.95
    lines: list[Line] = []
    indent = 0.0
    if title and c.rng.random() < 0.5:
        lines.append(Line(title, 0.0, False, st.head_font, size + 1))
    elif title:
        indent = width(title, st.head_font, size) + size
        lines.append(Line(title, 0.0, False, st.head_font, size))
    inline_credit = c.rng.random() < 0.25
    body = text + ("\u3000" + credit if inline_credit else "")
    broken = break_lines(body, span, st.caption_font, size, indent)
    for k, (t, ind, _full) in enumerate(broken):
        if indent and k == 0:  # drawn after the title, on the same line
            lines.append(Line(t, ind, False, st.caption_font, size, align="after"))
        else:
            lines.append(Line(t, ind, False, st.caption_font, size))
    if not inline_credit:
        lines.append(Line(credit, 0.0, False, st.caption_font, size * 0.95, align="right"))
    return lines


def draw_lines(c: Canvas, lines: list[Line], x: float, top: float, span: float) -> float:
    """Lines one under another (a line aligned `after` shares the previous line); returns the bottom."""
    y = top
    for line in lines:
        if line.align == "after":
            y -= line.size * 1.4
        c.ops.append(
            draw_line(
                line if line.align != "after" else Line(line.text, line.indent, False, line.font, line.size),
                x,
                y,
                span,
            )
        )
        y += line.size * 1.4
    return y


def photo(
    c: Canvas, x: float, top: float, span: float, *, max_h: float, caption_title: bool
) -> tuple[float, TruthItem, dict[str, Any]]:
    """A photo with its caption and credit; returns its height, its photo item and its image."""
    w_px = c.rng.randrange(240, 560, 8)
    aspect = c.rng.choice((0.56, 0.62, 0.66, 0.75))
    h = min(span * aspect, max_h)
    h_px = max(64, round(w_px * h / span))
    pic = images.photo(c.rng, w_px, h_px)
    c.ops.append(Picture(x, top, span, h, pic))
    title, text = c.writer.caption()
    if not caption_title:
        title = None
    person, credit = c.writer.photographer()
    lines = caption_lines(c, span, title, text, credit)
    bottom = draw_lines(c, lines, x, top + h + 5, span)
    truth = item("photo", (None, title, None), [person], [text])
    img = image_truth(x, top, span, h, (w_px, h_px))
    truth["images"].append(img)
    return bottom - top + 4, truth, img


def teaser_box(c: Canvas, x: float, top: float, span: float) -> tuple[float, list[TruthItem]]:
    """A boxed 导读: a rubric bar, then two or three headlines with a line of blurb and where to read on."""
    st = c.style
    ops_start = len(c.ops)
    rubric = c.rng.choice(TEASER_RUBRICS)
    pad = 6.0
    inner = span - 2 * pad
    y = top + pad
    c.ops.append(Box(x + pad, y, inner, 17, 0, RUBRIC_FILL))
    c.ops.append(Text(x + pad + 4, y + 2.5, rubric, st.head_font, 12, 0.0, False, (1, 1, 1)))
    y += 24
    truths = []
    for _ in range(c.rng.randint(2, 3)):
        headline = c.writer.headline()
        blurb = c.writer.sentence()
        for t, ind, _ in break_lines(headline, inner, st.head_font, 10.5):
            c.ops.append(Text(x + pad + ind, y, t, st.head_font, 10.5))
            y += 14
        y = draw_lines(
            c,
            [Line(t, i, f, st.deck_font, 9) for t, i, f in break_lines(blurb, inner, st.deck_font, 9)],
            x + pad,
            y,
            inner,
        )
        pointer = f"详见第{c.rng.randint(2, max(2, c.page_count))}版"
        y = draw_lines(c, [Line(pointer, 0, False, st.body_font, 8.5, align="right")], x + pad, y, inner) + 4
        truths.append(item("article", (None, headline, None), [], [blurb]))
    c.ops.insert(ops_start, Box(x, top, span, y - top + pad, 0.8))
    return y - top + pad + 8, truths


# -- articles --------------------------------------------------------------------------------------------


def heading(c: Canvas, size: float, long: bool, decks: float) -> Heading:
    r = c.rng
    kicker = c.writer.kicker() if r.random() < decks else None
    subtitle = c.writer.subtitle() if r.random() < decks * 0.6 else None
    return Heading(kicker, c.writer.headline(long=long), subtitle, size)


def article(
    c: Canvas,
    col: int,
    cols: int,
    top: float,
    bottom: float,
    *,
    head_size: float,
    long: bool = False,
    decks: float = 0.4,
    inset: str | None = None,
    commentary: bool = False,
    jump: str | None = None,
    headless: bool = False,
) -> None:
    """An article in grid columns col..col+cols-1 between top and bottom, filled with text; `jump`
    (`（下转第2版）`) is printed under its last line, as a front page's lead continues inside."""
    g, st, r, w = c.grid, c.style, c.rng, c.writer
    x, span = g.x(col), g.span(cols)
    # headless: no heading printed over it (its place on the page and its byline or dateline open it)
    decks_of = (
        Heading(None, None, None, head_size)
        if headless
        else heading(c, head_size, long, decks if not commentary else 0.0)
    )
    head = set_heading(decks_of, x, top, span, st)
    c.ops.extend(head.ops)
    text_top = top + head.height
    if commentary:
        people, mode = [Person("评论员", "本报评论员")], "line"
        byline = r.choice(("□", "■", "")) + "本报评论员"
    else:
        people = w.writers()
        mode = r.choice(
            ("line", "dateline") if headless else ("line", "line", "dateline", "closing", "under")
        )
        byline = w.byline(people, r.choice(MARKS) if mode != "under" else "")
    if mode == "under":  # the byline centred under the heading group, across the article
        size = st.body_size * 1.05
        bx = x + (span - width(byline, st.byline_font, size)) / 2 if st.centered else x
        c.ops.append(Text(bx, text_top - st.body_size * 0.3, byline, st.byline_font, size))
        text_top += size * 1.8
    segments = [Segment(g.x(col + k), text_top, bottom, g.col_w) for k in range(cols)]
    extra: list[TruthItem] = []
    article_images: list[dict[str, Any]] = []
    if inset == "photo" and cols >= 2:
        k = r.choice([n for n in (1, 2, 3) if n < cols]) if cols > 2 else 1
        first = r.randrange(0, cols - k + 1)
        at_top = r.random() < 0.5
        room = (bottom - text_top) * 0.45
        px = g.x(col + first)
        if at_top:
            h, truth, img = photo(
                c, px, text_top, g.span(k), max_h=room * 0.7, caption_title=r.random() < 0.5
            )
        else:
            n0 = len(c.ops)
            h, truth, img = photo(
                c, px, bottom - room, g.span(k), max_h=room * 0.7, caption_title=r.random() < 0.5
            )
            # drawn at bottom - room to measure it, then moved down to sit on the region's bottom
            _shift(c, n0, room - h, truth, img)
        for seg in segments[first : first + k]:
            if at_top:
                seg.top = text_top + h + 4
            else:
                seg.bottom = bottom - h - 4
        extra.append(truth)
        article_images.append(img)
    elif inset == "teaser" and cols >= 2:
        seg = segments[-1]
        h, truths = teaser_box(c, seg.x, text_top, seg.width)
        seg.top = text_top + h
        extra.extend(truths)
    lead: list[Line] = []
    if mode == "line":
        lead = [
            Line(t, 0.0, False, st.byline_font, st.body_size * 0.95)
            for t in wrap_words(byline, g.col_w, st.byline_font, st.body_size * 0.95)
        ]
    if commentary:
        first = w.sentence()
    else:
        first = w.dateline(people if mode == "dateline" else None) + " " + w.sentence()
    tail = "（" + " ".join(f"{p.role} {p.name}" for p in people) + "）" if mode == "closing" else ""
    paras, lines = fill(
        first,
        w.sentence,
        lead_lines=lead,
        tail=tail,
        room=capacity(segments, st.leading) - (1 if jump else 0),
        avail=g.col_w,
        style=st,
        new_paragraph=lambda: r.random() < 0.3,
    )
    if jump:
        lines.append(Line(jump, 0.0, False, st.body_font, st.body_size, align="right"))
    ops, placed = flow(lines, segments, st.leading)
    assert placed == len(lines), "article text overflows its region"
    c.ops.extend(ops)
    if tail:
        paras[-1] = paras[-1][: -len(tail)]
    truth = item("article", (head.kicker, head.headline, head.subtitle), people, paras)
    truth["images"] = article_images
    c.items.append(truth)
    c.items.extend(extra)


def wrap_words(text: str, avail: float, font: str, size: float) -> list[str]:
    """A byline broken only where it prints a space (between a role and a name, or two names), as
    a compositor sets one too long for its column; a name never breaks."""
    words: list[str] = []
    for word in re.split(r"(?<! ) (?! )", text):  # a lone space; a name's padding (`李  舸`) stays
        if words and words[-1].endswith(("记者", "通讯员", "实习生", "评论员")):
            words[-1] += " " + word  # a role stays with its first name
        else:
            words.append(word)
    lines: list[str] = []
    for word in words:
        if lines and width(lines[-1] + " " + word, font, size) <= avail:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _shift(c: Canvas, since: int, dy: float, truth: TruthItem, img: dict[str, Any]) -> None:
    """Move the ops drawn since index `since` (an inset) down by dy, with its image's box."""
    for k in range(since, len(c.ops)):
        op = c.ops[k]
        if isinstance(op, Text | Picture | Box):
            c.ops[k] = type(op)(**{**op.__dict__, "top": op.top + dy})
    x0, y0, x1, y1 = img["bbox"]
    img["bbox"] = [x0, round(y0 + dy, 2), x1, round(y1 + dy, 2)]
    truth["images"] = [img]


def photo_news(c: Canvas, col: int, cols: int, top: float, bottom: float) -> None:
    """A 图片新闻: an optional rubric, the photo across the region, its titled caption and credit."""
    g, st = c.grid, c.style
    x, span = g.x(col), g.span(cols)
    y = top
    if c.rng.random() < 0.4:
        c.ops.append(
            Text(
                x,
                y,
                c.rng.choice(("图片新闻", "图片报道", "看钱塘")),
                st.head_font,
                12,
                0.0,
                True,
                RUBRIC_FILL,
            )
        )
        y += 20
    if cols >= 3 and c.rng.random() < 0.4:  # the caption in a column of its own beside the photo
        _, truth = photo_beside(c, col, cols, y, bottom)
    else:
        _, truth, _ = photo(c, x, y, span, max_h=(bottom - y) * 0.62, caption_title=True)
    c.items.append(truth)


def photo_beside(c: Canvas, col: int, cols: int, top: float, bottom: float) -> tuple[float, TruthItem]:
    """A photo across all but one of the columns, its caption and credit in the column beside it,
    level with the photo's top or ending at its bottom."""
    g = c.grid
    on_left = c.rng.random() < 0.3
    pic_col = col + 1 if on_left else col
    span = g.span(cols - 1)
    w_px = c.rng.randrange(240, 560, 8)
    h = min(span * c.rng.choice((0.56, 0.62, 0.66)), (bottom - top) * 0.8)
    h_px = max(64, round(w_px * h / span))
    c.ops.append(Picture(g.x(pic_col), top, span, h, images.photo(c.rng, w_px, h_px)))
    title, text = c.writer.caption()
    title = title or c.rng.choice(("夏日田间忙", "丰收好时节"))
    person, credit = c.writer.photographer()
    n0 = len(c.ops)
    cap_x = g.x(col if on_left else col + cols - 1)
    caption_bottom = draw_lines(c, caption_lines(c, g.col_w, title, text, credit), cap_x, top, g.col_w)
    if c.rng.random() < 0.5 and caption_bottom < top + h:  # bottom-aligned with the photo
        for k in range(n0, len(c.ops)):
            op = c.ops[k]
            if isinstance(op, Text):
                c.ops[k] = Text(**{**op.__dict__, "top": op.top + (top + h - caption_bottom)})
    truth = item("photo", (None, title, None), [person], [text])
    truth["images"].append(image_truth(g.x(pic_col), top, span, h, (w_px, h_px)))
    return max(h, caption_bottom - top), truth


def briefs(c: Canvas, col: int, cols: int, top: float, bottom: float) -> None:
    """A box of briefs under a rubric bar: each a headline in the heavier face, then its text."""
    g, st, r, w = c.grid, c.style, c.rng, c.writer
    x, span = g.x(col), g.span(cols)
    c.ops.append(Box(x, top, span, bottom - top - 2, 0.9))
    c.ops.append(Box(x, top, span, 20, 0, RUBRIC_FILL))
    c.ops.append(Text(x + 8, top + 3, r.choice(BRIEF_RUBRICS), st.head_font, 13, 0.0, False, (1, 1, 1)))
    pad = 7.0
    inner = (span - 2 * pad - (cols - 1) * g.gutter) / cols
    segments = [Segment(x + pad + k * (inner + g.gutter), top + 28, bottom - 8, inner) for k in range(cols)]
    room = capacity(segments, st.leading)
    lines: list[Line] = []
    while True:
        headline, text = w.brief()
        people: list[Person] = []
        tail = ""
        if r.random() < 0.4:
            people = [Person(r.choice(("通讯员", "记者")), w.name())]
            tail = f"（{people[0].role} {people[0].name}）"
        head = [
            Line(t, i, False, st.head_font, st.body_size + 1)
            for t, i, _ in break_lines(headline, inner, st.head_font, st.body_size + 1)
        ]
        body = [
            Line(t, i, f, st.body_font, st.body_size)
            for t, i, f in break_lines(
                text + tail, inner, st.body_font, st.body_size, st.body_size * st.indent
            )
        ]
        gap = [Line("", 0.0, False, st.body_font, st.body_size)] if lines and r.random() < 0.5 else []
        if len(lines) + len(gap) + len(head) + len(body) > room:
            break
        lines += gap + head + body
        c.items.append(item("article", (None, headline, None), people, [text]))
    ops, _ = flow(lines, segments, st.leading)
    c.ops.extend(ops)
