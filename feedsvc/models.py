"""The parsed newspaper: an issue of pages of items. Pure data, no I/O."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

ItemKind = Literal["article", "photo"]
PageNumberSource = Literal["header", "masthead", "hint", "sequence", "default"]
SectionSource = Literal["header", "config", "hint", "none"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Contributor(_Frozen):
    """One person credited on an item: `■首席记者 赵一霖` is role 首席记者, name 赵一霖."""

    role: str | None
    name: str
    credit: str | None = None  # 摄, 摄影报道, 文/图 …

    @property
    def is_photographer(self) -> bool:
        return self.credit is not None and ("摄" in self.credit or "图" in self.credit)


class ImageRef(_Frozen):
    """A photo printed on the page (PDF route): where its JPEG is published, its pixel size and its
    box on the page in PDF points, (x0, top, x1, bottom) from the page's top-left corner."""

    path: str  # relative to the output folder: images/YYYY/MM/DD/p<page>-<pos>.jpg
    width: int
    height: int
    bbox: tuple[float, float, float, float]


class Item(_Frozen):
    """One article or photo item, in reading order on its page."""

    kind: ItemKind = "article"
    kicker: str | None = None
    headline: str | None = None
    subtitle: str | None = None
    title: str
    title_derived: bool = False
    contributors: tuple[Contributor, ...] = ()
    dateline: str | None = None
    paragraphs: tuple[str, ...] = ()
    images: tuple[ImageRef, ...] = ()
    # What the parser was unsure of about this item (derived title, caption moved, credit not
    # placed, text left over, split or merged by a guess): one short sentence each, for editors.
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "".join(self.paragraphs)

    @property
    def lead(self) -> str:
        return self.paragraphs[0] if self.paragraphs else ""


class Page(_Frozen):
    number: int
    number_from: PageNumberSource
    label: str | None = None  # as printed: "A05", "2"
    section: str | None = None
    section_from: SectionSource = "none"
    items: tuple[Item, ...] = ()


class Issue(_Frozen):
    """What `parse` recovers from one submission (one page, or several split by form feeds)."""

    publication: str | None = None
    date: dt.date | None = None
    date_from: Literal["masthead", "header", "hint"] | None = None
    issue_number: int | None = None
    page_count: int | None = None
    lunar_date: str | None = None
    pages: tuple[Page, ...] = ()
    dropped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for page in self.pages for item in page.items)
