"""`classify` makes its `Block` with positional arguments (a class called with keywords builds a
dict of them on each call: ~2.5 k instructions a block). The values must land in the fields they
stand for, whatever the order of `Block`'s fields becomes."""

from __future__ import annotations

from typing import get_args

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.parse.blocks import Block, BlockKind, _column_width, classify
from feedsvc.parse.text import RawBlock, visual_lens

_LINE = st.text(alphabet="钱塘新区建设记者张三摄本报讯版年 ab1，。（）", min_size=1, max_size=40).map(
    str.strip
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE.filter(bool), min_size=1, max_size=4), st.integers(min_value=1, max_value=500))
def test_classify_fills_the_fields_it_names(lines: list[str], line: int) -> None:
    raw = RawBlock(tuple(lines), line, (False,) * len(lines))
    block = classify(raw, publication="钱塘新区", name_en=None)
    lengths = visual_lens(raw.segments)
    by_name = Block(kind="body", text="", line=line, segment_lengths=lengths, width=_column_width(lengths))
    assert (block.line, block.segment_lengths, block.width) == (
        by_name.line,
        by_name.segment_lengths,
        by_name.width,
    )
    assert block.kind in get_args(BlockKind) and isinstance(block.text, str)


def test_a_block_of_two_equal_lines_has_their_width() -> None:
    block = classify(RawBlock(("钱塘新区建设 钱塘新区建设",), 7, (False,)), publication=None, name_en=None)
    assert (block.line, block.segment_lengths, block.width) == (7, (6.0, 6.0), 6.0)
    assert block.kind == "title" and block.text.replace(" ", "") == "钱塘新区建设" * 2
