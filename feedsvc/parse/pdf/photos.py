"""Which images on a page are photos, and their pixels as JPEG.

A photo is an image printed outside the head band (where the nameplate and logos sit), at least
about an inch on its short side, not a strip (rules, ornaments, banners are long and thin), with
pixels enough to show. Encoding is deterministic: the same pixels give the same bytes (fixed
quality, no EXIF, no timestamps), the longest side at most 1600 px.
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from feedsvc.parse.pdf.reader import PageImage

MAX_SIDE = 1600
QUALITY = 85
_MIN_SIDE_PT = 54.0  # ¾ inch printed
_MIN_PX = 48
_MAX_ASPECT = 6.0  # a panorama is wide; a rule or an ornament strip is wider


def is_photo(image: PageImage, band: float) -> bool:
    box = image.box
    if box.top < band - 1:
        return False  # in (or reaching into) the head band: nameplate, logo, QR code
    short, long = sorted((box.width, box.height))
    if short < _MIN_SIDE_PT or long / max(short, 0.1) > _MAX_ASPECT:
        return False
    return min(image.px_width, image.px_height) >= _MIN_PX


def encode(page: pdfium.PdfPage, image: PageImage) -> tuple[bytes, int, int]:
    """The image's own pixels (not a render of the page) as JPEG bytes, with their size."""
    obj = pdfium.PdfImage(pdfium_c.FPDFPage_GetObject(page.raw, image.index), page=page, pdf=page.pdf)
    return to_jpeg(obj.get_bitmap(render=False).to_pil())


def to_jpeg(pil: Image.Image) -> tuple[bytes, int, int]:
    if pil.mode not in ("RGB", "L"):
        pil = pil.convert("RGB")
    if max(pil.size) > MAX_SIDE:
        scale = MAX_SIDE / max(pil.size)
        pil = pil.resize(
            (max(1, round(pil.width * scale)), max(1, round(pil.height * scale))), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    pil.save(out, format="JPEG", quality=QUALITY, optimize=True, progressive=False, exif=b"")
    return out.getvalue(), pil.width, pil.height
