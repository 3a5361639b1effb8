"""Drawing a composed page with reportlab: fonts, a display list in top-left coordinates, PDF bytes.

Fonts are TrueType faces from Debian packages (reportlab embeds TrueType, not CFF/OTF):
fonts-arphic-uming (body, 明体), fonts-arphic-ukai (楷体, for decks and captions) and
fonts-wqy-zenhei (黑体, heavier: headlines, bylines, rubrics). `.ci/run` installs them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_FILES = {
    "Ming": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming"),
    "Kai": ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0, "fonts-arphic-ukai"),
    "Hei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
}
ASCENT = 0.88  # of the em, for placing a line's baseline below its top


@cache
def register_fonts() -> None:
    """Register the three faces once; a missing package is a clear error naming it."""
    for name, (path, index, package) in FONT_FILES.items():
        if not Path(path).exists():
            raise RuntimeError(f"{path} missing: install the Debian package {package} (see .ci/run)")
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))


@lru_cache(maxsize=65536)
def width(text: str, font: str, size: float) -> float:
    register_fonts()
    return float(pdfmetrics.stringWidth(text, font, size))


@dataclass(frozen=True)
class Text:
    x: float
    top: float
    text: str
    font: str
    size: float
    char_space: float = 0.0
    bold: bool = False  # drawn filled and stroked, as page software fakes a bold face
    color: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Rule:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.6


@dataclass(frozen=True)
class Box:
    x: float
    top: float
    w: float
    h: float
    stroke: float = 0.8
    fill: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class Picture:
    x: float
    top: float
    w: float
    h: float
    image: Image.Image = field(compare=False)


Op = Text | Rule | Box | Picture


def render(ops: list[Op], size: tuple[float, float], title: str) -> bytes:
    """The page as PDF bytes; the same ops give the same bytes (reportlab's invariant mode: no
    dates, a fixed document id)."""
    return render_pages([(ops, size)], title)


def render_pages(pages: list[tuple[list[Op], tuple[float, float]]], title: str) -> bytes:
    """Several pages, each its ops and its size, as one PDF."""
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=pages[0][1], invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("tests/pdfpages")
    for ops, size in pages:
        canvas.setPageSize(size)
        for op in ops:
            _draw(canvas, op, size[1])
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw(canvas: Canvas, op: Op, height: float) -> None:
    if isinstance(op, Text):
        canvas.saveState()  # the text render mode and colours are graphics state: restored below
        obj = canvas.beginText()
        obj.setFont(op.font, op.size)
        obj.setCharSpace(op.char_space)
        obj.setTextRenderMode(2 if op.bold else 0)
        canvas.setFillColorRGB(*op.color)
        canvas.setStrokeColorRGB(*op.color)
        canvas.setLineWidth(op.size / 40)
        obj.setTextOrigin(op.x, height - op.top - op.size * ASCENT)
        obj.textOut(op.text)
        canvas.drawText(obj)
        canvas.restoreState()
    elif isinstance(op, Rule):
        canvas.setLineWidth(op.width)
        canvas.line(op.x0, height - op.y0, op.x1, height - op.y1)
    elif isinstance(op, Box):
        canvas.setLineWidth(op.stroke)
        if op.fill is not None:
            canvas.setFillColorRGB(*op.fill)
        canvas.rect(
            op.x,
            height - op.top - op.h,
            op.w,
            op.h,
            stroke=1 if op.stroke else 0,
            fill=1 if op.fill is not None else 0,
        )
        canvas.setFillColorRGB(0, 0, 0)
    else:
        canvas.drawImage(ImageReader(op.image), op.x, height - op.top - op.h, op.w, op.h)
