"""Deterministic pictures for generated pages: photos (gradients, shapes, noise) and nameplates."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFont

from tests.pdfpages.draw import FONT_FILES


def photo(rng: random.Random, w: int, h: int) -> Image.Image:
    """A photo-like RGB image: a sky-to-ground gradient, a few shapes and grain, all from `rng`."""
    top = tuple(rng.randrange(60, 230) for _ in range(3))
    bottom = tuple(rng.randrange(20, 160) for _ in range(3))
    img = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(img)
    for y in range(h):
        t = y / max(1, h - 1)
        draw.line(
            [(0, y), (w, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    for _ in range(rng.randint(3, 8)):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randint(w // 10, w // 2), y0 + rng.randint(h // 10, h // 2)
        color = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=color)
    noise = Image.frombytes("L", (w, h), rng.randbytes(w * h)).convert("RGB")
    return Image.blend(img, noise, 0.12)


def nameplate(name: str, w: int, h: int, color: tuple[int, int, int] = (200, 16, 30)) -> Image.Image:
    """The paper's name drawn as a picture, as mastheads print it (its text is not in the text layer)."""
    path, index, _ = FONT_FILES["Hei"]
    size = min(h * 0.8, w * 0.9 / max(1, len(name)))
    font = ImageFont.truetype(path, round(size), index=index)
    img = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    box = draw.textbbox((0, 0), name, font=font)
    draw.text(
        ((w - (box[2] - box[0])) / 2 - box[0], (h - (box[3] - box[1])) / 2 - box[1]),
        name,
        font=font,
        fill=color,
    )
    return img
