"""Characters → lines → blocks, from geometry alone.

A line is a run of characters on one baseline with no gap wider than a column gutter; a block is a
stack of lines of one size that overlap horizontally and follow each other at the leading of their
size (a column of body text between two gaps, a headline of two lines, a byline, a caption).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from feedsvc.parse.pdf.reader import Char, Rect

_SAME_LINE = 0.35  # baselines closer than this share of the size are one line
_LINE_GAP = 0.8  # a horizontal gap wider than this share of the size ends the line (a gutter)
_SPACE_GAP = 0.45  # a gap wider than this between characters is a space
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
    parts: list[str] = []
    prev: Char | None = None
    lead_end = -1  # characters before the first space, when they are all in one other face
    for index, ch in enumerate(chars):
        if prev is not None and ch.x0 - prev.x1 > _SPACE_GAP * ch.size and not prev.text.isspace():
            parts.append(" ")
            if lead_end < 0:
                lead_end = index
        elif ch.text.isspace() and lead_end < 0:
            lead_end = index
        parts.append(ch.text)
        prev = ch
    text = "".join(parts).strip()
    sizes = Counter(round(ch.size, 1) for ch in chars if not ch.text.isspace())
    size = sizes.most_common(1)[0][0] if sizes else chars[0].size
    weights = Counter(ch.weight for ch in chars if not ch.text.isspace())
    weight = weights.most_common(1)[0][0] if weights else 0
    lead = None
    if 0 < lead_end < len(chars) - 1:
        head = {ch.weight for ch in chars[:lead_end]}
        if len(head) == 1 and weight not in head:
            lead = "".join(ch.text for ch in chars[:lead_end]).strip() or None
    return Line(
        text=text,
        x0=min(ch.x0 for ch in chars),
        top=min(ch.top for ch in chars),
        x1=max(ch.x1 for ch in chars),
        bottom=max(ch.bottom for ch in chars),
        baseline=statistics.median(ch.baseline for ch in chars),
        size=size,
        weight=weight,
        first_x=next((ch.x0 for ch in chars if not ch.text.isspace()), chars[0].x0),
        lead=lead,
    )


def build_lines(chars: list[Char]) -> list[Line]:
    """Characters in content order into lines; pieces of one line drawn apart are joined again."""
    runs: list[list[Char]] = []
    run: list[Char] = []
    for ch in chars:
        if run:
            last = run[-1]
            size = max(ch.size, last.size, 1.0)
            same = abs(ch.baseline - last.baseline) <= _SAME_LINE * size
            if not same or ch.x0 < last.x0 - 0.2 * size or ch.x0 - last.x1 > _LINE_GAP * size:
                runs.append(run)
                run = []
        run.append(ch)
    if run:
        runs.append(run)
    runs = [r for r in runs if any(not ch.text.isspace() for ch in r)]
    return _join_pieces(runs)


def _join_pieces(runs: list[list[Char]]) -> list[Line]:
    """Runs on one baseline that touch are one line (a headline drawn in pieces, a stream that
    jumps back and forth); sorted top to bottom, left to right."""
    runs.sort(key=lambda r: (round(r[0].baseline), r[0].x0))
    merged: list[list[Char]] = []
    for r in runs:
        if merged:
            last = merged[-1]
            size = max(r[0].size, last[-1].size, 1.0)
            if (
                abs(r[0].baseline - last[-1].baseline) <= _SAME_LINE * size
                and abs(r[0].size - last[-1].size) <= 0.15 * size
                and -0.2 * size <= r[0].x0 - last[-1].x1 <= _LINE_GAP * size
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
