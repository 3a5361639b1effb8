"""`parse(text) -> Issue`: a newspaper page (or pages split by form feeds) as exported text, read.

Pure: takes a string (and hints from configuration and the file name), returns an `Issue`, raises
`ParseError` only for text with no article in it. `decode(bytes)` turns a submission into that string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from feedsvc import typography
from feedsvc.errors import ParseError
from feedsvc.models import Issue, Item, Page, PageNumberSource, SectionSource
from feedsvc.parse import context
from feedsvc.parse.assemble import assemble
from feedsvc.parse.blocks import Block, classify, refine
from feedsvc.parse.bylines import DATELINE_RE
from feedsvc.parse.draft import Draft
from feedsvc.parse.furniture import Masthead, PageHeader
from feedsvc.parse.hints import ParseHints, from_name, hints_from_settings, with_name
from feedsvc.parse.text import clean_chars, decode, split_blocks, split_pages

__all__ = [
    "NO_DATE",
    "TITLE_DERIVED",
    "ParseHints",
    "decode",
    "derive_title",
    "from_name",
    "hints_from_settings",
    "parse",
    "parse_blocks",
    "parse_bytes",
    "warnings_of",
]

NO_DATE = (
    "no issue date: the page prints none and the file name gives none (name it like paper-2023-06-26-p2.txt)"
)

TITLE_MAX = 30
TITLE_DERIVED = "no printed headline: title derived from the lead"
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_CLAUSE_END = re.compile(r"[，,；;：:]")
_SENTENCE_END = re.compile(r"[。！？!?]")
_DASH = ("——", "—", "--", "－－")
_LEADING_PAREN = re.compile(r"^[（(][^（()）]{0,40}[）)]")


def derive_title(lead: str) -> str:
    """A title from an item's lead, for an item whose headline the export lost: its first clause(s)
    up to 30 characters, without the dateline."""
    text = lead
    m = DATELINE_RE.match(text)
    if m:
        text = text[m.end() :].lstrip(" ，,：:")
    text = _LEADING_PAREN.sub("", text).strip()
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0].strip()
    if len(sentence) <= TITLE_MAX:
        return sentence or text[:TITLE_MAX] or "（无标题）"
    cut = 0
    for clause in _CLAUSE_END.finditer(sentence):
        if clause.start() > TITLE_MAX:
            break
        cut = clause.start()
    if cut >= 8:
        return sentence[:cut]
    return sentence[: TITLE_MAX - 1] + "…"


def _titles(titles: list[str]) -> tuple[str | None, str | None, str | None]:
    """(kicker, headline, subtitle) from the title blocks above an item, top to bottom."""
    if not titles:
        return None, None, None
    subtitle = titles[-1] if len(titles) >= 2 and titles[-1].startswith(_DASH) else None
    rest = titles[:-1] if subtitle else titles
    if len(rest) == 1:
        return None, rest[0], subtitle
    if len(rest) == 2 and subtitle is None and len(titles) == 2:
        return rest[0], rest[1], None
    if len(rest) >= 3:
        return rest[-3], rest[-2], rest[-1]
    return rest[-2], rest[-1], subtitle


def _decked(draft: Draft) -> tuple[str | None, str | None, str | None]:
    """(kicker, headline, subtitle) where the page's geometry gave each title its role."""
    parts: dict[str, list[str]] = {"kicker": [], "headline": [], "subtitle": []}
    for text, role in zip(draft.titles, draft.roles, strict=True):
        parts[role or "headline"].append(text)
    kicker, headline, subtitle = (" ".join(parts[k]) or None for k in ("kicker", "headline", "subtitle"))
    return kicker, headline, subtitle


def _item(draft: Draft) -> Item | None:
    if not draft.paragraphs:
        return None
    if draft.roles and len(draft.roles) == len(draft.titles):
        kicker, headline, subtitle = _decked(draft)
    else:
        kicker, headline, subtitle = draft.decks or _titles(draft.titles)
    title = headline or derive_title(draft.paragraphs[0])
    warnings = (TITLE_DERIVED, *draft.warnings) if headline is None else tuple(draft.warnings)
    return Item(
        kind=draft.kind,
        kicker=kicker,
        headline=headline,
        subtitle=subtitle,
        title=title,
        title_derived=headline is None,
        contributors=tuple(draft.contributors),
        dateline=draft.dateline,
        paragraphs=tuple(draft.paragraphs),
        images=tuple(draft.images),
        warnings=warnings,
    )


def parse(text: str, *, source: str = "<text>", hints: ParseHints | None = None) -> Issue:
    """Read a page (or pages split by `\\f`) into an Issue. Raises ParseError if no article is found."""
    hints = hints or ParseHints()
    return parse_blocks(_text_pages(text, hints), source=source, hints=hints, has_han=bool(_HAN.search(text)))


def _text_pages(text: str, hints: ParseHints) -> Iterator[list[Block]]:
    publication, name_en = hints.publication, hints.name_en
    for first_line, page_text in split_pages(clean_chars(text)):
        blocks = [
            classify(piece, publication=publication, name_en=name_en)
            for raw in split_blocks(page_text, first_line)
            for piece in (
                (raw,) if len(raw.lines) == 1 else refine(raw, publication=publication, name_en=name_en)
            )
        ]
        context.settle(blocks, publication=publication)
        yield blocks


def parse_blocks(
    page_blocks: Iterable[list[Block]], *, source: str, hints: ParseHints, has_han: bool
) -> Issue:
    """The parser core: each page's classified blocks, in reading order, read into an Issue by the
    trade's conventions. Both front ends (exported text, the page PDF) end here."""
    meta = Masthead()
    date_from: str | None = None
    pages: list[Page] = []
    dropped: list[str] = []
    warnings: list[str] = []
    previous: int | None = None
    for blocks in page_blocks:
        header = next((b.header for b in blocks if b.header is not None), None)
        page_meta = [b.meta for b in blocks if b.meta is not None]
        masthead = next((m for m in page_meta if m.is_masthead), None)
        for found in page_meta:
            if meta.date is None and found.date is not None:
                date_from = "masthead" if found.is_masthead else "header"
            meta = Masthead(
                date=meta.date or found.date,
                issue_number=meta.issue_number or found.issue_number,
                page_count=meta.page_count or found.page_count,
                lunar_date=meta.lunar_date or found.lunar_date,
            )
        number, number_from, label = _page_number(header, masthead, hints, previous)
        previous = number
        result = assemble(blocks, number)
        section, section_from = _section(header, hints, number)
        dropped.extend(_dropped_meta(blocks))
        dropped.extend(result.dropped)
        warnings.extend(result.warnings)
        items = tuple(
            item for draft in sorted(result.drafts, key=lambda d: d.start) if (item := _item(draft))
        )
        for position, item in enumerate(items, start=1):
            if item.title_derived:
                warnings.append(f"page {number}: item {position} has no printed headline; title derived")
        pages.append(
            Page(
                number=number,
                number_from=number_from,
                label=label,
                section=section,
                section_from=section_from,
                items=items,
            )
        )
    if not has_han:
        raise ParseError("no article found: no Chinese text at all (a wrong encoding, or not a page)", source)
    if not any(page.items for page in pages):
        raise ParseError("no article found in the text", source)
    if meta.date is None and hints.date is not None:
        date_from = "hint"
    if meta.date is None and hints.date is None:
        warnings.append(NO_DATE)
    return Issue(
        publication=hints.publication,
        date=meta.date or hints.date,
        date_from=date_from,  # type: ignore[arg-type]
        issue_number=meta.issue_number,
        page_count=meta.page_count,
        lunar_date=meta.lunar_date,
        pages=tuple(page for page in pages if page.items),
        dropped=tuple(dropped),
        warnings=tuple(warnings),
    )


def warnings_of(issue: Issue) -> list[str]:
    """Every doubt of a parse, one line each: the issue's, then each item's own (naming its page,
    position and title), for `ingest` and the daemon's log."""
    found = list(issue.warnings)
    for page in issue.pages:
        for position, item in enumerate(page.items, start=1):
            for warning in item.warnings:
                if item.title_derived and warning == TITLE_DERIVED:
                    continue  # the issue's warnings say so already
                found.append(f"page {page.number}: item {position} ({item.title}): {warning}")
    return found


def _dropped_meta(blocks: list[Block]) -> list[str]:
    return [b.text for b in blocks if b.kind in ("meta", "header")]


def _page_number(
    header: PageHeader | None, masthead: Masthead | None, hints: ParseHints, previous: int | None
) -> tuple[int, PageNumberSource, str | None]:
    if header is not None:
        return header.number, "header", header.label
    if masthead is not None:
        return 1, "masthead", "1"
    if previous is not None:
        return previous + 1, "sequence", None
    if hints.page is not None:
        return hints.page, "hint", None
    return 1, "default", None


def _section(header: PageHeader | None, hints: ParseHints, number: int) -> tuple[str | None, SectionSource]:
    if header is not None and header.section:
        return header.section, "header"
    if hints.section and number == hints.page:
        return hints.section, "hint"
    if number in hints.sections:
        return hints.sections[number], "config"
    return None, "none"


def parse_bytes(data: bytes, *, source: str, hints: ParseHints | None = None) -> Issue:
    """Decode and parse a submission; file-name hints fill what the text does not print; ASCII
    punctuation the export left between Han characters becomes full-width (`typography`) unless
    the hints say otherwise."""
    hints = with_name(hints, source)
    issue = parse(decode(data, source), source=source, hints=hints)
    return typography.issue(issue) if hints.fullwidth_punctuation else issue
