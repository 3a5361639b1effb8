"""Shared helpers for parser tests: the paper's hints and a compact view of an item."""

from __future__ import annotations

from feedsvc.models import Issue, Item
from feedsvc.parse import ParseHints, parse

HINTS = ParseHints(
    publication="钱塘新区报",
    name_en="QIANTANG NEW AREA DAILY",
    sections={1: "要闻", 2: "综合", 3: "民生", 4: "副刊"},
)


def parse_text(text: str) -> Issue:
    return parse(text, source="test.txt", hints=HINTS)


def people(item: Item) -> list[tuple[str | None, str, str | None]]:
    return [(c.role, c.name, c.credit) for c in item.contributors]


def squash(text: str | None) -> str | None:
    return None if text is None else "".join(text.split())
