"""A heading group's decks: kicker (引题), headline (主题), subtitle (副题), by the trade's conventions.

Works on classified blocks (their text and the printed width of each visual line), so the text and
the PDF front ends share it:

- a deck opening with —— is a subtitle, also alone (then the headline was lost, never that deck);
- a box holding several decks is split: `引题—— 主题`, `主题 ——副题`, `…强调 主题` (a kicker's
  verb of saying), and `主题 副题` when the first deck wraps at fewer characters per line;
- of two decks without a dash, one ending in 强调/指出/表示/—— is the kicker, else the one that
  wraps at fewer characters per line (set larger) is the headline; else kicker then headline.
"""

from __future__ import annotations

from typing import NamedTuple

from feedsvc.parse.blocks import Block
from feedsvc.parse.text import compact

DASHES = ("——", "—", "--", "－－")
# A kicker ends in the verb that introduces the headline (`…时强调`), or leads into it with a dash.
KICKER_END = ("强调", "指出", "表示", "要求", "提出", "寄语", "希望", "宣布", "——", "—", "：", ":")
_WIDER = 1.15  # a deck whose line is this much longer than another's wrapped lines is set smaller

Decks = tuple[str | None, str | None, str | None]


class Deck(NamedTuple):
    text: str
    lines: tuple[float, ...]  # printed width of each visual line, in ems

    @property
    def wrapped_at(self) -> float | None:
        """The line width at which it wrapped (None when printed on one line)."""
        return max(self.lines) if len(self.lines) >= 2 else None

    @property
    def longest(self) -> float:
        return max(self.lines, default=float(len(self.text)))


def split_box(block: Block) -> list[Deck]:
    """The decks of one heading block (usually one; several when the export merged a box)."""
    return _split(block.text, block.segment_lengths)


def _split(text: str, lines: tuple[float, ...]) -> list[Deck]:
    if " " in text:
        cut = text.find(" —")
        if cut > 0:  # `主题 ——副题`
            head, tail = _share(lines, len(compact(text[:cut])))
            return [*_split(text[:cut].strip(), head), Deck(text[cut + 1 :].strip(), tail)]
        first, _, rest = text.partition(" ")
        if first.endswith(DASHES) or first.endswith(KICKER_END):  # `引题—— 主题`, `…时强调 主题`
            head, tail = _share(lines, len(first))
            return [Deck(first, head), *_split(rest.strip(), tail)]
    k = _wrap_split(lines) if len(lines) >= 3 else None
    if k is not None:  # `主题 副题`: the headline wraps at fewer characters per line
        n = round(sum(lines[:k]))
        cut = _index_of_char(text, n)
        if 2 <= cut <= len(text) - 2:
            return [Deck(text[:cut].strip(), lines[:k]), Deck(text[cut:].strip(), lines[k:])]
    return [Deck(text, lines)]


def _index_of_char(text: str, n: int) -> int:
    """The index in `text` after its n-th non-space character."""
    seen = 0
    for index, ch in enumerate(text):
        if not ch.isspace():
            seen += 1
            if seen == n:
                return index + 1
    return len(text)


def _share(lines: tuple[float, ...], chars: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Split line widths where `chars` characters of text end (when they end at a line's end)."""
    total = 0.0
    for k, width in enumerate(lines):
        total += width
        if total >= chars - 0.5:
            return lines[: k + 1], lines[k + 1 :]
    return lines, ()


def _wrap_split(lines: tuple[float, ...]) -> int | None:
    """`主题 副题` in one box: two or more lines of one width, then longer lines (a smaller type)."""
    if len(lines) < 3:
        return None
    head = lines[0]
    k = 1
    while k < len(lines) and abs(lines[k] - head) <= 1:
        k += 1
    if k < 2 or k >= len(lines):
        return None
    if lines[k] < head - 1 and k + 1 < len(lines):
        k += 1  # the headline's last line, short
    rest = lines[k:]
    # the head deck's last line may be short; every later line but the last is longer
    if all(w > head * _WIDER for w in rest[:-1]) and rest[0] > head * _WIDER:
        return k
    return None


def decks(blocks: list[Block]) -> Decks:
    """(kicker, headline, subtitle) of the heading blocks printed above an item, top to bottom."""
    if len(blocks) == 1:
        only = blocks[0]
        if " " not in only.text and len(only.segment_lengths) < 3 and not only.text.startswith(DASHES):
            return None, only.text, None  # one deck: the headline
    found = [deck for block in blocks for deck in split_box(block)]
    return read_decks(found)


def read_decks(found: list[Deck]) -> Decks:
    if not found:
        return None, None, None
    subtitle = found[-1].text if found[-1].text.startswith(DASHES) else None
    rest = found[:-1] if subtitle else found
    if not rest:
        return None, None, subtitle  # a lone —— deck: the headline was lost
    if len(rest) == 1:
        return None, rest[0].text, subtitle
    if len(rest) >= 3:
        return rest[-3].text, rest[-2].text, rest[-1].text
    first, second = rest
    if subtitle is None and not first.text.endswith(KICKER_END) and _set_larger(first, second):
        return None, first.text, second.text  # headline, then a subtitle without a dash
    return first.text, second.text, subtitle


def _set_larger(first: Deck, second: Deck) -> bool:
    """Does the first deck wrap at fewer characters per line than the second (a larger type)?"""
    wrapped = first.wrapped_at
    return wrapped is not None and second.longest > wrapped * _WIDER


def heading_groups(run: list[Block]) -> list[list[Block]]:
    """Headings printed together, one group per item: a —— deck joins the heading above it, a
    kicker (`…时强调`) the heading below it."""
    groups: list[list[Block]] = []
    for block in run:
        joins_above = block.text.startswith(DASHES) and groups
        after_kicker = groups and len(groups[-1]) == 1 and groups[-1][0].text.endswith(KICKER_END)
        if joins_above or after_kicker:
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


def datelines_ahead(blocks: list[Block], j: int, most: int) -> int:
    """How many dateline-led bodies follow blocks[j:] before the next heading or byline (counting
    up to most + 1, looking at most 8 blocks per heading)."""
    count = 0
    for block in blocks[j : j + 8 * most + 8]:
        if block.kind in ("title", "label") or (block.kind == "byline" and not block.trailing):
            break
        if block.kind == "dateline":
            count += 1
            if count > most:
                break
    return count
