"""Issue 9, item 8: parsing and matching cost grows linearly with the input.

No timing here (timings belong in benchmarks/growth.py): each test counts the work done, which is
deterministic, at two sizes, and checks it grows in proportion. Before the fixes the counts grew
with the square of the size. Property tests check the faster code gives what the old one gave.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.identity import match_items
from feedsvc.models import Contributor, Item
from feedsvc.parse import credits as credits_module
from feedsvc.parse import draft as draft_module
from feedsvc.parse import parse
from feedsvc.parse.assemble import _Assembler
from feedsvc.parse.blocks import Block
from feedsvc.parse.credits import _Uncredited, assign_credits
from feedsvc.parse.draft import Draft
from feedsvc.parse.text import join_wrapped

MASTHEAD = "2023年6月26 农历癸卯年五月初九 今日4版总第521期"


def unterminated_page(blocks: int) -> str:
    """A page whose body blocks never end a sentence: each one is glued onto the paragraph."""
    head = f"{MASTHEAD}\n\n区委常委会会议传达学习贯彻重要批示精神\n\n■首席记者 赵一霖\n\n本报讯 6月25日,区委常委会召开会议\n\n"
    body = "\n\n".join(
        f"钱塘区持续推进产业园区建设和营商环境优化工作 各项任务稳步推进{n}" for n in range(blocks)
    )
    return head + body


@contextmanager
def counting(module: Any, name: str, measure: Callable[..., int]) -> Iterator[list[int]]:
    """Replace `module.name` by a wrapper adding `measure(*args)` to the yielded total."""
    real = getattr(module, name)
    total = [0]

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        total[0] += measure(*args, **kwargs)
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(module, name, wrapper)
        yield total


def test_gluing_unterminated_blocks_scans_each_character_a_bounded_number_of_times() -> None:
    """Before: the whole growing paragraph went through join_wrapped again for every block."""
    scanned = {}
    for blocks in (500, 1000):
        text = unterminated_page(blocks)
        with counting(draft_module, "join_wrapped", len) as total:
            issue = parse(text, source="x.txt")
        assert len(issue.items) == 1 and len(issue.items[0].paragraphs) == 1
        scanned[blocks] = total[0]
        assert total[0] <= 3 * len(text), (blocks, total[0], len(text))
    assert scanned[1000] <= 2.5 * scanned[500]


def old_glue(pieces: list[str]) -> str:
    text = pieces[0]
    for piece in pieces[1:]:
        text = join_wrapped(text + " " + piece)
    return text


_PIECE = st.text(
    alphabet=st.sampled_from(list("钱塘区建设ab1 。，”\u3000\u00a0)（")), min_size=1, max_size=12
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECE, min_size=2, max_size=8))
def test_gluing_gives_what_joining_the_whole_paragraph_gave(pieces: list[str]) -> None:
    draft = Draft(start=0, paragraphs=[pieces[0]])
    for piece in pieces[1:]:
        draft._glue(piece)
    before_flush = draft.dangling
    draft.flush()
    assert draft.paragraphs == [old_glue(pieces)]
    assert before_flush == draft.dangling


# ------------------------------------------------------------------------------------ credits


def line_events(call: Callable[[], None], filename: str) -> int:
    """How many lines of `filename` run during `call()`: the work a pure-Python loop does."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if frame.f_code.co_filename == filename:
            if event == "line":
                count += 1
            return tracer
        return None

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


def credits_work(photos: int) -> int:
    assembler = _Assembler([], page=1)
    drafts = [Draft(start=2 * k, kind="photo", paragraphs=["图"]) for k in range(photos)]
    person = Contributor(role="记者", name="张三", credit="摄")
    block = Block(kind="credit", text="记者 张三 摄", line=1, people=(person,))
    credits = [(2 * k + 1, block) for k in range(photos)]

    def assign() -> None:
        assign_credits(drafts, credits, assembler._previous, 1, [])

    work = line_events(assign, credits_module.__file__)
    assert all(d.credited for d in drafts)
    return work


def test_credit_assignment_grows_linearly() -> None:
    """Before: every credit line looked at every item (400 photos: 4x the work of 200)."""
    small, large = credits_work(200), credits_work(400)
    assert large <= 2.5 * small, (small, large)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 30), min_size=0, max_size=12),
    st.lists(st.integers(0, 30), min_size=1, max_size=12),
)
def test_the_nearest_photo_is_the_one_the_pairwise_search_chose(
    starts: list[int], credits: list[int]
) -> None:
    photos = [Draft(start=s, kind="photo") for s in sorted(starts)]
    pool = _Uncredited(list(photos))
    left = list(photos)
    for index in credits:
        expected = min(left, key=lambda d: (abs(d.start - index), d.start > index)) if left else None
        assert pool.take_nearest(index) is expected
        if expected is not None:
            left.remove(expected)


# ------------------------------------------------------------------------------------ matching


def page_items(n: int) -> list[Item]:
    chars = [chr(0x4E00 + (k * 7919) % 3000) for k in range(3000)]
    return [
        Item(
            headline="".join(chars[(n * 13 + k * 11 + j) % 3000] for j in range(8)) + str(k),
            title="t",
            paragraphs=("".join(chars[(k * 101 + j * 37) % 3000] for j in range(300)),),
        )
        for k in range(n)
    ]


def comparisons(n: int) -> int:
    old = page_items(n)
    new = [item.model_copy(update={"paragraphs": ("改" + item.paragraphs[0][1:],)}) for item in reversed(old)]
    with counting(difflib.SequenceMatcher, "real_quick_ratio", lambda self: 1) as total:
        matching = match_items(old, new)
    assert len(matching.pairs) == n  # every edited item found its old self
    assert all(i == n - 1 - j for i, j in matching.pairs)
    return total[0]


def test_matching_a_corrected_page_grows_linearly() -> None:
    """Before: every new item was compared with every old one (200 items: 40,000 comparisons)."""
    small, large = comparisons(100), comparisons(200)
    assert large <= 2.5 * small and large <= 20 * 200, (small, large)
