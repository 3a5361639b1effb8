"""A second look at a page's classified blocks, where a block's place on the page decides its kind.

Classification reads one block at a time; some readings need the page around it:

- a page prints one nameplate, at its top: a later block that reads like one (a letter-spaced
  column title, `要 闻 周 报`) is a heading;
- a line holding only a date between two paragraphs is a timeline entry of the article: it stays
  text (a subhead-like paragraph) and never sets the issue date;
- once a page header has been read, a later `N版 栏目` is a teaser's pointer, not the header.

Works on blocks, so the text and the PDF front ends share it.
"""

from __future__ import annotations

from feedsvc.parse import furniture
from feedsvc.parse.blocks import Block
from feedsvc.parse.text import compact

_CONTENT = ("body", "dateline", "byline")


def settle(blocks: list[Block], *, publication: str | None = None) -> None:
    """Re-read, in place, the blocks whose kind depends on where they stand on the page."""
    started = False  # has the page's first article begun?
    nameplate = False
    header = masthead = False
    paper = compact(publication or "")
    for index, block in enumerate(blocks):
        kind = block.kind
        if kind in _CONTENT:
            started = True
        elif kind == "drop" and block.reason == "nameplate":
            text = compact(block.text)
            if text == paper or not furniture.NAMEPLATE_RE.fullmatch(text):
                nameplate = True
            elif nameplate or started:
                block.kind, block.text, block.reason = "title", text, None
            else:
                nameplate = True
        elif kind == "meta" and block.meta is not None and block.meta.is_masthead:
            masthead = True
        elif kind == "header":
            if (header or (started and masthead)) and block.meta is None:
                block.kind, block.header, block.reason = "drop", None, "pointer"
            header = True
        elif kind == "meta" and started and _date_only(block) and _between_paragraphs(blocks, index):
            block.kind, block.meta, block.text = "title", None, compact(block.text)


def _date_only(block: Block) -> bool:
    meta = block.meta
    return meta is not None and meta.date is not None and not meta.is_masthead and block.header is None


def _between_paragraphs(blocks: list[Block], index: int) -> bool:
    """Is the next block that is not furniture a paragraph of text?"""
    for block in blocks[index + 1 : index + 4]:
        if block.kind in ("drop", "meta", "header"):
            continue
        return block.kind == "body"
    return False
