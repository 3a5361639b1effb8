"""`apply(slots, corrections) -> Outcome`: one page's parsed items as the editors corrected them.
Pure: no store, no files, no clock.

The steps run in a fixed order, whatever the order in the file: splits, moves, merges, then field
edits and hides. A correction that does not fit the page (an item or paragraph it names is not
there, its `expect` text is not in the item) is left out and noted; the others still apply.

Identity: a parsed item keeps the id its slot brings. A part split off a parsed item at paragraph
`at` keeps the id it got the first time (`Slot.parts[at]`). An item merged into another is no
longer on the page (the store retracts its id; undo the merge and it comes back). A hidden item
stays in the outcome, marked `hidden`, so that its id is kept for when it is shown again.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from feedsvc.corrections.model import Fields, ItemEdit, Merge, Move, PageCorrections, Ref, Split
from feedsvc.models import Contributor, Item
from feedsvc.parse import derive_title


@dataclass(frozen=True, slots=True)
class Slot:
    """A parsed item with what the store knows of it: its id and the ids of parts split off it."""

    item: Item
    id: str | None = None
    parts: Mapping[int, str] = field(default_factory=dict)  # split paragraph → id


@dataclass(frozen=True, slots=True)
class Piece:
    """An item of the corrected page. `source`: the index of the slot it comes from; `split_at`: 0
    for the parsed item itself, else the paragraph (from 1, as parsed) its part starts at."""

    item: Item
    id: str | None
    source: int
    split_at: int = 0
    corrected: bool = False
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    pieces: tuple[Piece, ...]  # in reading order, hidden ones included
    notes: tuple[str, ...]  # "merge[1]: item 7 is not on the page; not applied"

    @property
    def shown(self) -> tuple[Piece, ...]:
        return tuple(p for p in self.pieces if not p.hidden)


class _Misfit(Exception):
    """A correction that does not fit the page (the message says why)."""


def apply(slots: Sequence[Slot], corrections: PageCorrections) -> Outcome:
    """The corrected page: `slots` are the parsed items in reading order."""
    work = _Work(slots)
    work.splits(corrections.split)
    later: tuple[tuple[str, Sequence[Move | Merge | ItemEdit]], ...] = (
        ("move", corrections.move),
        ("merge", corrections.merge),
        ("item", corrections.item),
    )
    for table, entries in later:
        for n, entry in enumerate(entries, start=1):
            try:
                work.one(entry)
            except _Misfit as exc:
                work.notes.append(f"{table}[{n}]: {exc}; not applied")
    return Outcome(pieces=tuple(work.pieces), notes=tuple(work.notes))


def _set(item: Item, fields: Fields) -> Item:
    """`item` with the fields an editor set ("" clears a title line)."""
    given = fields.model_fields_set
    update: dict[str, object] = {}
    for name in ("kicker", "headline", "subtitle"):
        if name in given:
            update[name] = getattr(fields, name) or None
    if "kind" in given and fields.kind is not None:
        update["kind"] = fields.kind
    if "contributors" in given:
        update["contributors"] = tuple(
            Contributor(role=p.role, name=p.name, credit=p.credit) for p in fields.contributors or ()
        )
    return _titled(item.model_copy(update=update))


def _titled(item: Item) -> Item:
    """The title follows the headline, or is derived from the lead when there is none."""
    if item.headline:
        return item.model_copy(update={"title": item.headline, "title_derived": False})
    return item.model_copy(update={"title": derive_title(item.lead), "title_derived": True})


class _Work:
    def __init__(self, slots: Sequence[Slot]) -> None:
        self.slots = slots
        self.pieces = [Piece(item=s.item, id=s.id, source=i) for i, s in enumerate(slots)]
        self.notes: list[str] = []

    # -- finding what a correction names -------------------------------------------------------
    def find(self, ref: Ref, expect: str | None = None) -> int:
        """The index in `pieces` of the item `ref` names (a position: the parsed item itself)."""
        if isinstance(ref, int):
            found = [i for i, p in enumerate(self.pieces) if p.source == ref - 1 and p.split_at == 0]
            if not found:
                gone = ref <= len(self.slots)
                raise _Misfit(
                    f"item {ref} is no longer on the page (merged away)"
                    if gone
                    else f"item {ref} is not on the page (it has {len(self.slots)} items)"
                )
        else:
            found = [i for i, p in enumerate(self.pieces) if p.id == ref]
            if not found:
                raise _Misfit(f"item {ref} is not on the page as parsed now")
        index = found[0]
        if expect is not None:
            parsed = self.slots[self.pieces[index].source].item
            if expect not in parsed.title and expect not in parsed.lead:
                raise _Misfit(f"item {ref} does not read {expect!r} any more")
        return index

    # -- splits: cut parsed items at paragraphs ------------------------------------------------
    def splits(self, splits: Sequence[Split]) -> None:
        cuts: dict[int, dict[int, Split]] = {}  # slot → {paragraph as parsed: split}
        for n, split in enumerate(splits, start=1):
            try:
                piece = self.pieces[self.find(split.item, split.expect)]
                at = max(piece.split_at - 1, 0) + split.at
                size = len(self.slots[piece.source].item.paragraphs)
                if at > size:
                    raise _Misfit(f"item {split.item} has {size} paragraphs, none at {split.at}")
                cuts.setdefault(piece.source, {})[at] = split
            except _Misfit as exc:
                self.notes.append(f"split[{n}]: {exc}; not applied")
        pieces: list[Piece] = []
        for piece in self.pieces:
            if piece.source not in cuts:
                pieces.append(piece)
                continue
            slot = self.slots[piece.source]
            marks = sorted(cuts[piece.source])
            bounds = [1, *marks, len(slot.item.paragraphs) + 1]
            head = slot.item.model_copy(update={"paragraphs": slot.item.paragraphs[: marks[0] - 1]})
            pieces.append(replace(piece, item=_titled(head) if head.title_derived else head, corrected=True))
            for start, end in itertools.pairwise(bounds[1:]):
                text = slot.item.paragraphs[start - 1 : end - 1]
                part = _set(Item(kind=slot.item.kind, title="", paragraphs=text), cuts[piece.source][start])
                part_id = slot.parts.get(start)
                pieces.append(Piece(part, part_id, piece.source, split_at=start, corrected=True))
        self.pieces = pieces

    # -- the other steps -------------------------------------------------------------------------
    def one(self, entry: Move | Merge | ItemEdit) -> None:
        index = self.find(entry.item, entry.expect)
        if isinstance(entry, Move):
            self.move(index, entry)
        elif isinstance(entry, Merge):
            self.merge(index, self.find(entry.into))
        else:
            piece = self.pieces[index]
            item = _set(piece.item, entry) if entry.sets_anything else piece.item
            self.pieces[index] = replace(piece, item=item, corrected=True, hidden=piece.hidden or entry.hide)

    def move(self, index: int, move: Move) -> None:
        target = self.find(move.to)
        if target == index:
            raise _Misfit(f"item {move.item} is the item it moves to")
        source = self.pieces[index]
        paragraphs = list(source.item.paragraphs)
        if move.paragraph > len(paragraphs) or len(paragraphs) == 1:
            raise _Misfit(f"item {move.item} has {len(paragraphs)} paragraphs, cannot move {move.paragraph}")
        moved = paragraphs.pop(move.paragraph - 1)
        into = self.pieces[target]
        joined = (*into.item.paragraphs, moved) if move.where == "end" else (moved, *into.item.paragraphs)
        self.pieces[index] = _reflowed(source, tuple(paragraphs))
        self.pieces[target] = _reflowed(into, joined)

    def merge(self, index: int, into: int) -> None:
        if index == into:
            raise _Misfit("an item cannot be merged into itself")
        gone, kept = self.pieces[index], self.pieces[into]
        people = kept.item.contributors + tuple(
            c for c in gone.item.contributors if c not in kept.item.contributors
        )
        item = kept.item.model_copy(update={"contributors": people})
        self.pieces[into] = _reflowed(replace(kept, item=item), kept.item.paragraphs + gone.item.paragraphs)
        del self.pieces[index]


def _reflowed(piece: Piece, paragraphs: tuple[str, ...]) -> Piece:
    item = piece.item.model_copy(update={"paragraphs": paragraphs})
    return replace(piece, item=_titled(item) if item.title_derived else item, corrected=True)
