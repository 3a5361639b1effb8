"""Thread a page's classified blocks into items, in reading order.

Anchors start items: a byline (`■记者 张三`), a dateline (`本报讯 …`), or a run of titles that leads
into one. Sentence continuity joins blocks: a body block continues the item whose text stopped
mid-sentence, also when the exporter interleaved another article's block (a photo caption, a
neighbouring column) in between. Photo credit lines go to the photo they credit, wherever printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from feedsvc.parse import bylines
from feedsvc.parse.blocks import Block
from feedsvc.parse.credits import assign_credits
from feedsvc.parse.cues import CAPTION_MAX, fragment_start, is_subhead, opens_caption
from feedsvc.parse.draft import Draft
from feedsvc.parse.headings import datelines_ahead, decks, heading_groups
from feedsvc.parse.text import ends_complete, starts_continuation

_LOOKBACK = 3
_CLAUSE_MARK = re.compile(
    r"[，,、；;]"
)  # how many items back a continuation may reach across interleaved blocks
_SKIP = ("drop", "meta", "header")
_HEADING_RUN = frozenset(("title", "label", *_SKIP))  # the kinds a run of headings may hold
_LOOKAHEAD = 8  # blocks a cut text may look ahead for its continuation


def _slack(column: float) -> float:
    """How far a line may differ from its column's width: a tenth of it, at least 1.5 ems.
    (`max(1.5, 0.1 * column)`, without the builtin's argument parsing: it runs at every step.)"""
    tenth = 0.1 * column
    return tenth if tenth > 1.5 else 1.5


def _fits(column: float | None, width: float) -> bool:
    return column is not None and abs(column - width) <= _slack(column)


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
        self.photo_label: str | None = None  # a 图片报道 rubric waiting for its photo
        self.pending: list[Draft] = []  # headings printed together, waiting for their datelines
        self._index: dict[int, int] | None = None  # block → its position, built when first needed

    # -- helpers -------------------------------------------------------------------------------
    def _next(self, i: int) -> Block | None:
        """The first block from i on that is not furniture (a few steps: furniture comes singly)."""
        blocks = self.blocks
        while i < len(blocks):
            if blocks[i].kind not in _SKIP:
                return blocks[i]
            i += 1
        return None

    def _previous(self, i: int) -> int:
        """The index of the last block before i that is not furniture (-1 if none)."""
        j = min(i, len(self.blocks)) - 1
        while j >= 0 and self.blocks[j].kind in _SKIP:
            j -= 1
        return j

    def _new(self, start: int, titles: list[str] | None = None, opener: Block | None = None) -> Draft:
        draft = Draft(start=start, titles=list(titles or []))
        if self.photo_label:
            draft.kind, draft.titles = "photo", self._label_titles(draft.titles)
        if opener is not None and opener.region is not None:
            draft.region = opener.region
            if opener.photo:
                draft.kind = "photo"
        self.out.drafts.append(draft)
        self.current = draft
        return draft

    def _label_titles(self, titles: list[str]) -> list[str]:
        """A photo's titles: a 图片报道 rubric is its headline when nothing else is printed."""
        label, self.photo_label = self.photo_label, None
        if label is None or titles:
            if label is not None:
                self.out.dropped.append(label)
            return titles
        return [label]

    def _awaiting(self) -> Draft | None:
        """The earliest recent item that has its headings but no text yet (side-by-side articles
        whose headings the exporter emitted before their bodies)."""
        for d in self.out.drafts[-_LOOKBACK:]:
            if not d.paragraphs and not d.sealed and not d.wants_dateline:
                return d
        return None

    def _in_region(self, region: int) -> Draft | None:
        """The latest item opened in a PDF region (the geometry settled which blocks are whose)."""
        return next((d for d in reversed(self.out.drafts) if d.region == region), None)

    def _continuation_target(self, block: Block) -> Draft | None:
        """The item a body block continues. A block follows the item left mid-sentence; when the
        exporter interleaved two columns, the column width tells which of the open items it is."""
        if block.region is not None:
            return self._in_region(block.region)
        recent: list[Draft] = []  # the open items among the last few, the latest first
        dangling: list[Draft] = []  # those of them left mid-sentence
        for d in reversed(self.out.drafts[-_LOOKBACK:]):
            if not d.sealed:
                recent.append(d)
                if d.dangling:
                    dangling.append(d)
        current = self.current if self.current is not None and not self.current.sealed else None
        if len(dangling) > 1:
            width = block.width if block.width is not None else float(max(block.segment_lengths, default=0))
            fits = [d for d in dangling if d.last_width is None or d.last_width + 1.5 >= width]
            pool = fits or dangling
            return min(pool, key=lambda d: abs((d.last_width or width) - width) if block.width else 0.0)
        if dangling:
            if current is not None and current is not dangling[0] and self._completed_later(block):
                return current  # a fresh paragraph of the current item; the cut word ends further on
            return dangling[0]
        awaiting = self._awaiting()
        if awaiting is not None:
            return awaiting
        if current is not None and len(current.widths) >= 2:
            # A line longer than any of the current item's lines cannot be in its column; a block
            # much narrower than any of them is another column's. Either goes to a recent item
            # whose column it fits (once the current item's column has been measured twice).
            widest, narrowest = current.widest, current.narrowest
            longest = float(max(block.segment_lengths, default=0))
            too_long = longest > widest + _slack(widest)
            too_narrow = block.width is not None and block.width < 0.75 * narrowest
            if too_long or too_narrow:
                other = [
                    d
                    for d in recent[:2]
                    if d is not current
                    and d.last_width is not None
                    and (_fits(d.last_width, block.width) if block.width else d.last_width + 1.5 >= longest)
                ]
                if other:
                    return other[0]
        if current is not None:
            return current
        return next((d for d in reversed(self.out.drafts) if not d.sealed), None)

    def _completed_later(self, block: Block) -> bool:
        """Does this block open a paragraph, while a block a little further on reads as the rest of
        a cut word or sentence (`工。届时…`)? Then the text cut mid-word waits for that one."""
        if not self.current or self.current.dangling or fragment_start(block.text):
            return False
        if self._index is None:
            self._index = {id(b): n for n, b in enumerate(self.blocks)}
        index = self._index.get(id(block), -1)
        for later in self.blocks[index + 1 : index + 1 + _LOOKAHEAD] if index >= 0 else ():
            if later.kind in _SKIP:
                continue
            if later.kind == "body" and fragment_start(later.text):
                return True
        return False

    def _width_matches(self, block: Block, draft: Draft | None) -> bool:
        """A title-like block whose lines are as long as the lines of this item's column (the first
        one perhaps two characters shorter, for the paragraph indent) is body text, not a title."""
        if draft is None or draft.width is None or not block.segment_lengths:
            return False
        width = draft.width
        slack = _slack(width)
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
        if self.credits:
            assign_credits(self.out.drafts, self.credits, self._previous, self.page, self.out.warnings)
        return self.out

    def _step(self, i: int) -> int:
        block = self.blocks[i]
        kind = block.kind
        if kind in _SKIP:
            if kind == "drop":
                self.out.dropped.append(block.text.replace("\n", " "))
                if block.reason == "jump" and self.current is not None:
                    self.current.close()
            return i + 1
        if kind in ("title", "label"):
            return self._titles(i)
        if kind == "credit":
            photo = self._in_region(block.region) if block.photo and block.region is not None else None
            if photo is not None:
                photo.add_people(block.people)
                photo.credited = True
            else:
                self.credits.append((i, block))
            return i + 1
        if kind == "byline":
            self._byline(i, block)
            return i + 1
        if kind == "dateline":
            if block.region is not None:
                draft = self._in_region(block.region)
            else:
                draft = self.pending.pop(0) if self.pending else (self._awaiting() or self.current)
            if draft is None or draft.paragraphs or draft.sealed:
                draft = self._new(i, opener=block)
                self.out.warnings.append(f"page {self.page}: headline lost before line {block.line}")
            draft.dateline, draft.wants_dateline = draft.dateline or block.dateline, False
            draft.add_people(block.people)
            draft.add_body(block)
            draft.add_images(block.images)
            draft.end, self.current = i, draft
            return i + 1
        self._body(i, block)
        return i + 1

    def _titles(self, i: int) -> int:
        run: list[Block] = []
        j = i
        while j < len(self.blocks) and self.blocks[j].kind in _HEADING_RUN:
            block = self.blocks[j]
            if run and block.region != run[0].region:
                break  # the next PDF region's deck: another item
            if block.kind == "label":
                if self.photo_label:
                    self.out.dropped.append(self.photo_label)
                self.photo_label = block.text
            elif block.kind == "title":
                run.append(block)
            else:
                self._step(j)
            j += 1
        nxt = self._next(j)
        texts = [b.text for b in run]
        if not run:
            return j
        if run[0].region is not None and nxt is not None and nxt.region != run[0].region:
            nxt = None  # a heading deck whose region holds no text
        if nxt is None or nxt.kind in ("title", "label"):
            if self.current is not None and self.current.dangling:
                for block in run:
                    self._body(i, block)
            else:
                self.out.warnings.append(f"page {self.page}: title without a body dropped: {texts[-1]}")
                self.out.dropped.extend(texts)
            return j
        if run[0].deck is not None:  # a heading deck read from the page's geometry
            draft = self._new(i, texts, opener=run[0])
            draft.roles = [b.deck for b in run]
            for block in run:
                draft.add_images(block.images)
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
        if self._subheads(run, nxt):
            return j
        if nxt.kind == "dateline" and len(run) >= 2 and self._pair_headings(i, j, run):
            return j
        if anchored or (nxt.kind == "body" and fresh):
            self._new(i, texts).decks = decks(run)
            return j
        for block in run:  # a line of body text that happens to look like a title
            self._body(i, block)
        return j

    def _subheads(self, run: list[Block], nxt: Block) -> bool:
        """Short lines between two paragraphs of an article that lead into the next part (`…——`, a
        quoted phrase, `一、…`) are its subheads: they stay in its text as paragraphs."""
        draft = self.current
        if nxt.kind != "body" or draft is None or not draft.paragraphs or draft.sealed:
            return False
        if draft.kind != "article" or starts_continuation(nxt.text):
            return False
        if draft.dangling and not draft.ending(2).endswith(("：", ":")):
            return False
        if not all(is_subhead(b.text) for b in run):
            return False
        draft.add_subheads([b.text for b in run])
        return True

    def _pair_headings(self, i: int, j: int, run: list[Block]) -> bool:
        """Headings of several items printed together before their bodies, then as many
        dateline-led bodies: one item per heading, paired in order."""
        groups = heading_groups(run)
        if len(groups) < 2 or datelines_ahead(self.blocks, j, len(groups)) != len(groups):
            return False
        for group in groups:
            draft = self._new(i, [b.text for b in group])
            draft.decks, draft.wants_dateline = decks(group), True
            draft.warnings.append("headline paired with its text by order (headings printed together)")
            self.pending.append(draft)
        return True

    def _byline(self, i: int, block: Block) -> None:
        draft = self.current if block.region is None else self._in_region(block.region)
        if draft is not None and not draft.paragraphs and not draft.sealed:
            draft.add_people(block.people)  # titles (or another byline) then this byline
            return
        nxt = self._next(i + 1)
        leads = nxt is not None and nxt.kind in ("body", "dateline") and nxt.region == block.region
        if draft is not None and (block.trailing or not leads) and not draft.contributors:
            draft.add_people(block.people)  # a byline printed under the text it signs
            return
        if draft is not None and block.trailing:
            draft.add_people(block.people)
            return
        new = self._new(i, opener=block)
        new.add_people(block.people)
        self.out.warnings.append(f"page {self.page}: headline lost before line {block.line}")

    def _region_body(self, i: int, block: Block) -> None:
        """A body block laid out in a PDF region: it belongs to the region's item."""
        target = self._continuation_target(block)
        if target is None:
            target = self._new(i, opener=block)
            if not block.photo:
                self.out.warnings.append(f"page {self.page}: headline lost before line {block.line}")
        text = None
        if block.photo:
            text, people = bylines.split_credit_tail(block.text)
            people = (*block.credit, *people)  # a credit the block's reading already split off
            if people:
                target.add_people(people)
                target.credited = True
        target.add_body(block, text)
        target.add_images(block.images)
        target.end, self.current = i, target

    def _body(self, i: int, block: Block) -> None:
        if block.region is not None:
            self._region_body(i, block)
            return
        target = self._continuation_target(block)
        # only a short single paragraph can be a caption (most blocks are neither)
        short = len(block.text) <= CAPTION_MAX and "\n" not in block.text
        # (cheap tests first: the caption checks below run for few blocks)
        short = short and (opens_caption(block.text) or self._credit_next(i))
        maybe_photo = short or block.credit or block.caption_title or self.photo_label
        dangling = bool(maybe_photo) and target is not None and target.dangling
        if block.credit and not (dangling and not (short and self._caption_cue(block))):
            # A caption that ends in its own credit (`…玉米。 本报记者 李舸摄`) is a photo item.
            photo = self._photo(i, block, block.text)
            photo.add_people(block.credit)
            photo.credited = True
            return
        if block.caption_title and (target is None or dangling or self._credit_follows(i)):
            photo = self._photo(i, block, block.text, keep_current=dangling)
            if dangling:
                self.out.warnings.append(
                    f"page {self.page}: photo caption {block.caption_title!r} moved out of the text it "
                    f"interrupted (line {block.line})"
                )
                photo.warnings.append("caption moved out of the text it interrupted")
            return
        caption = short and (
            self._caption_before_credit(i, block, target) or self._spliced_caption(block, target)
        )
        if caption:
            photo = self._photo(i, block, block.text, keep_current=dangling)
            if dangling:
                photo.warnings.append("caption moved out of the text it interrupted")
            return
        if self.photo_label and not (dangling and not opens_caption(block.text)):
            target = self._new(i)  # the caption under a 图片报道 rubric
            target.add_body(block)
            target.sealed = not target.dangling  # it takes no more of the host's paragraphs
            self.current = target
            return
        if target is None or (target.sealed and not target.dangling):
            target = self._new(i)
            self.out.warnings.append(f"page {self.page}: headline lost before line {block.line}")
        first = not target.paragraphs
        target.add_body(block)
        target.end = i
        if first and target.titles and self._credit_follows(i) and not target.contributors:
            target.kind, target.sealed = "photo", not target.dangling  # a titled caption, then its credit
        self.current = target

    def _photo(self, i: int, block: Block, caption: str, *, keep_current: bool = False) -> Draft:
        """A photo item from a caption block (its title printed in the block, above it, or a rubric)."""
        awaiting = self.current
        if awaiting is not None and (awaiting.paragraphs or awaiting.sealed or awaiting.contributors):
            awaiting = None
        titles = [block.caption_title] if block.caption_title else []
        if block.caption_title:
            caption = caption[len(block.caption_title) :].strip()
        if awaiting is not None and not titles:
            photo = awaiting  # `湖畔晨练` printed as a block of its own above the caption
            photo.kind, photo.sealed = "photo", True
            if self.photo_label:
                photo.titles = self._label_titles(photo.titles)
        else:
            photo = Draft(start=i, kind="photo", titles=self._label_titles(titles), sealed=True)
            self.out.drafts.append(photo)
        photo.add_paragraphs([p for p in caption.split("\n") if p])
        photo.end = i
        if block.credit:
            photo.add_people(block.credit)
            photo.credited = True
        if not keep_current:
            self.current = photo
        return photo

    def _caption_cue(self, block: Block) -> bool:
        """Something says this block is a caption: a rubric above it, a caption's opening or title."""
        return bool(self.photo_label) or block.caption_title is not None or opens_caption(block.text)

    def _caption_before_credit(self, i: int, block: Block, target: Draft | None) -> bool:
        """A short complete block followed by a photo credit is that photo's caption when something
        says so: a caption's opening (图为, a date), a column of another width, or a text it cuts."""
        text = block.text
        if starts_continuation(text) or not ends_complete(text):
            return False
        if not self._credit_next(i):
            return False
        if target is None or self._caption_cue(block):
            return True
        if target.dangling:
            return False  # the block completes it
        width = block.width or max(block.segment_lengths, default=0.0)
        return target.width is not None and not _fits(target.width, width)

    def _spliced_caption(self, block: Block, target: Draft | None) -> bool:
        """A complete caption (`图为…`, or a dated one set in a column of another width) printed
        inside a text the export left mid-sentence."""
        if target is None or not target.dangling or not opens_caption(block.text):
            return False
        if not ends_complete(block.text):
            return False
        if block.text.startswith("图"):
            return True
        width = block.width or max(block.segment_lengths, default=0.0)
        return target.width is not None and not _fits(target.width, width)

    def _credit_next(self, i: int) -> bool:
        """Is the next block that is not furniture a photo credit? (Looks a few blocks ahead.)"""
        for block in self.blocks[i + 1 : i + 1 + _LOOKAHEAD]:
            if block.kind not in _SKIP:
                return block.kind == "credit"
        return False

    def _credit_follows(self, i: int) -> bool:
        nxt = self._next(i + 1)
        return nxt is not None and nxt.kind == "credit"


def assemble(blocks: list[Block], page: int) -> Assembly:
    return _Assembler(blocks, page).run()
