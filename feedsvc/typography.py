"""Full-width punctuation where the page text export left ASCII between Han characters.

A PDF export often turns the paper's `，：；？！“”` into `, : ; ? ! "`. `fullwidth` puts back
the printed forms, conservatively:

- `,` `:` `;` `?` `!` become `，：；？！` when a Han character (or a closing CJK mark such as `”`
  `）` `》`) is on their left and a Han character (or an opening CJK mark) on their right, spaces
  or tabs between them dropped; `?` and `!` also at the end of the text or before a closing mark
  (`真的吗?` → `真的吗？`). Latin text and numbers keep theirs: `Hello, world`, `1,000`, `6:30`,
  `COVID-19,` (a digit on the left).
- paired `"` become `“…”` when the quoted text or either side of the pair is Han, unless a Latin
  letter or a digit comes right before the opening one (`12"` is an inch mark) or a Latin letter
  right after the closing one (`“八八战略”20周年` is converted). A text with an odd number of `"`
  keeps them all: the pairs cannot be told.
- nothing inside a URL or an e-mail address changes (`http://…`, `www.…`, up to a space or CJK
  punctuation), nor a mark right beside one.

`issue` applies it to every text field of a parsed issue. `parse.parse_bytes` calls it when
`ParseHints.fullwidth_punctuation` is set (config `paper.fullwidth_punctuation`, on by default),
so the store, the feeds and the pages all hold the printed forms; after changing the setting,
`feedsvc regenerate --reparse` applies it to stored pages. Pure; `fullwidth(fullwidth(t)) ==
fullwidth(t)`.
"""

from __future__ import annotations

import re

from feedsvc.models import Issue, Item

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_OPEN = "“‘「『（《〈【〔"
_CLOSE = "”’」』）》〉】〕"
_CJK_PUNCT = "，。、；：？！…—"
_WIDE = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}

# URLs and e-mail addresses: left exactly as they are
_PROTECTED = re.compile(
    rf"(?:[A-Za-z][A-Za-z0-9+.-]*://|www\.)[^\s{_CJK_PUNCT}{_OPEN}{_CLOSE}]+"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)
_LEFT = f"[{_HAN}{_CLOSE}]"
_PUNCT = re.compile(
    rf"(?<={_LEFT})[ \t]*(?:([,:;?!])[ \t]*(?=[{_HAN}{_OPEN}])|([?!])[ \t]*(?=[{_CLOSE}{_CJK_PUNCT}]|$))"
)
_HAN_CHAR = re.compile(f"[{_HAN}]")
_CJK_SIDE = re.compile(f"[{_HAN}{_OPEN}{_CLOSE}{_CJK_PUNCT}]")
_ASCII_ALNUM = re.compile("[A-Za-z0-9]")
_ASCII_LETTER = re.compile("[A-Za-z]")


def fullwidth(text: str) -> str:
    """`text` with the ASCII punctuation between Han characters in its printed full-width form."""
    if not _HAN_CHAR.search(text):
        return text
    spans = [m.span() for m in _PROTECTED.finditer(text)]
    if '"' in text:
        text = _quotes(text, spans)  # same length: the spans stay where they are
    if any(mark in text for mark in _WIDE):

        def wide(m: re.Match[str]) -> str:
            # the mark, or the characters on either side of it, in a URL: left as it is
            if any(start <= m.end() and m.start() <= end for start, end in spans):
                return m.group()
            return _WIDE[m.group(1) or m.group(2)]

        text = _PUNCT.sub(wide, text)
    return text


def _quotes(text: str, spans: list[tuple[int, int]]) -> str:
    """Paired ASCII double quotes as `“…”` where they quote Chinese (see the module docstring);
    quotes inside `spans` (URLs) are not counted."""
    marks = [i for i, ch in enumerate(text) if ch == '"' and not any(a <= i < b for a, b in spans)]
    if len(marks) % 2:
        return text
    chars = list(text)
    for opening, closing in zip(marks[::2], marks[1::2], strict=True):
        before = text[opening - 1] if opening else ""
        after = text[closing + 1] if closing + 1 < len(text) else ""
        if _ASCII_ALNUM.fullmatch(before or "-") or _ASCII_LETTER.fullmatch(after or "-"):
            continue
        beside = _CJK_SIDE.fullmatch(before or "-") or _CJK_SIDE.fullmatch(after or "-")
        if beside or _HAN_CHAR.search(text[opening + 1 : closing]):
            chars[opening], chars[closing] = "“", "”"
    return "".join(chars)


def _optional(text: str | None) -> str | None:
    return None if text is None else fullwidth(text)


def item(it: Item) -> Item:
    """An item with `fullwidth` applied to its kicker, headline, subtitle, title, dateline, paragraphs."""
    return it.model_copy(
        update={
            "kicker": _optional(it.kicker),
            "headline": _optional(it.headline),
            "subtitle": _optional(it.subtitle),
            "title": fullwidth(it.title),
            "dateline": _optional(it.dateline),
            "paragraphs": tuple(fullwidth(p) for p in it.paragraphs),
        }
    )


def issue(parsed: Issue) -> Issue:
    """`parsed` with `fullwidth` applied to every item's text."""
    pages = tuple(
        page.model_copy(update={"items": tuple(item(it) for it in page.items)}) for page in parsed.pages
    )
    return parsed.model_copy(update={"pages": pages})
