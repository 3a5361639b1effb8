"""Classify each text block of a page: furniture, header, byline, dateline, title, caption or body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from feedsvc.models import Contributor, ImageRef
from feedsvc.parse import bylines, furniture
from feedsvc.parse.text import (
    RawBlock,
    compact,
    ends_complete,
    join_words,
    join_wrapped,
    starts_continuation,
    visual_len,
    visual_lens,
)

BlockKind = Literal["drop", "meta", "header", "byline", "credit", "dateline", "label", "title", "body"]
Deck = Literal["kicker", "headline", "subtitle"]

# Rubrics that mark a photo item rather than being its title.
PHOTO_LABELS = re.compile(
    r"^[\[【〖]?(?:图片新闻|图片报道|新闻图片|图片说明|组图|图说|读图|看图|影像|镜头)[\]】〗]?$"
)
# A paragraph starts after sentence-final punctuation (and a closing quote) followed by a space.
# (It opens with the punctuation, rarer than spaces, so the engine skips from stop to stop instead
# of trying two look-behinds at every space: twice as fast as matching the space first, even with
# the Python call per match that puts the line break in, `_break`.) One pattern per stop, led by
# it as a literal: the engine then skips to the next one as a string search does, where a pattern
# led by a character class tests every character of every text (~20 times the instructions); a
# stop the text does not hold is not looked for. Matches never overlap (a match holds no stop but
# its first character) and putting a line break for a match's spaces changes no other match, so
# the passes, in any order, break the text as one pattern would.
_STOPS = "。！？!?"
_CLOSER = '[”’」』"]?'
_PARAGRAPH_OPENER = '(?=[\u4e00-\u9fff“「（(【《"])'
_PARAGRAPH_BREAKS = tuple(
    (stop, re.compile(re.escape(stop) + _CLOSER + "[ \u3000]+" + _PARAGRAPH_OPENER)) for stop in _STOPS
)


def _break(match: re.Match[str]) -> str:
    return match[0].rstrip(" \u3000") + "\n"  # the stop and its closing quote, then the break


def break_paragraphs(text: str) -> str:
    """The text with a line break for the spaces after each sentence that ends a paragraph."""
    for stop, pattern in _PARAGRAPH_BREAKS:
        if stop in text:
            text = pattern.sub(_break, text)
    return text


_TITLE_FORBIDDEN_END = tuple("，,、；;：:")
_IDEOGRAPH = re.compile("[\u4e00-\u9fff]")
_CAPTION_TITLE_PUNCT = re.compile(r"[，,、。；;：:！？!?（()）]")


@dataclass(slots=True)
class Block:
    # `classify` passes the first five fields by position: keep their order, or change it there
    kind: BlockKind
    text: str  # repaired text; "\n" between paragraphs
    line: int
    segment_lengths: tuple[float, ...] = ()  # printed width of each visual line, in ems
    width: float | None = None  # the printed width of a full line: its column (see _column_width)
    people: tuple[Contributor, ...] = ()
    trailing: bool = False  # a byline in parentheses: it closes the item above
    dateline: str | None = None
    reason: str | None = None
    caption_title: str | None = None  # set when the block is "标题 说明文字……" (a photo caption)
    credit: tuple[Contributor, ...] = ()  # the photo credit the block ends in (`…。 记者 李 舸 摄`)
    meta: furniture.Masthead | None = None
    header: furniture.PageHeader | None = None

    @property
    def paragraphs(self) -> list[str]:
        parts = self.text.split("\n")
        return parts if "" not in parts else [p for p in parts if p]

    # Geometry hints from the PDF front end (the text route leaves them unset): the article region
    # the block was laid out in (its blocks belong to one item unless a byline or dateline opens
    # another), its role in a heading deck, whether it captions a photo, and the photos it carries.
    region: int | None = None
    deck: Deck | None = None
    photo: bool = False
    images: tuple[ImageRef, ...] = ()


def _column_width(lengths: tuple[float, ...]) -> float | None:
    """The length of a full visual line in a block (its column width), if it can tell: the longest
    line, confirmed by another about as long. (Spaces that are not line breaks only make pieces
    shorter, so the longest pieces are whole lines.)"""
    if len(lengths) < 2:
        return None
    ordered = sorted(lengths)  # (another about as long: the second longest is)
    longest = ordered[-1]
    return longest if ordered[-2] >= 0.85 * longest else None


def _paragraph_text(raw: RawBlock, words: str) -> str:
    """The block's text, its wraps repaired, "\n" between paragraphs. `words` is its text split on
    whitespace and joined by single spaces: a one-line block equal to it has no other spaces to
    normalise, and the wraps of all its paragraphs go in one pass (a paragraph break took the
    spaces around it, so no space that is left sees it). A credit in parentheses keeps its spaces:
    that text goes paragraph by paragraph."""
    if len(raw.lines) == 1 and raw.lines[0] == words and not _has_paren(words):
        return join_words(break_paragraphs(words))
    return "\n".join(_paragraphs(raw, words))


def _has_paren(text: str) -> bool:
    return "(" in text or "（" in text or ")" in text or "）" in text


def _paragraphs(raw: RawBlock, words: str) -> list[str]:
    pieces = [raw.lines[0]] if len(raw.lines) == 1 else _indented_pieces(raw)
    out: list[str] = []
    for piece in pieces:
        if " " in piece or "\u3000" in piece:
            broken = break_paragraphs(piece).split("\n")
            credit = _has_paren(piece)  # a credit in parentheses may keep spaces
            join = bylines.join_text if credit else join_words if piece == words else join_wrapped
            out += [join(p) for p in broken if p.strip()]
        elif piece:
            out.append(piece)
    return out


def _indented_pieces(raw: RawBlock) -> list[str]:
    """Visual lines joined into paragraphs, a new one at each indented line."""
    pieces: list[str] = []
    for line, indented in zip(raw.lines, raw.indented, strict=True):
        if indented and pieces:
            pieces.append(line)
        elif pieces:
            pieces[-1] += " " + line
        else:
            pieces.append(line)
    return pieces


def is_title_like(text: str) -> bool:
    return _title_like(compact(text))


def _title_like(c: str) -> bool:
    """`is_title_like` of a text without its whitespace."""
    return (
        2 <= len(c) <= 64
        and "。" not in c
        and not c.endswith(_TITLE_FORBIDDEN_END)
        and not starts_continuation(c)
        and c.count("，") + c.count(",") <= 2
        and c.count("（") + c.count("(") == c.count("）") + c.count(")")  # not half a credit
        and _IDEOGRAPH.search(c) is not None
    )


def caption_split(block: Block, raw_segments: list[str]) -> tuple[str, str] | None:
    """`钱塘绿岛即将开放 位于河庄街道……。`: a short title, then a complete caption. (`raw_segments`
    hold no whitespace: a block's segments, so they need no `compact`; the block's segment_lengths
    are their printed widths.)"""
    if len(raw_segments) < 2:
        return None
    title = raw_segments[0]
    if not (2 <= len(title) <= 20) or _CAPTION_TITLE_PUNCT.search(title):
        return None
    caption, credit = block.text, block.credit
    if credit:  # the caption ends in its credit: measure the caption without it
        extra = sum(map(len, raw_segments)) - len(compact(caption))
        segments = list(raw_segments)
        while extra > 0 and len(segments) > 1:
            size = len(segments[-1])
            if size > extra:  # the credit began inside this line
                segments[-1] = segments[-1][:-extra]
                break
            extra -= size
            segments.pop()
        raw_segments = segments
    rest = "".join(raw_segments[1:])
    if len(rest) < (8 if credit else max(20, 1.5 * len(title))) or not ends_complete(caption):
        return None
    # the widths of the lines between the first and the last (the credit may have cut the list
    # short, but only its last line: the others are the block's own, measured already)
    widths = sorted(block.segment_lengths[1 : len(raw_segments) - 1])
    if len(widths) >= 2 and visual_len(title) > 0.75 * widths[len(widths) // 2]:
        return None
    if len(widths) < 2 and len(title) > 12:
        return None
    body = block.text[len(title) :].strip()
    return title, body


def _title_text(segments: list[str]) -> str:
    """A title keeps the space of a deliberate line break between two phrases, not of a wrap.
    (`segments`: the block's `RawBlock.segments`.)"""
    if not segments:
        return ""
    out = [segments[0]]
    chars = len(segments[0])  # characters so far, spaces not counted (segments hold none)
    for seg in segments[1:]:
        if chars >= 4 and len(seg) >= 4 and seg[0] not in '“"「《(':  # a phrase break
            out.append(" ")
        out.append(seg)
        chars += len(seg)
    return "".join(out)


def _stands_alone(line: str, publication: str | None, name_en: str | None) -> bool:
    """A visual line that is its own block even when the export glued it to its neighbours."""
    return bool(
        furniture.read_page_header(line)
        or furniture.read_masthead(line)
        or furniture.furniture_reason(line, publication=publication, name_en=name_en) not in (None, "debris")
        or bylines.parse_byline(line)
        or PHOTO_LABELS.match(compact(line))
        or (line.startswith(("——", "—")) and is_title_like(line))
    )


def _heading_lines(lines: list[str]) -> bool:
    """Lines that can only be headings: short, and none holds a sentence."""
    return all(len(line) <= 32 and is_title_like(line) for line in lines)


def refine(raw: RawBlock, *, publication: str | None, name_en: str | None) -> list[RawBlock]:
    """Split the lines of a multi-line block that stand alone (a byline under a headline, a date
    under a nameplate, a subtitle under its headline) into blocks of their own."""
    if len(raw.lines) == 1:
        return [raw]
    out: list[RawBlock] = []
    lines: list[str] = []
    indents: list[bool] = []
    start = raw.line_number
    for offset, (line, indent) in enumerate(zip(raw.lines, raw.indented, strict=True)):
        if _stands_alone(line, publication, name_en):
            if lines:
                out.append(RawBlock(tuple(lines), start, tuple(indents)))
            out.append(RawBlock((line,), raw.line_number + offset, (indent,)))
            lines, indents, start = [], [], raw.line_number + offset + 1
            continue
        headings = 0 < len(lines) <= 4 and line[:1] in "本据新中" and _heading_lines(lines)
        if headings and bylines.parse_dateline(line):
            # the headings printed right above a dateline-led text, without a blank line
            out.append(RawBlock(tuple(lines), start, tuple(indents)))
            lines, indents, start = [], [], raw.line_number + offset
        lines.append(line)
        indents.append(indent)
    if lines:
        out.append(RawBlock(tuple(lines), start, tuple(indents)))
    return out


_NOT_PROSE = re.compile(r"@|https?:|www\.|\d{7}|\d{4}\s*年|版|[■□●◆▲◎○★☆◇]|[（(][^）)]*(?:记者|通讯员|摄)")
# Furniture, headers, labels, bylines and titles are short and hold no sentences.
_SHORT = 200


def classify(raw: RawBlock, *, publication: str | None, name_en: str | None) -> Block:
    segments = raw.segments
    whole = " ".join(segments)
    lengths = visual_lens(segments)
    # (kind, text, line, segment_lengths, width) by position: a class called with keywords builds
    # a dict of them each call; tests/test_parse_block_fields.py checks where they land
    block = Block("body", "", raw.line_number, lengths, _column_width(lengths))
    sentence = len(whole) > 40 and ("。" in whole or whole.count("，") + whole.count(",") >= 3)
    short = len(whole) <= _SHORT and not sentence
    if short and _classify_short(block, segments, whole, publication, name_en):
        block.text = block.text or join_words(whole)
        return block
    # Only text blocks need their paragraphs repaired (the costly part of reading a block).
    block.text = _paragraph_text(raw, whole)
    line = bylines.parse_dateline(block.text)
    if line is not None:
        block.kind, block.dateline, block.people = "dateline", line.text, line.contributors
        return block
    if "摄" in whole[-24:]:
        _take_credit(block, whole)
    split = caption_split(block, segments)
    if split is not None:
        block.caption_title = split[0]
    return block


def _take_credit(block: Block, whole: str) -> None:
    """A caption's closing credit, read from the text as printed (its spaces part the names)."""
    caption, credit = bylines.split_credit_tail(whole)
    if not credit:
        return
    extra = len(compact(whole)) - len(compact(caption))
    text = block.text
    end = len(text)
    while extra > 0 and end > 0:
        end -= 1
        extra -= not text[end].isspace()
    block.text, block.credit = text[:end].rstrip(), credit


def _classify_short(
    block: Block, segments: list[str], whole: str, publication: str | None, name_en: str | None
) -> bool:
    """Classify a short block as furniture, header, label, byline or title; False if it is none."""
    c = whole.replace(" ", "")  # (`compact`: its segments are joined by single spaces)
    if not c:
        block.kind, block.reason = "drop", "blank"
        return True
    if ("，" in whole or "," in whole) and not _NOT_PROSE.search(whole):
        # A line with commas and no address, number, date or page mark is prose: no furniture,
        # header or byline check can match it (they are the costly part of reading a page).
        if bylines.parse_dateline(whole) is None and _title_like(c):
            block.kind, block.text = "title", _title_text(segments)
            return True
        return False
    # (cheap guards first: every header names a 版, every masthead a 年, 期 or 版)
    header = furniture.read_page_header(whole) if "版" in whole else None
    meta = furniture.read_masthead(whole) if ("年" in whole or "期" in whole or "版" in whole) else None
    if meta is not None or header is not None:
        block.kind = "header" if header is not None else "meta"
        block.meta, block.header = meta, header
        if header is not None and meta is None:
            block.meta = furniture.read_masthead_date(whole)
        return True
    reason = furniture.furniture_reason(whole, publication=publication, name_en=name_en, compacted=c)
    if reason is not None:
        block.kind, block.reason = "drop", reason
        return True
    if PHOTO_LABELS.match(c):
        block.kind = "label"
        return True
    people = bylines.parse_byline(whole)
    if people:
        block.people = people
        block.kind = "credit" if bylines.is_credit_line(people) else "byline"
        stripped = whole.lstrip(bylines.MARKERS + " ")
        block.trailing = stripped[:1] in "（(" and not whole.startswith(tuple(bylines.MARKERS))
        return True
    if bylines.parse_dateline(whole) is None and _title_like(c):
        block.kind = "title"
        block.text = _title_text(segments)
        return True
    return False


stands_alone = _stands_alone  # for the PDF front end: a line that is its own block
