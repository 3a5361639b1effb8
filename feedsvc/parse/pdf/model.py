"""What the layout analysis makes of a page: regions (one item's share of the page each) in
reading order, with their heading decks, blocks, photos; the head band and the rubrics."""

from __future__ import annotations

from dataclasses import dataclass, field

from feedsvc.parse.blocks import Deck
from feedsvc.parse.pdf.lines import TextBlock
from feedsvc.parse.pdf.reader import PageImage, Rect


@dataclass(slots=True)
class DeckPart:
    role: Deck
    text: str
    size: float
    lines: tuple[str, ...] = ()  # as set: a byline set under a subtitle in its face is one of them


@dataclass(slots=True)
class Region:
    """One item's share of the page: its heading deck (if any), its blocks in reading order, the
    photo it captions (photo regions) and the photos that sit inside it (articles)."""

    id: int
    top: float
    x0: float
    deck: list[DeckPart] = field(default_factory=list)
    blocks: list[TextBlock] = field(default_factory=list)
    photo: PageImage | None = None
    images: list[PageImage] = field(default_factory=list)
    bounds: Rect | None = None

    def extend_bounds(self, rect: Rect) -> None:
        self.bounds = rect if self.bounds is None else self.bounds.union(rect)


@dataclass(slots=True)
class Layout:
    head: list[TextBlock]  # masthead or page header band, top to bottom
    rubrics: list[TextBlock]  # column rubrics set on a bar (简讯, 导读): furniture
    regions: list[Region]  # in reading order
    body_size: float

    @property
    def photos(self) -> list[PageImage]:
        """The page's photos in reading order."""
        return [region.photo for region in self.regions if region.photo is not None]
