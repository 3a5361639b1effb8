"""What a corrections file may say. Every table names the item it corrects by `item`: its position
on the page as parsed (`feedsvc parse` shows it as `[5]`) or its entry id (a string, `tag:…`).

    [[item]]    item, and any of kicker / headline / subtitle ("" clears them), kind, contributors,
                hide = true
    [[merge]]   item, into: the item's paragraphs (and contributors) are appended to `into`
    [[split]]   item, at: paragraph `at` (from 1, as parsed) starts a new item after it; the new
                item may be given kicker / headline / subtitle / kind / contributors
    [[move]]    item, paragraph, to, where = "end" | "start": one paragraph moves to another item

Any table may carry `expect`: text the addressed item's title or lead must contain as parsed, so
that a correction by position is not applied to another item if the page changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from feedsvc.models import ItemKind

Ref = Annotated[StrictInt, Field(ge=1)] | Annotated[StrictStr, Field(pattern=r"^tag:\S+$")]
Text = StrictStr


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PageKey(_Strict):
    """The page a corrections file is for."""

    date: dt.date
    page: Annotated[int, Field(ge=1)]

    @property
    def file_name(self) -> str:
        return f"{self.date.isoformat()}-p{self.page}.toml"


class Person(_Strict):
    role: Text | None = None
    name: Annotated[StrictStr, Field(min_length=1)]
    credit: Text | None = None


class Fields(_Strict):
    """Fields an editor sets on an item; absent ones are left as parsed, "" clears a title line."""

    kicker: Text | None = None
    headline: Text | None = None
    subtitle: Text | None = None
    kind: ItemKind | None = None
    contributors: tuple[Person, ...] | None = None

    @property
    def sets_anything(self) -> bool:
        return bool(self.model_fields_set - {"item", "expect", "at", "hide"})


class _Addressed(_Strict):
    item: Ref
    expect: Text | None = None


class ItemEdit(Fields, _Addressed):
    hide: StrictBool = False


class Merge(_Addressed):
    into: Ref


class Split(Fields, _Addressed):
    at: Annotated[StrictInt, Field(ge=2)]


class Move(_Addressed):
    paragraph: Annotated[StrictInt, Field(ge=1)]
    to: Ref
    where: Literal["end", "start"] = "end"


class PageCorrections(_Strict):
    item: tuple[ItemEdit, ...] = ()
    merge: tuple[Merge, ...] = ()
    split: tuple[Split, ...] = ()
    move: tuple[Move, ...] = ()

    def refs(self) -> list[tuple[str, str]]:
        """(key, entry id) of every id this file names, for checking them against the store."""
        out: list[tuple[str, str]] = []
        for table in ("item", "merge", "split", "move"):
            for n, entry in enumerate(getattr(self, table), start=1):
                for field in ("item", "into", "to"):
                    value = getattr(entry, field, None)
                    if isinstance(value, str):
                        out.append((f"{table}[{n}].{field}", value))
        return out
