"""Thread a page's classified blocks into items, in reading order.

Anchors start items: a byline (`■记者 张三`), a dateline (`本报讯 …`), or a run of titles that leads
into one. Sentence continuity joins blocks: a body block continues the item whose text stopped
mid-sentence, also when the exporter interleaved another article's block (a photo caption, a
neighbouring column) in between. Photo credit lines go to the photo they credit, wherever printed.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections import deque
from dataclasses import dataclass, field

from feedsvc.models import Contributor, ItemKind
from feedsvc.parse import bylines, furniture
from feedsvc.parse.blocks import Block
from feedsvc.parse.text import ends_complete, join_wrapped, starts_continuation

_LOOKBACK = 3
_TAIL = 8  # characters of a paragraph being glued that `Draft.dangling` looks at
_CLAUSE_MARK = re.compile(
    r"[，,、；;]"
)  # how many items back a continuation may reach across interleaved blocks
_SKIP = ("drop", "meta", "header")


@dataclass(slots=True)
class Draft:
    start: int  # index of the block that opened it: items keep reading order by this
    kind: ItemKind = "article"
    titles: list[str] = field(default_factory=list)
    contributors: list[Contributor] = field(default_factory=list)
    dateline: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    closed: bool = False  # continued on another page (下转第N版)
    sealed: bool = False  # a complete photo caption: takes no further body
    credited: bool = False
    # Text glued onto the last paragraph and not yet joined to it, and that paragraph's last
    # characters: joining each block to an ever longer paragraph would cost quadratic time.
    glued: list[str] = field(default_factory=list)
    tail: str = ""

    @property
    def dangling(self) -> bool:
        last = self.tail if self.glued else (self.paragraphs[-1] if self.paragraphs else "")
        return bool(self.paragraphs) and not self.closed and not ends_complete(last)

    def _glue(self, text: str) -> None:
        """`paragraphs[-1] = join_wrapped(paragraphs[-1] + " " + text)`, in time linear in `text`:
        join_wrapped's result is its input's but where the two meet, so only the last character
        of the (already joined) paragraph takes part."""
        if not self.glued:
            self.paragraphs[-1] = join_wrapped(self.paragraphs[-1])
            self.tail = self.paragraphs[-1][-_TAIL:]
            if not self.tail:
                self.paragraphs[-1] = join_wrapped(" " + text)
                self.tail = self.paragraphs[-1][-_TAIL:]
                return
        piece = join_wrapped(self.tail[-1] + " " + text)[1:]
        if piece:
            self.glued.append(piece)
            self.tail = (self.tail + piece)[-_TAIL:]

    def flush(self) -> None:
        """Join the glued text to the last paragraph."""
        if self.glued:
            self.paragraphs[-1] = "".join([self.paragraphs[-1], *self.glued])
            self.glued.clear()

    @property
    def width(self) -> float | None:
        return statistics.median(self.widths) if self.widths else None

    @property
    def last_width(self) -> float | None:
        return self.widths[-1] if self.widths else None

    def add_people(self, people: tuple[Contributor, ...] | list[Contributor]) -> None:
        for person in people:
            if all((p.role, p.name) != (person.role, person.name) for p in self.contributors):
                self.contributors.append(person)

    def add_body(self, block: Block, text: str | None = None) -> None:
        paragraphs = block.paragraphs if text is None else [p for p in text.split("\n") if p]
        if not paragraphs:
            return
        if block.width is not None:
            self.widths.append(block.width)
        last, closed = furniture.strip_jump(paragraphs[-1])
        last, people = bylines.split_trailing_byline(last)
        paragraphs[-1] = last
        self.add_people(people)
        if self.dangling or (self.paragraphs and starts_continuation(paragraphs[0])):
            self._glue(paragraphs.pop(0))
        if any(paragraphs):
            self.flush()
        self.paragraphs.extend(p for p in paragraphs if p)
        self.closed = self.closed or closed


def _fits(column: float | None, width: float) -> bool:
    return column is not None and abs(column - width) <= max(1.5, 0.1 * column)


@dataclass(slots=True)
class Assembly:
    drafts: list[Draft] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Assembler:
    def __init__(self, blocks: list[Block], page: int) -> None:
        self.blocks = blocks
        self.page = page
        self.out = Assembly()
        self.current: Draft | None = None
        self.credits: list[tuple[int, Block]] = []
        self.photo_label = False

    # -- helpers -------------------------------------------------------------------------------
    def _next(self, i: int) -> Block | None:
        for block in self.blocks[i:]:
            if block.kind not in _SKIP:
                return block
        return None

    def _new(self, start: int, titles: list[str] | None = None) -> Draft:
        draft = Draft(start=start, titles=list(titles or []))
        if self.photo_label:
            draft.kind, self.photo_label = "photo", False
        self.out.drafts.append(draft)
        self.current = draft
        return draft

    def _awaiting(self) -> Draft | None:
        """The earliest recent item that has its headings but no text yet (side-by-side articles
        whose headings the exporter emitted before their bodies)."""
        waiting = [d for d in self.out.drafts[-_LOOKBACK:] if not d.paragraphs and not d.sealed]
        return waiting[0] if waiting else None

    def _continuation_target(self, block: Block) -> Draft | None:
        """The item a body block continues. A block follows the item left mid-sentence; when the
        exporter interleaved two columns, the column width tells which of the open items it is."""
        recent = [d for d in reversed(self.out.drafts[-_LOOKBACK:]) if not d.sealed]
        current = self.current if self.current is not None and not self.current.sealed else None
        dangling = [d for d in recent if d.dangling]
        width = block.width if block.width is not None else float(max(block.segment_lengths, default=0))
        if len(dangling) > 1:
            fits = [d for d in dangling if d.last_width is None or d.last_width + 1.5 >= width]
            pool = fits or dangling
            return min(pool, key=lambda d: abs((d.last_width or width) - width) if block.width else 0.0)
        if dangling:
            return dangling[0]
        awaiting = self._awaiting()
        if awaiting is not None:
            return awaiting
        if current is not None and len(current.widths) >= 2:
            # A line longer than any of the current item's lines cannot be in its column; a block
            # much narrower than any of them is another column's. Either goes to a recent item
            # whose column it fits (once the current item's column has been measured twice).
            widest, narrowest = max(current.widths), min(current.widths)
            longest = float(max(block.segment_lengths, default=0))
            too_long = longest > widest + max(1.5, 0.1 * widest)
            too_narrow = block.width is not None and block.width < 0.75 * narrowest
            if too_long or too_narrow:
                other = [
                    d
                    for d in recent[:2]
                    if d is not current
                    and d.last_width is not None
                    and (_fits(d.last_width, width) if block.width else d.last_width + 1.5 >= longest)
                ]
                if other:
                    return other[0]
        if current is not None:
            return current
        return next((d for d in reversed(self.out.drafts) if not d.sealed), None)

    def _width_matches(self, block: Block, draft: Draft | None) -> bool:
        """A title-like block whose lines are as long as the lines of this item's column (the first
        one perhaps two characters shorter, for the paragraph indent) is body text, not a title."""
        if draft is None or draft.width is None or not block.segment_lengths:
            return False
        width, slack = draft.width, max(1.5, 0.1 * draft.width)
        *full, last = block.segment_lengths
        lines_ok = all(width - 3 - slack <= n <= width + slack for n in full)
        return lines_ok and (
            width - 3 - slack <= last <= width + slack if not full else last <= width + slack
        )

    # -- the walk --------------------------------------------------------------------------------
    def run(self) -> Assembly:
        i = 0
        while i < len(self.blocks):
            i = self._step(i)
        for draft in self.out.drafts:
            draft.flush()
        self._assign_credits()
        return self.out

    def _step(self, i: int) -> int:
        block = self.blocks[i]
        kind = block.kind
        if kind in _SKIP:
            if kind == "drop":
                self.out.dropped.append(block.text.replace("\n", " "))
                if block.reason == "jump" and self.current is not None:
                    self.current.closed = True
            return i + 1
        if kind in ("title", "label"):
            return self._titles(i)
        if kind == "credit":
            self.credits.append((i, block))
            return i + 1
        if kind == "byline":
            self._byline(i, block)
            return i + 1
        if kind == "dateline":
            draft = self._awaiting() or self.current
            if draft is None or draft.paragraphs or draft.sealed:
                draft = self._new(i)
                self.out.warnings.append(f"page {self.page}: headline lost before line {block.line}")
            draft.dateline = draft.dateline or block.dateline
            draft.add_people(block.people)
            draft.add_body(block)
            return i + 1
        self._body(i, block)
        return i + 1

    def _titles(self, i: int) -> int:
        run: list[Block] = []
        j = i
        while j < len(self.blocks) and self.blocks[j].kind in ("title", "label", *_SKIP):
            block = self.blocks[j]
            if block.kind == "label":
                self.photo_label = True
                self.out.dropped.append(block.text)
            elif block.kind == "title":
                run.append(block)
            else:
                self._step(j)
            j += 1
        nxt = self._next(j)
        texts = [b.text for b in run]
        if not run:
            return j
        if nxt is None or nxt.kind in ("title", "label"):
            if self.current is not None and self.current.dangling:
                for block in run:
                    self._body(i, block)
            else:
                self.out.warnings.append(f"page {self.page}: title without a body dropped: {texts[-1]}")
                self.out.dropped.extend(texts)
            return j
        anchored = nxt.kind in ("dateline", "credit") or (nxt.kind == "byline" and not nxt.trailing)
        fresh = (
            self.current is None
            or len(run) >= 2
            or self.photo_label
            or (
                not self.current.dangling
                and not self._width_matches(run[0], self.current)
                and not _CLAUSE_MARK.search(texts[0])  # a lone unanchored "title" with commas is a body line
                and not starts_continuation(nxt.text)
            )
        )
        if anchored or (nxt.kind == "body" and fresh):
            self._new(i, texts)
            return j
        for block in run:  # a line of body text that happens to look like a title
            self._body(i, block)
        return j

    def _byline(self, i: int, block: Block) -> None:
        draft = self.current
        if draft is not None and not draft.paragraphs and not draft.sealed:
            draft.add_people(block.people)  # titles (or another byline) then this byline
            return
        nxt = self._next(i + 1)
        leads = nxt is not None and nxt.kind in ("body", "dateline")
        if draft is not None and (block.trailing or not leads) and not draft.contributors:
            draft.add_people(block.people)  # a byline printed under the text it signs
            return
        if draft is not None and block.trailing:
            draft.add_people(block.people)
            return
        new = self._new(i)
        new.add_people(block.people)
        self.out.warnings.append(f"page {self.page}: headline lost before line {block.line}")

    def _body(self, i: int, block: Block) -> None:
        target = self._continuation_target(block)
        caption, credit = bylines.split_credit_tail(block.text)
        if credit and not (target is not None and target.dangling and not self.photo_label):
            # A caption that ends in its own credit (`…玉米。 本报记者 李舸摄`) is a photo item.
            title = [block.caption_title] if block.caption_title else []
            photo = Draft(start=i, kind="photo", titles=title, sealed=True, credited=True)
            if block.caption_title:
                caption = caption[len(block.caption_title) :].strip()
            photo.paragraphs = [p for p in caption.split("\n") if p]
            photo.add_people(credit)
            self.photo_label = False
            self.out.drafts.append(photo)
            self.current = photo
            return
        if block.caption_title and (target is None or target.dangling or self._credit_follows(i)):
            photo = Draft(start=i, kind="photo", titles=[block.caption_title], sealed=True)
            caption = block.text[len(block.caption_title) :].strip() if block.caption_title else block.text
            caption, people = bylines.split_credit_tail(caption)
            photo.paragraphs = [p for p in caption.split("\n") if p]
            if people:
                photo.add_people(people)
                photo.credited = True
            self.out.drafts.append(photo)
            if target is not None and target.dangling:
                self.out.warnings.append(
                    f"page {self.page}: photo caption {block.caption_title!r} moved out of the text it "
                    f"interrupted (line {block.line})"
                )
            else:
                self.current = photo
            return
        if self.photo_label and not (target is not None and target.dangling):
            target = self._new(i)  # the caption under a 图片报道 rubric
        elif target is None or (target.sealed and not target.dangling):
            target = self._new(i)
            self.out.warnings.append(f"page {self.page}: headline lost before line {block.line}")
        target.add_body(block)
        self.current = target

    def _credit_follows(self, i: int) -> bool:
        nxt = self._next(i + 1)
        return nxt is not None and nxt.kind == "credit"

    def _assign_credits(self) -> None:
        drafts = self.out.drafts  # in reading order, their starts never decrease
        starts = [d.start for d in drafts]
        photos = _Uncredited([d for d in drafts if d.kind == "photo" and not d.credited])
        for index, block in self.credits:
            nearest = photos.take_nearest(index)
            if nearest is not None:
                target = nearest
            else:
                before = bisect.bisect_left(starts, index)  # the drafts starting before the credit
                if not before:
                    self.out.warnings.append(f"page {self.page}: photo credit with no item: {block.text}")
                    continue
                target = drafts[before - 1]
                text_len = sum(len(p) for p in target.paragraphs)
                writers = [p for p in target.contributors if p.credit is None]
                if not writers and target.dateline is None and text_len <= 300:
                    target.kind = "photo"
            target.add_people(block.people)
            target.credited = True


class _Uncredited:
    """The photos without a credit yet, grouped by start, for finding the nearest to a credit line
    in near-constant time (a pairwise search made credit assignment quadratic)."""

    def __init__(self, photos: list[Draft]) -> None:
        self.groups: dict[int, deque[Draft]] = {}
        for photo in photos:
            self.groups.setdefault(photo.start, deque()).append(photo)
        self.starts = sorted(self.groups)
        # union-find over `starts`: the nearest index with photos left, to the left and the right
        self.left = list(range(len(self.starts)))
        self.right = list(range(len(self.starts) + 1))

    @staticmethod
    def _find(parent: list[int], i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def take_nearest(self, index: int) -> Draft | None:
        """The nearest photo to `index` (a tie goes to the one before it; among photos starting
        at one place, the first), taken out of the pool; None when none is left."""
        at = bisect.bisect_right(self.starts, index)  # starts[:at] are <= index
        before = self._find(self.left, at - 1) if at > 0 else -1
        before = before if before >= 0 and self.groups[self.starts[before]] else -1
        after = self._find(self.right, at)
        after = after if after < len(self.starts) else -1
        if before < 0 and after < 0:
            return None
        if after < 0 or (before >= 0 and index - self.starts[before] <= self.starts[after] - index):
            chosen = before
        else:
            chosen = after
        group = self.groups[self.starts[chosen]]
        photo = group.popleft()
        if not group:
            self.left[chosen] = chosen - 1 if chosen > 0 else chosen
            self.right[chosen] = chosen + 1
        return photo


def assemble(blocks: list[Block], page: int) -> Assembly:
    return _Assembler(blocks, page).run()
