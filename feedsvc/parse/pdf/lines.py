"""Characters → lines → blocks, from geometry alone.

A line is a run of characters on one baseline with no gap wider than a column gutter; a block is a
stack of lines of one size that overlap horizontally and follow each other at the leading of their
size (a column of body text between two gaps, a headline of two lines, a byline, a caption).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from feedsvc.parse.pdf.reader import Char, Rect

_SAME_LINE = 0.35  # baselines closer than this share of the size are one line
_LINE_GAP = 0.8  # a horizontal gap wider than this share of the size ends the line (a gutter)
_SPACE_GAP = 0.2  # a gap wider than this share of the size (and than usual) is a space
_HANGING = frozenset("。，、；：？！”’）》」』…,.;:?!)")  # punctuation that may hang past a column's edge
_LEADING = 1.0  # lines of a block follow at most this share of their size apart (gap between boxes)


@dataclass(slots=True)
class Line:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    baseline: float
    size: float
    weight: int
    first_x: float  # where the first character's box starts (for the paragraph indent)
    lead: str | None = None  # a run opening the line in another face, set off by a space

    @property
    def rest(self) -> str:
        """The line after its lead run."""
        return self.text[len(self.lead) :].lstrip() if self.lead else self.text

    @property
    def rect(self) -> Rect:
        return Rect(self.x0, self.top, self.x1, self.bottom)


@dataclass(slots=True)
class TextBlock:
    lines: list[Line] = field(default_factory=list)
    x0: float = 0.0
    top: float = 0.0
    x1: float = 0.0
    bottom: float = 0.0

    def add(self, line: Line) -> None:
        if not self.lines:
            self.x0, self.top, self.x1, self.bottom = line.x0, line.top, line.x1, line.bottom
        else:
            self.x0, self.x1 = min(self.x0, line.x0), max(self.x1, line.x1)
            self.top, self.bottom = min(self.top, line.top), max(self.bottom, line.bottom)
        self.lines.append(line)

    @property
    def size(self) -> float:
        return self.lines[0].size

    @property
    def weight(self) -> int:
        return self.lines[0].weight

    @property
    def rect(self) -> Rect:
        return Rect(self.x0, self.top, self.x1, self.bottom)

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


def _close(chars: list[Char]) -> Line:
    """One line from its characters (in order): its text, with a space where a gap is wider than a
    fifth of an em and than the line's usual spacing (justified lines are set loose), its box, and
    the size and face most of it is set in."""
    gaps = [b.x0 - a.x1 for a, b in itertools.pairwise(chars)]
    usual = sorted(gaps)[len(gaps) // 2] if gaps else 0.0
    parts: list[str] = []
    prev = chars[0]
    lead_end = -1  # characters before the first space, when they are all in one other face
    top, bottom = prev.top, prev.bottom
    first_x: float | None = None
    for index, ch in enumerate(chars):
        text = ch.text
        if text.isspace():
            if lead_end < 0:
                lead_end = index
        else:
            if index and not prev.text.isspace():
                gap = gaps[index - 1]
                if gap > _SPACE_GAP * ch.size and gap > usual + 0.15 * ch.size:
                    parts.append(" ")
                    if lead_end < 0:
                        lead_end = index
            if first_x is None:
                first_x = ch.x0
        parts.append(text)
        top = min(top, ch.top)
        bottom = max(bottom, ch.bottom)
        prev = ch
    middle, last = chars[len(chars) // 2], chars[-1]
    if chars[0].size == middle.size == last.size and chars[0].weight == middle.weight == last.weight:
        size, weight = middle.size, middle.weight
    else:
        solid = [ch for ch in chars if not ch.text.isspace()] or chars
        size = Counter(ch.size for ch in solid).most_common(1)[0][0]
        weight = Counter(ch.weight for ch in solid).most_common(1)[0][0]
    lead = None
    if 0 < lead_end < len(chars) - 1:
        head = {ch.weight for ch in chars[:lead_end]}
        if len(head) == 1 and weight not in head:
            lead = "".join(ch.text for ch in chars[:lead_end]).strip() or None
    return Line(
        text="".join(parts).strip(),
        x0=min(chars[0].x0, last.x0),
        top=top,
        x1=max(last.x1, chars[0].x1),
        bottom=bottom,
        baseline=middle.bottom,
        size=round(size, 1),
        weight=weight,
        first_x=chars[0].x0 if first_x is None else first_x,
        lead=lead,
    )


def build_lines(chars: list[Char]) -> list[Line]:
    """Characters in content order into lines; pieces of one line drawn apart are joined again."""
    runs: list[list[Char]] = []
    run: list[Char] = []
    last: Char | None = None
    for ch in chars:
        if last is not None:
            size = ch.size if ch.size > last.size else last.size
            if (
                abs(ch.bottom - last.bottom) > _SAME_LINE * size
                or ch.x0 < last.x0 - 0.2 * size
                or ch.x0 - last.x1 > _LINE_GAP * size
            ):
                runs.append(run)
                run = []
        run.append(ch)
        last = ch
    if run:
        runs.append(run)
    runs = [r for r in runs if any(not ch.text.isspace() for ch in r)]
    starts = _column_starts(runs)
    return _join_pieces([piece for r in runs for piece in _split_at_columns(r, starts)], starts)


def _column_starts(runs: list[list[Char]]) -> set[int]:
    """Where the page's columns start (in half points): where five or more runs of text start."""
    counts: dict[int, int] = {}
    for r in runs:
        key = round(r[0].x0 * 2)
        counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n >= 5}


def _at_start(x: float, starts: set[int]) -> bool:
    key = round(x * 2)
    return key in starts or key - 1 in starts or key + 1 in starts


def _split_at_columns(run: list[Char], starts: set[int]) -> list[list[Char]]:
    """A line of a column whose hanging punctuation reaches across the gutter runs on into the
    next column's line: split it where the next column starts, after the punctuation."""
    if len(run) < 2 or not _at_start(run[0].x0, starts):
        return [run]
    pieces: list[list[Char]] = [[run[0]]]
    beyond = run[0].x0 + 4 * run[0].size  # past the indents of its own column
    for prev, ch in itertools.pairwise(run):
        if prev.text in _HANGING and ch.x0 > beyond and _at_start(ch.x0, starts):
            pieces.append([])
        pieces[-1].append(ch)
    return pieces


def _join_pieces(runs: list[list[Char]], starts: set[int]) -> list[Line]:
    """Runs on one baseline that touch are one line (a headline drawn in pieces, a stream that
    jumps back and forth), unless both start where columns start; sorted top to bottom, left to
    right."""
    runs.sort(key=lambda r: (round(r[0].bottom), r[0].x0))
    merged: list[list[Char]] = []
    for r in runs:
        if merged:
            last = merged[-1]
            size = max(r[0].size, last[-1].size, 1.0)
            if (
                abs(r[0].bottom - last[-1].bottom) <= _SAME_LINE * size
                and abs(r[0].size - last[-1].size) <= 0.15 * size
                and -0.2 * size <= r[0].x0 - last[-1].x1 <= _LINE_GAP * size
                and not (_at_start(r[0].x0, starts) and _at_start(last[0].x0, starts))
            ):
                last.extend(r)
                continue
        merged.append(r)
    lines = [_close(r) for r in merged]
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def same_column(a0: float, a1: float, b0: float, b1: float) -> bool:
    """Do two horizontal spans overlap by at least half the narrower one?"""
    return _overlap(a0, a1, b0, b1) >= 0.5 * min(a1 - a0, b1 - b0)


def build_blocks(lines: list[Line], walls: list[Rect]) -> list[TextBlock]:
    """Stack lines into blocks: same size, overlapping columns, at the leading of their size, with
    no rule or box edge between them."""
    open_blocks: list[TextBlock] = []
    done: list[TextBlock] = []
    for line in lines:
        best: TextBlock | None = None
        best_overlap = 0.0
        still_open: list[TextBlock] = []
        for block in open_blocks:
            last = block.lines[-1]
            if line.top - block.bottom > 2.5 * last.size:
                done.append(block)
                continue
            still_open.append(block)
            if abs(last.size - line.size) > 0.06 * max(last.size, line.size) or last.weight != line.weight:
                continue  # another size or face: a heading, a byline, a caption
            gap = line.top - last.bottom
            if gap > _LEADING * line.size or gap < -0.5 * line.size:
                continue
            overlap = _overlap(last.x0, last.x1, line.x0, line.x1)
            narrower = min(last.x1 - last.x0, line.x1 - line.x0)
            if overlap < 0.5 * narrower or overlap <= best_overlap:
                continue
            if _wall_between(last, line, walls):
                continue
            best, best_overlap = block, overlap
        open_blocks = still_open
        if best is None:
            best = TextBlock()
            open_blocks.append(best)
        best.add(line)
    done.extend(open_blocks)
    done.sort(key=lambda b: (b.top, b.x0))
    return done


def _wall_between(upper: Line, lower: Line, walls: list[Rect]) -> bool:
    x0, x1 = max(upper.x0, lower.x0), min(upper.x1, lower.x1)
    for wall in walls:
        if wall.height > 3.0 * max(upper.size, 1.0):
            continue
        between = upper.bottom - 1 <= wall.top and wall.bottom <= lower.top + 1
        if between and _overlap(wall.x0, wall.x1, x0, x1) > 0:
            return True
    return False
