"""What a block's text alone says about its part in an item: a caption's opening, a subhead, the
rest of a word cut by the export, a later section's dateline. Pure functions of text, shared by the
text and the PDF front ends (assemble.py decides with them)."""

from __future__ import annotations

import re

from feedsvc.parse.text import starts_continuation

# What a photo caption opens with: 图为…, a picture number, or the day it was taken (`5月3日，`).
CAPTION_OPENING = re.compile(
    r"(?:图为|图[①-⑳\d]|[①-⑳]|(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:[上下]午|晚上?|凌晨|清晨|傍晚|中午|夜间)?[，,])"
)
CAPTION_MAX = 160  # characters: a caption is a short paragraph
# A paragraph after the first that opens with a dateline holding a byline: `本报讯（记者 张三）…`.
LATER_DATELINE = re.compile(r"\n(?:本报|据|新华社|中新社)[^\n（(]{0,20}[讯电]\s*[（(]")
# An in-article subhead: a line leading into the next part (`…——`, `…：`), a quoted phrase, a
# numbered or bracketed heading (`一、…`, `（一）…`, `【…】`), a timeline's date.
_SUBHEAD = re.compile(
    r"(?:.*(?:——|—|：|:)$|.*“[^”]{1,16}”.*|[一二三四五六七八九十]{1,3}、.+|[（(][一二三四五六七八九十]{1,3}[）)].+"
    r"|\d{1,2}[.．、].+|【[^】]+】.*|[■◆●▲◎★☆◇]\s*.+"
    r"|(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日)?(?:[上下]午|晚)?)"
)
_SUBHEAD_MAX = 32
_SENTENCE_END = re.compile(r"[。！？!?]")
_CLAUSE = re.compile(r"[，,、；;]")


def opens_caption(text: str) -> bool:
    return CAPTION_OPENING.match(text) is not None


def is_subhead(text: str) -> bool:
    """A short line that leads into the next part of an article rather than heading a new one."""
    return len(text) <= _SUBHEAD_MAX and _SUBHEAD.fullmatch(text) is not None


def fragment_start(text: str) -> bool:
    """Text that begins with the end of a cut word or sentence: mid-sentence punctuation, or a first
    sentence of at most three characters (`工。届时…`)."""
    if starts_continuation(text):
        return True
    m = _SENTENCE_END.search(text, 0, 4)
    return m is not None and m.start() <= 3 and not _CLAUSE.search(text, 0, m.start())
