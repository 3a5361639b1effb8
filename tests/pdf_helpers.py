"""Small page PDFs made in the tests (reportlab): a page with a given layout, and bad ones.

Text is set in reportlab's built-in CID font STSong-Light (Adobe-GB1, not embedded: its text maps
to Unicode through its CMap), so these pages need no font files.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

PAGE_W, PAGE_H = 600.0, 800.0
LEAD = "本报讯 6月25日，区委常委会召开会议，传达学习重要批示精神，研究贯彻落实意见。"
SENTENCE = "会议指出，要深刻学习领悟内涵实质，切实推动工作取得实效，确保各项任务落地见效。"


@dataclass
class Sheet:
    """Drawing commands in top-left coordinates (PDF points, y down), rendered by `pdf()`."""

    pages: list[list[Callable[[canvas.Canvas], None]]] = field(default_factory=lambda: [[]])

    def text(self, x: float, top: float, text: str, size: float = 10.0) -> None:
        def draw(c: canvas.Canvas) -> None:
            c.setFont(FONT, size)
            c.drawString(x, PAGE_H - top - size * 0.88, text)

        self.pages[-1].append(draw)

    def column(self, x: float, top: float, text: str, *, chars: int = 16, size: float = 10.0) -> float:
        """`text` broken into lines of `chars` characters, the first indented two; returns the bottom."""
        lines, rest = [], "\u3000\u3000" + text
        while rest:
            lines.append(rest[:chars])
            rest = rest[chars:]
        for n, line in enumerate(lines):
            self.text(x, top + n * size * 1.5, line, size)
        return top + len(lines) * size * 1.5

    def rule(self, x0: float, top: float, x1: float, bottom: float) -> None:
        def draw(c: canvas.Canvas) -> None:
            c.setLineWidth(0.8)
            c.line(x0, PAGE_H - top, x1, PAGE_H - bottom)

        self.pages[-1].append(draw)

    def image(self, x: float, top: float, w: float, h: float, *, px: tuple[int, int], seed: int = 1) -> None:
        picture = Image.new("RGB", px, (40 + seed * 30 % 200, 120, 160))
        for k in range(0, px[0], 16):
            picture.paste((200, 60 + k % 150, 40), (k, 0, k + 8, px[1]))

        def draw(c: canvas.Canvas) -> None:
            c.drawImage(ImageReader(picture), x, PAGE_H - top - h, w, h)

        self.pages[-1].append(draw)

    def new_page(self) -> None:
        self.pages.append([])

    def pdf(self, *, encrypt: str | None = None) -> bytes:
        out = io.BytesIO()
        c = canvas.Canvas(out, pagesize=(PAGE_W, PAGE_H), invariant=1, encrypt=encrypt)
        for page in self.pages:
            for draw in page:
                draw(c)
            c.showPage()
        c.save()
        return out.getvalue()


def article_page() -> Sheet:
    """One article: kicker, headline, subtitle over two columns, a byline, text in both columns."""
    s = Sheet()
    s.text(150, 40, "区委书记在全区工作推进会上强调", 14)
    s.text(100, 62, "以考促干以考争先汇聚强大动能", 28)
    s.text(160, 100, "——全区综合考核工作推进会侧记", 14)
    s.text(40, 130, "■记者 郁佳炜", 10)
    bottom = s.column(40, 150, LEAD + SENTENCE * 3)
    s.column(300, 150, SENTENCE * 3)
    assert bottom < PAGE_H
    return s
