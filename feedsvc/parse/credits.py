"""Photo credit lines given to the photos they credit: a credit printed right under a caption is
that photo's; the others go to the nearest photo without one, or else to the item before them."""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable

from feedsvc.parse.blocks import Block
from feedsvc.parse.draft import Draft


def assign_credits(
    drafts: list[Draft],
    credits: list[tuple[int, Block]],
    previous: Callable[[int], int],
    page: int,
    warnings: list[str],
) -> None:
    """Give each (block index, credit block) of `credits` to a draft of `drafts` (in reading
    order); `previous(i)` is the index of the last block before i that is not furniture. What
    cannot be placed is told in `warnings`."""
    # A credit printed right under a caption is that photo's; the others go to the nearest.
    left: list[tuple[int, Block]] = []
    by_end = {d.end: d for d in drafts if d.end >= 0}
    for index, block in credits:
        owner = by_end.get(previous(index))
        if owner is not None and owner.kind == "photo" and not owner.credited:
            owner.add_people(block.people)
            owner.credited = True
        else:
            left.append((index, block))
    if not left:
        return
    starts = [d.start for d in drafts]  # drafts in reading order: starts never decrease
    photos = _Uncredited([d for d in drafts if d.kind == "photo" and not d.credited])
    for index, block in left:
        nearest = photos.take_nearest(index)
        if nearest is not None:
            target = nearest
        else:
            before = bisect.bisect_left(starts, index)  # the drafts starting before the credit
            if not before:
                warnings.append(f"page {page}: photo credit with no item: {block.text}")
                continue
            target = drafts[before - 1]
            text_len = sum(len(p) for p in target.paragraphs)
            writers = [p for p in target.contributors if p.credit is None]
            if not writers and target.dateline is None and text_len <= 300:
                target.kind = "photo"
            else:
                target.warnings.append(f"photo credit {block.text!r} given to this item: no caption found")
        target.add_people(block.people)
        target.credited = True


class _Uncredited:
    """The photos without a credit yet, grouped by start, for finding the nearest to a credit line
    in near-constant time (a pairwise search made credit assignment quadratic)."""

    def __init__(self, photos: list[Draft]) -> None:
        self.groups: dict[int, deque[Draft]] = {}
        for photo in photos:
            self.groups.setdefault(photo.start, deque()).append(photo)
        self.starts = sorted(self.groups)
        # union-find over `starts`: the nearest index with photos left, to the left and the right
        self.left = list(range(len(self.starts)))
        self.right = list(range(len(self.starts) + 1))

    @staticmethod
    def _find(parent: list[int], i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def take_nearest(self, index: int) -> Draft | None:
        """The nearest photo to `index` (a tie goes to the one before it; among photos starting
        at one place, the first), taken out of the pool; None when none is left."""
        at = bisect.bisect_right(self.starts, index)  # starts[:at] are <= index
        before = self._find(self.left, at - 1) if at > 0 else -1
        before = before if before >= 0 and self.groups[self.starts[before]] else -1
        after = self._find(self.right, at)
        after = after if after < len(self.starts) else -1
        if before < 0 and after < 0:
            return None
        if after < 0 or (before >= 0 and index - self.starts[before] <= self.starts[after] - index):
            chosen = before
        else:
            chosen = after
        group = self.groups[self.starts[chosen]]
        photo = group.popleft()
        if not group:
            self.left[chosen] = chosen - 1 if chosen > 0 else chosen
            self.right[chosen] = chosen + 1
        return photo
