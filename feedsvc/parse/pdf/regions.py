"""A page's blocks into article regions, from geometry.

- The head band (masthead or page header) is what lies above the lowest full-width rule near the
  top of the page with no running text above it.
- Headings are blocks set larger than the body text; stacked headings form a deck (kicker above,
  headline largest, subtitle below); pieces on one baseline are one heading.
- Each deck reaches sideways to the nearest wall (a vertical rule, a box edge, another deck or a
  column beside it); a block of text belongs to the nearest deck above it whose reach covers it,
  with no rule or box edge between them and in the same box. Text no deck covers forms regions
  of its own, one per box or band between rules (briefs, boxed items without a headline).
- Photo captions are the blocks under (or beside) a photo inside its width; they are read apart.
- Reading order inside a region: what stands above its columns, then column by column.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from feedsvc.parse.blocks import Deck
from feedsvc.parse.pdf.captions import photo_regions_of
from feedsvc.parse.pdf.lines import TextBlock, same_column
from feedsvc.parse.pdf.model import DeckPart, Layout, Region
from feedsvc.parse.pdf.photos import is_photo
from feedsvc.parse.pdf.reader import PageContent, Rect

HEADING_RATIO = 1.15  # a block set this much larger than the body text is a heading
_DASHES = ("——", "—", "--")
_BAND_SHARE = 0.3  # the head band ends in the top 30 % of the page


@dataclass(slots=True)
class _Deck:
    parts: list[TextBlock]
    x0: float
    top: float
    x1: float
    bottom: float
    reach: tuple[float, float] = (0.0, 0.0)
    container: int = -1
    region: Region | None = None


def body_style(blocks: list[TextBlock]) -> tuple[float, int]:
    """The size and face (weight) most of the page's text is set in."""
    styles: Counter[tuple[float, int]] = Counter()
    for block in blocks:
        for line in block.lines:
            styles[line.size, line.weight] += len(line.text)
    return styles.most_common(1)[0][0] if styles else (10.0, 0)


def is_heading(block: TextBlock, size: float, weight: int, *, boxed: bool = False) -> bool:
    """Set larger than the text; or a little larger, in a heavier face or in a line or two that
    hold no sentence; or, in a box, a short line in a heavier face."""
    if block.size >= HEADING_RATIO * size:
        return True
    heavier = block.weight > weight + 100
    if block.size < 1.04 * size:
        # a one-line title in a heavier face at the text's size in a box (a teaser's, a brief's);
        # a byline looks the same and is told by the conventions (a deck's byline stays one)
        short = len(block.lines) == 1 and len(block.text) <= 30 and not any(p in block.text for p in "。，,")
        return boxed and heavier and short and block.size >= 0.97 * size
    return heavier or (len(block.lines) <= 2 and "。" not in block.text)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def head_band(content: PageContent, blocks: list[TextBlock], size: float) -> float:
    """The bottom of the masthead or page-header band (0 when the page has none)."""
    if not blocks:
        return 0.0
    left = min(b.x0 for b in blocks)
    right = max(b.x1 for b in blocks)
    limit = content.height * _BAND_SHARE
    band = 0.0
    for rule in sorted(content.rules, key=lambda r: r.top):
        if rule.top > limit or rule.height > rule.width or rule.width < 0.6 * (right - left):
            continue
        above = [b for b in blocks if b.bottom <= rule.top + 1]
        if any(len(b.lines) >= 3 and b.size <= size * 1.05 for b in above):
            break  # running text above it: an article's rule, not the head band's
        band = rule.bottom
    return band


def walls(content: PageContent) -> tuple[list[Rect], list[Rect]]:
    """Horizontal and vertical walls: rules and the edges of boxes."""
    horizontal = [r for r in content.rules if r.width >= r.height]
    vertical = [r for r in content.rules if r.width < r.height]
    for box in content.boxes:
        horizontal += [Rect(box.x0, box.top, box.x1, box.top), Rect(box.x0, box.bottom, box.x1, box.bottom)]
        vertical += [Rect(box.x0, box.top, box.x0, box.bottom), Rect(box.x1, box.top, box.x1, box.bottom)]
    return horizontal, vertical


def _container(rect: Rect, boxes: list[Rect]) -> int:
    """The innermost box holding this rectangle, or -1."""
    best, area = -1, float("inf")
    for index, box in enumerate(boxes):
        if box.contains(rect, slack=3.0) and box.width * box.height < area:
            best, area = index, box.width * box.height
    return best


def _split_dashes(block: TextBlock) -> list[TextBlock]:
    """A heading block split before each line opening with a dash (a subtitle set like its headline)."""
    parts: list[TextBlock] = []
    for line in block.lines:
        if not parts or line.text.startswith(_DASHES):
            parts.append(TextBlock())
        parts[-1].add(line)
    return parts


def _decks(headings: list[TextBlock]) -> list[_Deck]:
    """Stack heading blocks into decks; pieces of one heading on one baseline join."""
    rows: list[TextBlock] = []
    pieces = [part for block in headings for part in _split_dashes(block)]
    for block in sorted(pieces, key=lambda b: (b.top, b.x0)):
        last = rows[-1] if rows else None
        if (
            last is not None
            and abs(block.top - last.top) <= 0.3 * block.size
            and abs(block.size - last.size) <= 0.1 * block.size
            and 0 <= block.x0 - last.x1 <= 3 * block.size
        ):
            merged = TextBlock()
            merged.add(last.lines[0])
            for line in [*last.lines[1:], *block.lines]:
                merged.add(line)
            rows[-1] = merged
            continue
        rows.append(block)
    decks: list[_Deck] = []
    for block in rows:
        host = None
        for deck in decks:
            gap = block.top - deck.bottom
            if -0.3 * block.size <= gap <= 1.2 * max(block.size, deck.parts[-1].size) and _overlap(
                deck.x0, deck.x1, block.x0, block.x1
            ) >= 0.3 * min(deck.x1 - deck.x0, block.x1 - block.x0):
                host = deck
        if host is None:
            decks.append(_Deck([block], block.x0, block.top, block.x1, block.bottom))
        else:
            host.parts.append(block)
            host.x0, host.x1 = min(host.x0, block.x0), max(host.x1, block.x1)
            host.bottom = max(host.bottom, block.bottom)
    return decks


def deck_roles(parts: list[TextBlock]) -> list[DeckPart]:
    """Kicker above, headline largest (the first of the largest, with the lines of its size that
    follow it), subtitle below it or opening with a dash."""
    largest = max(p.size for p in parts)
    first = next(i for i, p in enumerate(parts) if p.size >= largest * 0.95)
    out: list[DeckPart] = []
    for i, part in enumerate(parts):
        text = part.text
        role: Deck
        if text.startswith(_DASHES):
            role = "subtitle"
        elif i < first:
            role = "kicker"
        elif i == first or (part.size >= largest * 0.95 and out and out[-1].role == "headline"):
            role = "headline"
        else:
            role = "subtitle"
        out.append(DeckPart(role, text, part.size, tuple(line.text for line in part.lines)))
    return out


def _reach(
    deck: _Deck, others: list[TextBlock], decks: list[_Deck], vertical: list[Rect], span: tuple[float, float]
) -> tuple[float, float]:
    """How far a deck reaches sideways: to the nearest wall, deck or text level with it."""
    left, right = span
    for wall in vertical:
        if _overlap(wall.top, wall.bottom, deck.top, deck.bottom) > 0:
            if wall.x1 <= deck.x0 + 1:
                left = max(left, wall.x1)
            elif wall.x0 >= deck.x1 - 1:
                right = min(right, wall.x0)
    beside = [Rect(d.x0, d.top, d.x1, d.bottom) for d in decks if d is not deck]
    for rect in [*beside, *(b.rect for b in others)]:
        if _overlap(rect.top, rect.bottom, deck.top, deck.bottom) <= 0:
            continue
        if rect.x1 <= deck.x0 + 1:
            left = max(left, rect.x1)
        elif rect.x0 >= deck.x1 - 1:
            right = min(right, rect.x0)
    return left, right


def _blocked(top: float, bottom: float, x: float, horizontal: list[Rect]) -> bool:
    return any(w.top >= top - 1 and w.bottom <= bottom + 1 and w.x0 - 1 <= x <= w.x1 + 1 for w in horizontal)


def _satellites(decks: list[_Deck], others: list[TextBlock], size: float, weight: int) -> set[int]:
    """Attach to each deck the short lines set in another face right above it (a kicker) or right
    below it (a subtitle, a byline): they are read with the deck. Returns the blocks taken."""
    taken: set[int] = set()
    candidates = [
        b
        for b in others
        if len(b.lines) <= 2
        and (
            b.text.startswith(_DASHES)  # a subtitle (and the byline under it), whatever its face
            or (
                (abs(b.size - size) > 0.03 * size or b.weight != weight)
                and "。" not in b.text
                and len(b.text) <= 48
            )
            or (len(b.lines) == 1 and len(b.text) <= 30 and not any(p in b.text for p in "。，,"))
        )
    ]
    plain = {id(b) for b in candidates if abs(b.size - size) <= 0.03 * size and b.weight == weight}
    for deck in decks:
        grown = True
        while grown:
            grown = False
            for block in candidates:
                if id(block) in taken:
                    continue
                centered = abs(block.center - (deck.x0 + deck.x1) / 2) <= 2 * size
                dashed = block.text.startswith(_DASHES) and _overlap(deck.x0, deck.x1, block.x0, block.x1) > 0
                if not (centered or dashed or abs(block.x0 - deck.x0) <= size):
                    continue
                above = block.bottom <= deck.top + 1
                aligned = abs(block.center - (deck.x0 + deck.x1) / 2) <= size or (
                    above and abs(block.x0 - deck.x0) <= 0.5 * size
                )
                if id(block) in plain and not (dashed or aligned):
                    continue  # a short line in the text's face: centred on the deck, or its kicker
                reach = 1.2 * max(block.size, size)
                if 0 <= deck.top - block.bottom <= reach:
                    deck.parts.insert(0, block)
                elif 0 <= block.top - deck.bottom <= reach:
                    deck.parts.append(block)
                else:
                    continue
                taken.add(id(block))
                deck.x0, deck.x1 = min(deck.x0, block.x0), max(deck.x1, block.x1)
                deck.top, deck.bottom = min(deck.top, block.top), max(deck.bottom, block.bottom)
                grown = True
    return taken


def _owners(block: TextBlock, decks: list[_Deck], horizontal: list[Rect], container: int) -> list[_Deck]:
    """The decks that may own a block: the nearest level of decks above it whose reach covers it,
    in its box, with no rule between; where several do, those whose text stands over it."""
    cx = block.center
    found: list[_Deck] = []
    for deck in decks:
        if deck.container != container or deck.bottom > block.top + 1:
            continue
        if not deck.reach[0] - 1 <= cx <= deck.reach[1] + 1:
            continue
        if _blocked(deck.bottom, block.top, cx, horizontal):
            continue
        found.append(deck)
    if len(found) <= 1:
        return found
    lowest = max(d.bottom for d in found)
    level = [d for d in found if d.bottom >= lowest - 2 * block.size]
    over = [d for d in level if _overlap(d.x0, d.x1, block.x0, block.x1) > 0]
    return over if len(over) == 1 else level


def reading_order(blocks: list[TextBlock]) -> list[TextBlock]:
    """What stands above the columns first, then column by column, each top to bottom."""
    if len(blocks) <= 1:
        return list(blocks)
    multi = [b for b in blocks if len(b.lines) >= 2]
    first_top = min((b.top for b in multi), default=min(b.top for b in blocks))
    above = sorted((b for b in blocks if b.bottom <= first_top + 1), key=lambda b: (b.top, b.x0))
    rest = [b for b in blocks if b.bottom > first_top + 1]
    columns: list[list[float]] = []  # [x0, x1]
    keyed: list[tuple[int, float, TextBlock]] = []
    for block in sorted(rest, key=lambda b: b.x0):
        for index, col in enumerate(columns):
            if same_column(col[0], col[1], block.x0, block.x1):
                col[0], col[1] = min(col[0], block.x0), max(col[1], block.x1)
                keyed.append((index, block.top, block))
                break
        else:
            columns.append([block.x0, block.x1])
            keyed.append((len(columns) - 1, block.top, block))
    order = sorted(range(len(columns)), key=lambda i: columns[i][0])
    rank = {col: n for n, col in enumerate(order)}
    return above + [b for _, _, b in sorted(keyed, key=lambda k: (rank[k[0]], k[1]))]


def layout(content: PageContent, blocks: list[TextBlock]) -> Layout:
    size, weight = body_style(blocks)
    band = head_band(content, blocks, size)
    photos = [image for image in content.images if is_photo(image, band)]
    head = [b for b in blocks if b.bottom <= band + 1]
    rest = [b for b in blocks if b.bottom > band + 1]
    rubrics = [b for b in rest if any(bar.contains(b.rect, slack=2.0) for bar in content.bars)]
    rest = [b for b in rest if b not in rubrics]
    horizontal, vertical = walls(content)
    boxes = content.boxes

    regions: list[Region] = []
    photo_regions, taken = photo_regions_of(photos, rest, size, weight, vertical)
    rest = [b for b in rest if id(b) not in taken]

    marked = {id(b) for b in rest if is_heading(b, size, weight, boxed=_container(b.rect, boxes) >= 0)}
    headings = [b for b in rest if id(b) in marked]
    others = [b for b in rest if id(b) not in marked]
    decks = _decks(headings)
    taken_by_decks = _satellites(decks, others, size, weight)
    others = [b for b in others if id(b) not in taken_by_decks]
    left = min((b.x0 for b in rest), default=0.0)
    right = max((b.x1 for b in rest), default=content.width)
    for deck in decks:
        rect = Rect(deck.x0, deck.top, deck.x1, deck.bottom)
        deck.container = _container(rect, boxes)
        span = (boxes[deck.container].x0, boxes[deck.container].x1) if deck.container >= 0 else (left, right)
        deck.reach = _reach(deck, others, decks, vertical, span)
        deck.region = Region(id=0, top=deck.top, x0=deck.reach[0], deck=deck_roles(deck.parts), bounds=rect)
        regions.append(deck.region)

    rules = [r for r in content.rules if r.width >= r.height]
    for block, region in _assign(others, decks, regions, (horizontal, rules, vertical), boxes):
        region.blocks.append(block)
        region.extend_bounds(block.rect)

    for region in regions:
        region.blocks = reading_order(region.blocks)
    hosted: list[tuple[Region, Region]] = []
    for photo_region in photo_regions:
        host = _host(photo_region, regions)
        if host is not None:
            host.images.append(photo_region.photo)  # type: ignore[arg-type]
            hosted.append((host, photo_region))
        else:
            regions.append(photo_region)
    ordered = _order(regions, size)
    for host, photo_region in hosted:  # a photo set in an article follows it
        ordered.insert(ordered.index(host) + 1, photo_region)
    for number, region in enumerate(ordered):
        region.id = number
    return Layout(head=head, rubrics=rubrics, regions=ordered, body_size=size)


_Placed = tuple[TextBlock, int, int, Region]  # a block, its box, the wall above it, its region


def _assign(
    blocks: list[TextBlock],
    decks: list[_Deck],
    regions: list[Region],
    walls: tuple[list[Rect], list[Rect], list[Rect]],
    boxes: list[Rect],
) -> list[tuple[TextBlock, Region]]:
    """Each block's region: its deck's; where several decks may own it, the one whose text it
    carries on (from the foot of the column to its left), else the nearest; where none does, the
    text it carries on, else a headless region of its box and band (added to `regions`). A box
    set into a column does not cut off the text under it when that text carries on (its first
    line is not indented): `walls` are (rules and box edges, rules alone, vertical walls)."""
    horizontal, rules, vertical = walls
    placed: list[_Placed] = []
    unowned: list[tuple[TextBlock, int, int]] = []
    torn: list[tuple[TextBlock, int, int, list[_Deck]]] = []
    for block in blocks:
        container = _container(block.rect, boxes)
        owners = _owners(block, decks, horizontal, container)
        if not owners and not _opens_paragraph(block):
            owners = _owners(block, decks, rules, container)
        wall = _wall_above(block, horizontal)
        if len(owners) == 1 and owners[0].region is not None:
            placed.append((block, container, wall, owners[0].region))
        elif owners:
            torn.append((block, container, wall, owners))
        else:
            unowned.append((block, container, wall))
    for block, container, wall, owners in sorted(torn, key=lambda u: (u[0].x0, u[0].top)):
        chosen = _flows_from(block, container, wall, placed, vertical)
        if chosen is None or all(d.region is not chosen for d in owners):
            chosen = min(owners, key=lambda d: max(d.x0 - block.x1, block.x0 - d.x1, 0.0)).region
        assert chosen is not None
        placed.append((block, container, wall, chosen))
    orphans: dict[tuple[int, int], Region] = {}
    for block, container, wall in sorted(unowned, key=lambda u: (u[0].x0, u[0].top)):
        chosen = _flows_from(block, container, wall, placed, vertical)
        if chosen is None:
            if (container, wall) not in orphans:
                orphans[container, wall] = Region(id=0, top=block.top, x0=block.x0)
                regions.append(orphans[container, wall])
            chosen = orphans[container, wall]
            chosen.top, chosen.x0 = min(chosen.top, block.top), min(chosen.x0, block.x0)
        placed.append((block, container, wall, chosen))
    return [(block, region) for block, _, _, region in placed]


def _opens_paragraph(block: TextBlock) -> bool:
    first = block.lines[0]
    return first.first_x - block.x0 >= 0.6 * first.size


def _flows_from(
    block: TextBlock, container: int, wall: int, placed: list[_Placed], vertical: list[Rect]
) -> Region | None:
    """The region a headless column continues: the one whose text ends at the foot of the column
    to its left, in the same box and band, with no vertical rule between them, when the column
    does not open a paragraph."""
    first = block.lines[0]
    if _opens_paragraph(block):
        return None
    left = [
        (other, region)
        for other, other_container, other_wall, region in placed
        if other_container == container and other_wall == wall and other.x1 <= block.x0 + 1
    ]
    if not left:
        return None
    nearest = max(other.x1 for other, _ in left)
    column = [(other, region) for other, region in left if other.x1 >= nearest - 2 * first.size]
    other, region = max(column, key=lambda c: c[0].bottom)
    for rule in vertical:
        if (
            other.x1 - 1 <= rule.x0 <= block.x0 + 1
            and _overlap(rule.top, rule.bottom, block.top, block.bottom) > 0
        ):
            return None
    return region


def _wall_above(block: TextBlock, horizontal: list[Rect]) -> int:
    best, y = -1, float("-inf")
    for index, wall in enumerate(horizontal):
        if wall.bottom <= block.top + 1 and wall.x0 - 1 <= block.center <= wall.x1 + 1 and wall.top > y:
            best, y = index, wall.top
    return best


def _order(regions: list[Region], size: float) -> list[Region]:
    """Items in reading order: by rows (regions starting level with each other), left to right."""
    ordered = sorted(regions, key=lambda r: r.top)
    rows: list[list[Region]] = []
    for region in ordered:
        if rows and region.top - rows[-1][0].top <= 3 * size:
            rows[-1].append(region)
        else:
            rows.append([region])
    return [region for row in rows for region in sorted(row, key=lambda r: r.x0)]


def _host(photo: Region, regions: list[Region]) -> Region | None:
    """The article a photo sits inside: the smallest region whose text surrounds its centre."""
    assert photo.photo is not None
    box = photo.photo.box
    cx, cy = (box.x0 + box.x1) / 2, (box.top + box.bottom) / 2
    best: Region | None = None
    area = float("inf")
    for region in regions:
        b = region.bounds
        if region.photo is not None or b is None or not region.blocks:
            continue
        if b.x0 <= cx <= b.x1 and b.top <= cy <= b.bottom and b.width * b.height < area:
            best, area = region, b.width * b.height
    return best
