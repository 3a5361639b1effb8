"""Photo captions: the blocks under (or beside) a photo, its title, its credit.

A caption sits tight under its photo, inside its width (or beside it, level with its foot), set
in another face than the running text. Its title is a first line set larger or heavier, or a run
in a heavier face opening its first line.
"""

from __future__ import annotations

from dataclasses import replace

from feedsvc.parse.pdf.lines import TextBlock
from feedsvc.parse.pdf.model import DeckPart, Region
from feedsvc.parse.pdf.reader import PageImage, Rect


def photo_regions_of(
    photos: list[PageImage], blocks: list[TextBlock], size: float, weight: int, vertical: list[Rect]
) -> tuple[list[Region], set[int]]:
    """A region per photo with its caption (title as its deck); and the ids of the blocks taken.
    Captions under photos are found first, then those beside the photos that have none.
    `vertical`: the page's vertical rules and box edges (a caption beside a photo stops at one)."""
    taken: set[int] = set()
    found: dict[int, list[TextBlock]] = {}
    ordered = sorted(photos, key=lambda p: (p.box.top, p.box.x0))
    stops = vertical + [p.box for p in photos]
    for beside in (False, True):
        for photo in ordered:
            if id(photo) in found:
                continue
            rest = [b for b in blocks if id(b) not in taken]
            caption = (
                _beside(photo.box, rest, size, weight, stops)
                if beside
                else _captions(photo, rest, size, weight)
            )
            if caption or beside:
                found[id(photo)] = caption
                taken.update(id(b) for b in caption)
    return [_photo_region(photo, found[id(photo)]) for photo in ordered], taken


def _photo_region(photo: PageImage, caption: list[TextBlock]) -> Region:
    region = Region(id=0, top=photo.box.top, x0=photo.box.x0, photo=photo, bounds=photo.box)
    region.blocks = caption
    if len(caption) >= 2 and _title_like(caption[0], caption[1]):
        region.deck = [DeckPart("headline", caption[0].text, caption[0].size, (caption[0].text,))]
        region.blocks = caption[1:]
    elif caption and (lead := caption[0].lines[0].lead) is not None:
        # a title opening the caption's first line
        region.deck = [DeckPart("headline", lead, caption[0].size, (lead,))]
        region.blocks = [_without_lead(caption[0]), *caption[1:]]
    return region


def _captions(photo: PageImage, blocks: list[TextBlock], size: float, weight: int) -> list[TextBlock]:
    """The blocks that caption a photo: under it within its width (or beside it, at its foot),
    stacked tightly, until the text leaves its width or a gap opens, or running text (set in the
    body's face and size) goes on under it."""
    box = photo.box
    slack = size
    found: list[TextBlock] = []
    bottom = box.bottom
    for block in sorted(blocks, key=lambda b: b.top):
        same_row = any(abs(block.top - f.top) <= 0.5 * size for f in found)
        if block.top < bottom - 2 and not same_row:
            continue
        gap = block.top - bottom
        limit = (1.5 if found else 2.0) * max(size, block.size)
        if gap > limit:
            break
        inside = block.x0 >= box.x0 - slack and block.x1 <= box.x1 + slack
        if not inside:
            continue
        body_face = abs(block.size - size) < 0.03 * size and block.weight == weight
        if body_face and (found or len(block.lines) > 3):
            break  # a column of running text under the photo, not a caption
        if len(found) >= 2 and not same_row and block.weight != max(found, key=lambda f: len(f.text)).weight:
            break  # past the caption (its title may differ; its text and credit share a face)
        found.append(block)
        bottom = max(bottom, block.bottom)
    if found:
        return sorted(found, key=lambda b: (round(b.top / size), b.lines[0].first_x))
    return []


def _beside(
    box: Rect, blocks: list[TextBlock], size: float, weight: int, stops: list[Rect]
) -> list[TextBlock]:
    """A caption in a column of its own beside the photo, within its height (level with its top or
    ending at its foot), in another face than the running text: the side that has one."""
    level = [b for b in blocks if b.top >= box.top - size and b.bottom <= box.bottom + 2 * size]
    running = [
        b
        for b in blocks
        if abs(b.size - size) < 0.03 * size
        and b.weight == weight
        and min(b.bottom, box.bottom) - max(b.top, box.top) > 0
    ]
    walls = [s for s in stops if s != box and min(s.bottom, box.bottom) - max(s.top, box.top) > 0]
    for right in (True, False):
        near = [
            b for b in level if (0 <= b.x0 - box.x1 <= 2 * size if right else 0 <= box.x0 - b.x1 <= 2 * size)
        ]
        if not near or any(b in running for b in near):
            continue
        # the caption's column: from the photo to the running text beyond it (or the page's edge)
        if right:
            end = min(
                (x for x in [*(b.x0 for b in running), *(w.x0 for w in walls)] if x > box.x1),
                default=float("inf"),
            )
            side = [b for b in level if box.x1 - 1 <= b.x0 and b.x1 <= end and b not in running]
        else:
            start = max(
                (x for x in [*(b.x1 for b in running), *(w.x1 for w in walls)] if x < box.x0),
                default=float("-inf"),
            )
            side = [b for b in level if b.x1 <= box.x0 + 1 and b.x0 >= start and b not in running]
        side = [b for b in side if len(b.lines) <= 12 and b.size <= 1.2 * size]
        if side:
            return sorted(side, key=lambda b: (round(b.top / size), b.lines[0].first_x))
    return []


def _title_like(first: TextBlock, second: TextBlock) -> bool:
    """A caption's title: one line, set larger or heavier than the caption text under it."""
    return len(first.lines) == 1 and (first.size > second.size * 1.1 or first.weight > second.weight + 50)


def _without_lead(block: TextBlock) -> TextBlock:
    out = TextBlock()
    first = block.lines[0]
    out.add(replace(first, text=first.rest, lead=None))
    for line in block.lines[1:]:
        out.add(line)
    return out
