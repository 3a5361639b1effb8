"""The paper's icons at the output folder's root, drawn with Pillow: the same bytes every time.

`icon.png` (512 px square: Atom `icon`, JSON Feed `icon`, RSS `image`), `favicon.png` (64 px,
JSON Feed `favicon`), `favicon.ico` (16, 32 and 48 px, for browsers) and `logo.png` (twice as wide
as tall, 512 × 256: Atom `logo`). The mark is a newspaper page drawn from rectangles only (a
nameplate bar over three columns of text lines, white on the paper's red), so no font and nothing
of the machine goes into the bytes. The site's theme may ship its own files under the same names.
"""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw

from feedsvc.render.common import FAVICON, FAVICON_ICO, ICON, LOGO

RED = (178, 34, 34)
WHITE = (255, 255, 255)
_SIZE = 512
_ICO_SIZES = ((16, 16), (32, 32), (48, 48))


def _mark(size: int) -> Image.Image:
    """The square mark, `size` px: a rounded red square with a white page of columns on it."""
    scale = 2  # drawn large, then reduced: smooth edges without anti-aliasing options
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 8, fill=RED)
    unit = big / 16
    left, right = round(unit * 3), round(unit * 13)
    draw.rectangle((left, round(unit * 3), right, round(unit * 5)), fill=WHITE)  # the nameplate
    draw.rectangle((left, round(unit * 5.8), right, round(unit * 6.2)), fill=WHITE)  # its rule
    width = (right - left - 2 * round(unit * 0.6)) / 3
    for column in range(3):
        x0 = left + column * (width + round(unit * 0.6))
        for line in range(5):
            y0 = unit * (7.2 + line * 1.2)
            short = line == 4 and column == 2  # a paragraph that ends early
            x1 = x0 + (width * 0.55 if short else width)
            draw.rectangle((round(x0), round(y0), round(x1), round(y0 + unit * 0.5)), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


@functools.cache
def files() -> tuple[tuple[str, bytes], ...]:
    """The icon files as (path below the output folder, bytes)."""
    mark = _mark(_SIZE)
    ico = io.BytesIO()
    mark.save(ico, format="ICO", sizes=list(_ICO_SIZES))
    logo = Image.new("RGBA", (_SIZE, _SIZE // 2), (0, 0, 0, 0))
    logo.paste(mark.resize((_SIZE // 2, _SIZE // 2), Image.Resampling.LANCZOS), (_SIZE // 4, 0))
    return (
        (ICON, _png(mark)),
        (FAVICON, _png(mark.resize((64, 64), Image.Resampling.LANCZOS))),
        (FAVICON_ICO, ico.getvalue()),
        (LOGO, _png(logo)),
    )
