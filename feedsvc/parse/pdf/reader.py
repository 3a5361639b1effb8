"""Read a page PDF with pypdfium2: each character with its box, size and weight; the drawn rules and
boxes; the image objects. Coordinates are PDF points from the page's top-left corner (y down).

Bad documents raise ParseError naming the file: encrypted, damaged, no text layer (a scan), text
without a Unicode mapping (private-use or unmapped glyphs), more pages than an issue has.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from feedsvc.errors import ParseError

MAX_PAGES = 64  # a broadsheet issue has 4–48 pages; a document of more is not one issue
NO_TEXT = "no text layer: export the page with its text, or OCR it first"
_RULE_THICKNESS = 3.0  # a drawn line at most this thick (points) is a rule
_MIN_RULE = 24.0  # and at least this long
_MIN_BOX = 36.0  # a box (a stroked or tinted rectangle) at least this wide and tall


@dataclass(slots=True)
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float  # the loose box's bottom: the baseline, less the face's descent
    size: float
    weight: int


@dataclass(frozen=True, slots=True)
class Rect:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def union(self, other: Rect) -> Rect:
        return Rect(
            min(self.x0, other.x0),
            min(self.top, other.top),
            max(self.x1, other.x1),
            max(self.bottom, other.bottom),
        )

    def contains(self, other: Rect, slack: float = 2.0) -> bool:
        return (
            other.x0 >= self.x0 - slack
            and other.x1 <= self.x1 + slack
            and other.top >= self.top - slack
            and other.bottom <= self.bottom + slack
        )


@dataclass(slots=True)
class PageImage:
    """An image object: where it is printed, its pixel size, and how to get its pixels."""

    box: Rect
    px_width: int
    px_height: int
    index: int  # the object's index on the page (to render it later)


@dataclass(slots=True)
class PageContent:
    number: int  # 1-based in the document
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    rules: list[Rect] = field(default_factory=list)  # thin horizontal or vertical lines
    boxes: list[Rect] = field(default_factory=list)  # rectangles that frame or tint a region
    bars: list[Rect] = field(default_factory=list)  # filled strips a rubric is set on
    images: list[PageImage] = field(default_factory=list)
    unmapped: int = 0  # characters that came out private-use or as controls
    sampled: int = 0  # characters asked whether pdfium could map them to Unicode …
    sampled_errors: int = 0  # … and how many it could not

    @property
    def unmapped_estimate(self) -> int:
        """Characters without a Unicode mapping: counted, and estimated from the sample asked."""
        share = self.sampled_errors / self.sampled if self.sampled else 0.0
        return self.unmapped + round(share * len(self.chars))


_ERRORS = {
    pdfium_c.FPDF_ERR_PASSWORD: "encrypted: the PDF needs a password; export it without one",
    pdfium_c.FPDF_ERR_SECURITY: "encrypted with an unsupported security handler",
    pdfium_c.FPDF_ERR_FORMAT: "damaged: not a readable PDF (the file is corrupt or truncated)",
    pdfium_c.FPDF_ERR_FILE: "damaged: not a readable PDF",
}


def open_document(data: bytes, source: str) -> pdfium.PdfDocument:
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        raise ParseError(_ERRORS.get(code, f"damaged: not a readable PDF ({exc})"), source) from exc
    pages = len(doc)
    if pages == 0:
        doc.close()
        raise ParseError("damaged: the PDF has no pages", source)
    if pages > MAX_PAGES:
        doc.close()
        raise ParseError(f"{pages} pages: more than an issue has (at most {MAX_PAGES})", source)
    return doc


def read_pages(doc: pdfium.PdfDocument) -> Iterator[tuple[pdfium.PdfPage, PageContent]]:
    for index in range(len(doc)):
        page = doc[index]
        yield page, read_page(page, index + 1)


def read_page(page: pdfium.PdfPage, number: int) -> PageContent:
    width, height = page.get_size()
    content = PageContent(number=number, width=width, height=height)
    _read_chars(page, content)
    _read_objects(page, content)
    return content


def _is_unmapped(code: int) -> bool:
    """Private use (a font's own glyph codes) or the replacement character."""
    return code == 0xFFFD or 0xE000 <= code <= 0xF8FF or 0xF0000 <= code <= 0x10FFFF


def _read_chars(page: pdfium.PdfPage, content: PageContent) -> None:
    """Every character with its loose box (the font's em box from its ascent to its descent: the
    same for every glyph of a face and size), size and weight: the text in one call, three calls
    per character for the rest. Whether pdfium could map a glyph to Unicode is asked of every
    eighth character (a font that has no mapping lacks it for all its glyphs)."""
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        count = pdfium_c.FPDFText_CountChars(raw)
        text = textpage.get_text_range(0, count) if count else ""
        if len(text) != count:  # characters beyond the BMP: one code point per index instead
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i) or 0xFFFD) for i in range(count))
        rect = pdfium_c.FS_RECTF()
        rect_p = ctypes.byref(rect)
        generated, map_error = pdfium_c.FPDFText_IsGenerated, pdfium_c.FPDFText_HasUnicodeMapError
        loose = pdfium_c.FPDFText_GetLooseCharBox
        size_of, weight_of = pdfium_c.FPDFText_GetFontSize, pdfium_c.FPDFText_GetFontWeight
        height = content.height
        chars = content.chars
        append = chars.append
        for i, ch in enumerate(text):
            if ch in "\r\n":
                continue
            if ch in " \t\u3000":
                if generated(raw, i):
                    continue  # a space pdfium inferred from a gap: the gap itself tells
            elif ch < " " or (ch >= "\ue000" and _is_unmapped(ord(ch))):
                content.unmapped += 1  # a glyph the font maps to no character (or to a control)
                continue
            elif not i & 7:
                content.sampled += 1
                if map_error(raw, i) == 1:
                    content.sampled_errors += 1
            loose(raw, i, rect_p)
            append(
                Char(
                    ch,
                    rect.left,
                    height - rect.top,
                    rect.right,
                    height - rect.bottom,
                    size_of(raw, i),
                    weight_of(raw, i),
                )
            )
    finally:
        textpage.close()


def _read_objects(page: pdfium.PdfPage, content: PageContent) -> None:
    raw = page.raw
    count = pdfium_c.FPDFPage_CountObjects(raw)
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    refs = [ctypes.byref(v) for v in (left, bottom, right, top)]
    get, kind_of = pdfium_c.FPDFPage_GetObject, pdfium_c.FPDFPageObj_GetType
    text_kind, path_kind, image_kind = (
        pdfium_c.FPDF_PAGEOBJ_TEXT,
        pdfium_c.FPDF_PAGEOBJ_PATH,
        pdfium_c.FPDF_PAGEOBJ_IMAGE,
    )
    height = content.height
    for i in range(count):
        obj = get(raw, i)
        kind = kind_of(obj)
        if kind == text_kind or kind not in (path_kind, image_kind):
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
            continue
        box = Rect(left.value, height - top.value, right.value, height - bottom.value)
        if kind == image_kind:
            w, h = ctypes.c_uint(), ctypes.c_uint()
            meta = pdfium_c.FPDF_IMAGEOBJ_METADATA()
            if pdfium_c.FPDFImageObj_GetImageMetadata(obj, raw, ctypes.byref(meta)):
                w.value, h.value = meta.width, meta.height
            content.images.append(PageImage(box, int(w.value), int(h.value), i))
        else:
            _add_path(obj, box, content)


def _add_path(obj: Any, box: Rect, content: PageContent) -> None:
    thin, long = sorted((box.width, box.height))
    if thin <= _RULE_THICKNESS and long >= _MIN_RULE:
        content.rules.append(box)
    elif box.width >= _MIN_BOX and box.height >= _MIN_BOX:
        content.boxes.append(box)
    elif long >= _MIN_RULE and thin >= 6.0 and _filled(obj):
        content.bars.append(box)


def _filled(obj: Any) -> bool:
    mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(mode), ctypes.byref(stroke)):
        return False
    return bool(mode.value != pdfium_c.FPDF_FILLMODE_NONE)
