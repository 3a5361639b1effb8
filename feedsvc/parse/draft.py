"""An item being threaded together from a page's blocks: its titles, people and paragraphs, and
the gluing of a block's text onto a paragraph left mid-sentence (in time linear in the text)."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from feedsvc.models import Contributor, ImageRef, ItemKind
from feedsvc.parse import bylines, furniture
from feedsvc.parse.blocks import Block, Deck
from feedsvc.parse.cues import LATER_DATELINE
from feedsvc.parse.headings import Decks
from feedsvc.parse.text import ends_complete, is_wrap, join_wrapped, starts_continuation

_TAIL = 8  # characters of a paragraph being glued that `Draft.dangling` looks at
_ENDING = 72  # characters of a text's end where a closing credit in parentheses is looked for


def _plain(text: str) -> bool:
    """Does the text hold no whitespace and no parenthesis? (Every whitespace character but the
    space is unprintable, and so is every character `join_wrapped` takes for an odd space: checked
    over all code points. `isprintable` costs half a regex's class test a character.)"""
    return (
        " " not in text
        and "(" not in text
        and "（" not in text
        and ")" not in text
        and "）" not in text
        and text.isprintable()
    )


def _join(text: str) -> str:
    """`join_wrapped`, or `bylines.join_text` (a credit in parentheses keeps its spaces) for a text
    holding a parenthesis. A plain text (`_plain`) it leaves as it is: no space to drop or keep."""
    if _plain(text):
        return text
    if "(" in text or "（" in text or ")" in text or "）" in text:
        return bylines.join_text(text)
    return join_wrapped(text)


_WHITESPACE_OR_PAREN = re.compile(r"[\s()（）]")


def _glued(last: str, text: str) -> str:
    """`_join(last + " " + text)[1:]`, `last` being one character that is no space: `text` to glue
    after it. Text without whitespace or parentheses (most text) keeps its characters as they
    are, and only the space between decides: dropped where it is a wrap, one kept otherwise."""
    if last in "()（）" or last.isspace() or (not _plain(text) and _WHITESPACE_OR_PAREN.search(text)):
        return _join(last + " " + text)[1:]
    if not text:
        return ""
    return text if is_wrap(last, text[0]) else " " + text


@dataclass(slots=True)
class Draft:
    start: int  # index of the block that opened it: items keep reading order by this
    kind: ItemKind = "article"
    titles: list[str] = field(default_factory=list)
    contributors: list[Contributor] = field(default_factory=list)
    dateline: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)  # its blocks' column widths, in order
    widest: float = 0.0  # the largest and smallest of them (kept as they come: read per block)
    narrowest: float = 0.0
    median_width: float | None = None  # their median, once asked for (until the next width)
    closed: bool = False  # continued on another page (下转第N版)
    sealed: bool = False  # a complete photo caption: takes no further body
    credited: bool = False
    region: int | None = None  # the PDF region it was laid out in (PDF route only)
    roles: list[Deck | None] = field(default_factory=list)  # each title's role, when geometry knows it
    images: list[ImageRef] = field(default_factory=list)
    end: int = -1  # index of the last block that gave it text
    decks: Decks | None = None  # (kicker, headline, subtitle) read from its heading blocks
    wants_dateline: bool = False  # one of several headings printed before their dateline-led bodies
    held: bool = False  # its last paragraph is a subhead: complete although it ends in no stop
    warnings: list[str] = field(default_factory=list)  # what the parser guessed about this item
    # Text glued onto the last paragraph and not yet joined to it, and that paragraph's last
    # characters: joining each block to an ever longer paragraph would cost quadratic time.
    glued: list[str] = field(default_factory=list)
    tail: str = ""
    # Does its text stop mid-sentence (so that a body block may continue it)? Read at every step of
    # the threading, so kept as the text changes: the methods that change `paragraphs`, `glued`,
    # `closed` or `held` settle it (change them through those methods only).
    dangling: bool = False

    def __post_init__(self) -> None:
        self._settle()

    def _settle(self) -> None:
        self.dangling = self.dangling_now()

    def dangling_now(self) -> bool:
        """`dangling` computed from the text as it is (what the kept one must equal)."""
        if not self.paragraphs or self.closed or self.held:
            return False
        return not ends_complete(self.tail if self.glued else self.paragraphs[-1])

    def close(self) -> None:
        """Continued on another page (a jump line): its text takes no continuation here."""
        self.closed, self.dangling = True, False

    def add_subheads(self, texts: list[str]) -> None:
        """Subheads printed between two of its paragraphs: complete although they end in no stop."""
        self.flush()
        self.paragraphs.extend(texts)
        self.held, self.dangling = True, False

    def add_paragraphs(self, paragraphs: list[str]) -> None:
        """Paragraphs added as they are (a photo's caption)."""
        self.paragraphs.extend(paragraphs)
        self._settle()

    def add_images(self, images: tuple[ImageRef, ...]) -> None:
        if images:  # (the text route has none: no generator made for nothing)
            self.images.extend(image for image in images if image not in self.images)

    def ending(self, size: int = _ENDING) -> str:
        """The last `size` characters of the last paragraph, glued text included (bounded work)."""
        if not self.paragraphs:
            return ""
        pieces: list[str] = []
        length = 0
        for piece in reversed(self.glued):
            pieces.append(piece)
            length += len(piece)
            if length >= size:
                break
        else:
            pieces.append(self.paragraphs[-1][-size:])
        return "".join(reversed(pieces))[-size:]

    def _glue(self, text: str) -> None:
        """`paragraphs[-1] = _join(paragraphs[-1] + " " + text)`, in time linear in `text`."""
        self._append_glued(text)
        self._settle()

    def _append_glued(self, text: str) -> None:
        """`_glue` but for `dangling`, which the caller settles: join_wrapped's result is its input's
        but where the two meet, so only the last character of the (already joined) paragraph takes
        part."""
        if not self.glued:
            self.paragraphs[-1] = _join(self.paragraphs[-1])
            self.tail = self.paragraphs[-1][-_TAIL:]
            if not self.tail:
                self.paragraphs[-1] = _join(" " + text)
                self.tail = self.paragraphs[-1][-_TAIL:]
                return
        piece = _glued(self.tail[-1], text)
        if piece:
            self.glued.append(piece)
            self.tail = (self.tail + piece)[-_TAIL:]

    def flush(self) -> None:
        """Join the glued text to the last paragraph."""
        if self.glued:
            self._join_glued()
            self._settle()

    def _join_glued(self) -> None:
        """`flush` but for `dangling`, which the caller settles."""
        self.paragraphs[-1] = "".join([self.paragraphs[-1], *self.glued])
        self.glued.clear()

    @property
    def width(self) -> float | None:
        if self.median_width is None and self.widths:
            self.median_width = statistics.median(self.widths)
        return self.median_width

    @property
    def last_width(self) -> float | None:
        return self.widths[-1] if self.widths else None

    def add_people(self, people: tuple[Contributor, ...] | list[Contributor]) -> None:
        for person in people:
            for p in self.contributors:
                if p.role == person.role and p.name == person.name:
                    break  # credited already
            else:
                self.contributors.append(person)

    def add_body(self, block: Block, text: str | None = None) -> None:
        paragraphs = block.paragraphs if text is None else [p for p in text.split("\n") if p]
        if not paragraphs:
            return
        if block.width is not None:
            width = block.width
            if not self.widths:
                self.widest = self.narrowest = width
            elif width > self.widest:
                self.widest = width
            elif width < self.narrowest:
                self.narrowest = width
            self.widths.append(width)
            self.median_width = None
        paragraphs[-1], closed = furniture.strip_jump(paragraphs[-1])
        if self.dangling or (self.paragraphs and starts_continuation(paragraphs[0])):
            self._append_glued(paragraphs.pop(0))
        if paragraphs and not paragraphs[-1]:
            paragraphs.pop()  # all the last paragraph held was the jump line (none other is empty)
        if paragraphs:
            if self.glued:
                self._join_glued()
            self.paragraphs.extend(paragraphs)
        self.closed, self.held = self.closed or closed, False
        self._settle()
        end = self.tail if self.glued else self.paragraphs[-1] if self.paragraphs else ""
        joined = block.text if text is None else text
        if "\n" in joined and LATER_DATELINE.search(joined):
            for paragraph in paragraphs:  # a later section's dateline (`本报讯（记者 张三）…`) credits too
                line = bylines.parse_dateline(paragraph)
                if line is not None:
                    self.add_people(line.contributors)
        if end[-1:] in ("）", ")"):  # a closing credit (also one the export split over two blocks)
            self.add_people(bylines.closing_credit(self.ending()))
