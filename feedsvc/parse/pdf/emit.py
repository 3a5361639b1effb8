"""A page's regions as the parser core's classified blocks, with the geometry as hints.

Each text piece goes through the same `classify` as the text route (bylines, datelines, furniture,
mastheads and page headers, photo rubrics); then what geometry settles overrides the guesses: a
heading deck's parts are titles with their roles, text set at body size is never a title, the
head band is furniture, and every block carries its region, so the assembler needs no guess about
which item a column continues.
"""

from __future__ import annotations

from feedsvc.models import ImageRef
from feedsvc.parse.blocks import Block, classify, stands_alone
from feedsvc.parse.hints import ParseHints
from feedsvc.parse.pdf.lines import Line, TextBlock, same_column
from feedsvc.parse.pdf.model import DeckPart, Layout, Region
from feedsvc.parse.text import RawBlock, join_wrapped

_KEEP = ("drop", "meta", "header", "label", "byline", "credit")
_INDENT = 0.6  # a line starting this share of its size right of its column starts a paragraph


class _Emitter:
    def __init__(self, hints: ParseHints) -> None:
        self.hints = hints
        self.out: list[Block] = []

    def classify(self, lines: tuple[str, ...], indented: tuple[bool, ...]) -> Block:
        raw = RawBlock(lines, len(self.out) + 1, indented)
        return classify(raw, publication=self.hints.publication, name_en=self.hints.name_en)

    def head(self, block: TextBlock, reason: str = "masthead") -> None:
        """The head band's lines (and rubrics): metadata where they print it, else furniture."""
        for line in block.lines:
            out = self.classify((line.text,), (False,))
            if out.kind not in ("drop", "meta", "header"):
                out.kind, out.reason = "drop", reason
            out.text = out.text or line.text
            self.out.append(out)

    def region(self, region: Region, images: tuple[ImageRef, ...]) -> None:
        start = len(self.out)
        for part in region.deck:
            for text in _pieces(part, self.hints):
                out = self.classify((text,), (False,))
                if out.kind == "label":  # 图片新闻 over a photo: the photo's region says it is one
                    out.kind, out.reason = "drop", "rubric"
                elif out.kind not in _KEEP:
                    out.kind, out.text, out.deck = "title", text, part.role
                self.out.append(out)
        lines: list[Line] = []
        for block in region.blocks:
            skip = False
            for n, line in enumerate(block.lines):
                if skip:
                    skip = False
                    continue
                # in a caption, only a line of its own is a credit: one ending the text is split
                # off by the photo conventions (a role may wrap: 首席 / 记者 …)
                if (n == 0 or region.photo is None) and self._alone(line, first=n == 0, block=block):
                    self._body(lines, region)
                    lines = []
                    text = line.text
                    if n + 1 < len(block.lines) and self._wrapped(text, block.lines[n + 1].text):
                        text, skip = text + block.lines[n + 1].text, True
                    out = self.classify((text,), (False,))
                    if out.kind == "title":  # set in the text: geometry says it heads nothing
                        out.kind = "body"
                    self.out.append(out)
                else:
                    lines.append(line)
        self._body(lines, region)
        made = self.out[start:]
        if region.photo is not None and not region.deck:
            self._caption_title(start)
        for out in self.out[start:]:
            out.region = region.id
            out.photo = region.photo is not None
        if made:
            self.out[start].images = images

    def _alone(self, line: Line, *, first: bool, block: TextBlock) -> bool:
        """A line that is its own block (a byline, a credit, furniture), also where it was set in the
        face of the text around it. Only short lines are asked: a first line, or one that stops short."""
        if len(line.text) > 40 or not (first or line.x1 < block.x1 - 2 * line.size):
            return False
        return stands_alone(line.text, self.hints.publication, self.hints.name_en)

    def _wrapped(self, line: str, following: str) -> bool:
        """A byline's last name (or its credit) wrapped onto a short next line."""
        if len(following) > 8 or any(p in following for p in "，。,"):
            return False
        joined = f"{line}{following}"
        return stands_alone(joined, self.hints.publication, self.hints.name_en)

    def _body(self, lines: list[Line], region: Region) -> None:
        if not lines:
            return
        paragraphs = _paragraphs(lines, region)
        out = self.classify(tuple(paragraphs), (True,) * len(paragraphs))
        if out.kind == "title" or (out.kind == "drop" and len(paragraphs) > 1):
            out.kind, out.text = "body", "\n".join(paragraphs)
        out.caption_title = out.caption_title if region.photo is not None else None
        self.out.append(out)

    def _caption_title(self, start: int) -> None:
        """`标题 说明文字……` in one caption block: its title is the photo item's headline."""
        first = next((b for b in self.out[start:] if b.kind in ("body", "dateline")), None)
        if first is None or first.caption_title is None:
            return
        title = first.caption_title
        first.text = first.text[len(title) :].lstrip()
        heading = Block(kind="title", text=title, line=first.line, deck="headline")
        self.out.insert(self.out.index(first), heading)


def _pieces(part: DeckPart, hints: ParseHints) -> list[str]:
    """A deck part's text, with the lines in it that stand alone (a byline) apart."""
    pieces: list[str] = []
    run: list[str] = []
    for line in part.lines or (part.text,):
        if len(part.lines) > 1 and stands_alone(line, hints.publication, hints.name_en):
            pieces += [" ".join(run), line] if run else [line]
            run = []
        else:
            run.append(line)
    return [*pieces, " ".join(run)] if run else pieces


def _paragraphs(lines: list[Line], region: Region) -> list[str]:
    """Lines in reading order into paragraphs: a new one at each line indented from its column's
    left edge (the leftmost start of the region's blocks of several lines in that column)."""
    columns = [(b.x0, b.x1) for b in region.blocks if len(b.lines) >= 2]
    paragraphs: list[list[str]] = []
    for line in lines:
        left = min((x0 for x0, x1 in columns if same_column(x0, x1, line.x0, line.x1)), default=line.x0)
        indented = line.first_x - left >= _INDENT * line.size
        if indented or not paragraphs:
            paragraphs.append([line.text])
        else:
            paragraphs[-1].append(line.text)
    # a paragraph of one line keeps its spaces (a credit's `通讯员 张祥荣 摄`); wraps are joined
    return [join_wrapped(" ".join(p)) if len(p) > 1 else p[0] for p in paragraphs]


def blocks(layout: Layout, refs: dict[int, ImageRef], hints: ParseHints) -> list[Block]:
    """The page as the core's blocks, head band first, then region by region in reading order."""
    emitter = _Emitter(hints)
    for block in layout.head:
        emitter.head(block)
    for block in layout.rubrics:
        emitter.head(block, "rubric")
    for region in layout.regions:
        images = [region.photo] if region.photo is not None else region.images
        emitter.region(region, tuple(refs[id(image)] for image in images if id(image) in refs))
    return emitter.out
