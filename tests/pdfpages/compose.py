"""Typesetting for generated pages: line breaking, heading decks, text flowed through columns.

Coordinates are PDF points from the page's top-left corner. A `Region` is a block of grid columns
between two heights; an article fills its region: the heading group across the region's width,
then its text flowed column by column around insets (a photo with its caption, a box), sentence
by sentence until the columns are full, so a paragraph often continues in the next column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.pdfpages.draw import Op, Rule, Text, width

NO_START = set("，。、；：？！”’）》」』〉%,.;:?!)")
NO_END = set("“‘（《「『〈(")
_TOKEN = re.compile(r"[A-Za-z0-9.%+]+|.", re.DOTALL)


@dataclass(frozen=True)
class Style:
    """One page's type: body face and size, heading faces, leading."""

    body_font: str = "Ming"
    body_size: float = 9.5
    leading: float = 14.0
    head_font: str = "Hei"
    deck_font: str = "Kai"
    caption_font: str = "Kai"
    byline_font: str = "Hei"
    head_bold: bool = False
    centered: bool = True
    indent: float = 2.0  # paragraph indent, in ems
    justified: bool = True  # full lines spread to the column's width (else ragged)


@dataclass(frozen=True)
class Grid:
    left: float
    col_w: float
    gutter: float
    columns: int

    def x(self, col: int) -> float:
        return self.left + col * (self.col_w + self.gutter)

    def span(self, cols: int) -> float:
        return cols * self.col_w + (cols - 1) * self.gutter


@dataclass(frozen=True)
class Line:
    text: str
    indent: float  # points
    justify: bool
    font: str
    size: float
    bold: bool = False
    align: str = "left"  # left | right


def break_lines(
    text: str, avail: float, font: str, size: float, first_indent: float = 0.0
) -> list[tuple[str, float, bool]]:
    """Greedy CJK line breaking: (text, indent, full) per line; a Latin or number run stays whole,
    closing punctuation never starts a line (it hangs), opening punctuation never ends one."""
    lines: list[tuple[str, float, bool]] = []
    cur: list[str] = []
    cur_w = 0.0
    indent = first_indent
    for token in _TOKEN.findall(text):
        w = width(token, font, size)
        if cur and cur_w + w > avail - indent + 0.01 and token[0] not in NO_START:
            carry: list[str] = []
            while cur and cur[-1][-1] in NO_END:
                carry.insert(0, cur.pop())
            lines.append(("".join(cur), indent, True))
            cur, indent = carry, 0.0
            cur_w = sum(width(t, font, size) for t in cur)
        cur.append(token)
        cur_w += w
    if cur:
        lines.append(("".join(cur), indent, False))
    return lines


def paragraph_lines(paras: list[str], avail: float, style: Style) -> list[Line]:
    out: list[Line] = []
    em = style.body_size * style.indent
    for para in paras:
        for text, indent, full in break_lines(para, avail, style.body_font, style.body_size, em):
            out.append(Line(text, indent, full and style.justified, style.body_font, style.body_size))
    return out


def draw_line(
    line: Line, x: float, top: float, avail: float, color: tuple[float, float, float] = (0, 0, 0)
) -> Text:
    natural = width(line.text, line.font, line.size)
    space = 0.0
    if line.justify and len(line.text) > 1:
        space = (avail - line.indent - natural) / (len(line.text) - 1)
    if line.align == "right":
        x += avail - natural
    return Text(x + line.indent, top, line.text, line.font, line.size, space, line.bold, color)


@dataclass
class Segment:
    """A stretch of one column that text may fill, top to bottom."""

    x: float
    top: float
    bottom: float
    width: float

    def slots(self, leading: float) -> int:
        return max(0, int((self.bottom - self.top + 0.01) // leading))


def flow(lines: list[Line], segments: list[Segment], leading: float) -> tuple[list[Op], int]:
    """Place lines into the segments in order; returns the ops and how many lines fitted."""
    ops: list[Op] = []
    n = 0
    for seg in segments:
        for k in range(seg.slots(leading)):
            if n == len(lines):
                return ops, n
            top = seg.top + k * leading + (leading - lines[n].size) / 2
            ops.append(draw_line(lines[n], seg.x, top, seg.width))
            n += 1
    return ops, n


def capacity(segments: list[Segment], leading: float) -> int:
    return sum(seg.slots(leading) for seg in segments)


def fill(
    first: str,
    sentence: Callable[[], str],
    *,
    lead_lines: list[Line],
    tail: str,
    room: int,
    avail: float,
    style: Style,
    new_paragraph: Callable[[], bool],
) -> tuple[list[str], list[Line]]:
    """Paragraphs that fill `room` lines (after `lead_lines`, e.g. a byline): `first` opens them,
    sentences are added while they fit, `tail` (a closing credit) ends the last paragraph."""
    paras = [first]
    done: list[Line] = []  # lines of the closed paragraphs

    def lines_of(last: str) -> list[Line]:
        return paragraph_lines([last + tail], avail, style)

    while True:
        candidate = sentence()
        if new_paragraph() and len(paras[-1]) > len(first) + 30:
            trial_paras = [*paras, candidate]
            trial = done + paragraph_lines([paras[-1]], avail, style) + lines_of(candidate)
        else:
            trial_paras = [*paras[:-1], paras[-1] + candidate]
            trial = done + lines_of(trial_paras[-1])
        if len(lead_lines) + len(trial) > room:
            break
        if len(trial_paras) > len(paras):
            done += paragraph_lines([paras[-1]], avail, style)
        paras = trial_paras
    final = [*paras[:-1], paras[-1] + tail]
    return final, lead_lines + done + lines_of(paras[-1])


@dataclass
class Heading:
    """A heading group: kicker above, headline (perhaps two lines), subtitle below."""

    kicker: str | None
    headline: str | None
    subtitle: str | None
    head_size: float
    ops: list[Op] = field(default_factory=list)
    height: float = 0.0


def set_heading(h: Heading, x: float, top: float, span: float, style: Style) -> Heading:
    """Draw the decks centred (or left-aligned) across `span`; a headline too wide for one line is
    broken where it prints a space, else shrunk, else wrapped."""
    y = top
    deck = max(10.0, h.head_size * 0.45)

    def put(text: str, font: str, size: float, bold: bool = False) -> None:
        nonlocal y
        for piece in _fit(text, font, size, span):
            w = width(piece, font, size)
            px = x + (span - w) / 2 if style.centered else x
            h.ops.append(Text(px, y, piece, font, size, 0.0, bold))
            y += size * 1.25

    if h.kicker:
        put(h.kicker, style.deck_font, deck)
        y += deck * 0.2
    if h.headline:
        size = h.head_size
        parts = h.headline.split(" ")
        while size > 12 and max(width(p, style.head_font, size) for p in parts) > span:
            size -= 1
        for part in parts:
            put(part, style.head_font, size, style.head_bold)
    if h.subtitle:
        y += deck * 0.2
        put(h.subtitle, style.deck_font, deck)
    h.height = y - top + style.body_size * 0.8
    return h


def _fit(text: str, font: str, size: float, span: float) -> list[str]:
    if width(text, font, size) <= span:
        return [text]
    per = max(1, math.floor(len(text) * span / width(text, font, size)))
    count = math.ceil(len(text) / per)
    per = math.ceil(len(text) / count)
    return [text[i : i + per] for i in range(0, len(text), per)]


def vrule(x: float, top: float, bottom: float) -> Rule:
    return Rule(x, top, x, bottom, 0.5)


def hrule(x0: float, x1: float, y: float, weight: float = 0.6) -> Rule:
    return Rule(x0, y, x1, y, weight)
