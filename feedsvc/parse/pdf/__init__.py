"""The PDF front end: `parse_pdf(bytes) -> PdfParse(issue, images)`.

A page PDF is read for what the text export loses: each character's box, size and weight, the
rules and boxes, the images (reader). Characters become lines and blocks (lines), blocks become
article regions with their heading decks, captions and reading order (regions), photos are cut
out as JPEG (photos). The regions are handed to the parser core as the same classified blocks the
text route makes, with geometry hints where the text route has to guess (emit), so one set of
conventions reads both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from feedsvc import typography
from feedsvc.errors import ParseError
from feedsvc.models import ImageRef, Issue, Item, Page
from feedsvc.parse import ParseHints, parse_blocks
from feedsvc.parse.blocks import Block
from feedsvc.parse.hints import with_name
from feedsvc.parse.pdf import emit
from feedsvc.parse.pdf.lines import build_blocks, build_lines
from feedsvc.parse.pdf.photos import encode
from feedsvc.parse.pdf.reader import NO_TEXT, Rect, open_document, read_pages
from feedsvc.parse.pdf.regions import layout, walls

__all__ = ["PdfParse", "is_pdf", "parse_pdf"]

_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_UNMAPPED_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class PdfParse:
    """A PDF submission read: the issue, and the JPEG bytes of its photos by their published path
    (relative to the output folder, as in each item's `images`)."""

    issue: Issue
    images: dict[str, bytes]


def is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def parse_pdf(data: bytes, *, source: str, hints: ParseHints | None = None) -> PdfParse:
    """Read a page PDF (one page or an issue of pages). ParseError names the file and the reason."""
    hints = with_name(hints, source)
    doc = open_document(data, source)
    pixels: dict[str, tuple[bytes, int, int]] = {}
    pages: list[list[Block]] = []
    chars = unmapped = 0
    has_han = False
    try:
        for page, content in read_pages(doc):
            unmapped += content.unmapped_estimate
            chars += len(content.chars) + content.unmapped - content.unmapped_estimate
            has_han = has_han or any(_HAN.match(ch.text) for ch in content.chars)
            horizontal, _ = walls(content)
            found = layout(content, build_blocks(build_lines(content.chars), horizontal))
            refs: dict[int, ImageRef] = {}
            for position, image in enumerate(found.photos, start=1):
                jpeg, width, height = encode(page, image)
                key = f"{content.number}:{position}"
                pixels[key] = (jpeg, width, height)
                box = image.box
                refs[id(image)] = ImageRef(path=key, width=width, height=height, bbox=_bbox(box))
            pages.append(emit.blocks(found, refs, hints))
            page.close()
    finally:
        doc.close()
    _check_text(chars, unmapped, has_han, source)
    issue = parse_blocks(pages, source=source, hints=hints, has_han=has_han)
    if hints.fullwidth_punctuation:  # as the text route does (`typography`)
        issue = typography.issue(issue)
    return _publish_paths(issue, pixels)


def _bbox(box: Rect) -> tuple[float, float, float, float]:
    return (round(box.x0, 2), round(box.top, 2), round(box.x1, 2), round(box.bottom, 2))


def _check_text(chars: int, unmapped: int, has_han: bool, source: str) -> None:
    if chars + unmapped == 0:
        raise ParseError(NO_TEXT, source)
    if unmapped > _UNMAPPED_SHARE * (chars + unmapped):
        raise ParseError(
            f"fonts without a Unicode mapping: about {unmapped} of {chars + unmapped} characters come out as "
            "private-use or unmapped glyphs; export the PDF with Unicode (ToUnicode) fonts, or OCR it",
            source,
        )
    if not has_han and chars >= 50:
        raise ParseError(
            "fonts without a Unicode mapping: the text layer holds no Chinese character (its glyphs map "
            "to the wrong code points); export the PDF with Unicode (ToUnicode) fonts, or OCR it",
            source,
        )


def _publish_paths(issue: Issue, pixels: dict[str, tuple[bytes, int, int]]) -> PdfParse:
    """Give each photo its published path, `images/YYYY/MM/DD/p<page>-<pos>.jpg`, now that the
    parse knows the issue date and the page's number."""
    day = issue.date.strftime("%Y/%m/%d") if issue.date is not None else "undated"
    images: dict[str, bytes] = {}
    pages: list[Page] = []
    for page in issue.pages:
        items: list[Item] = []
        for item in page.items:
            refs = []
            for ref in item.images:
                position = ref.path.split(":")[1]
                path = f"images/{day}/p{page.number}-{position}.jpg"
                images[path] = pixels[ref.path][0]
                refs.append(ref.model_copy(update={"path": path}))
            items.append(item.model_copy(update={"images": tuple(refs)}) if refs else item)
        pages.append(page.model_copy(update={"items": tuple(items)}))
    return PdfParse(issue=issue.model_copy(update={"pages": tuple(pages)}), images=images)
