"""`parse_byline`'s one-match reading of the common byline (`记者 张三`) reads every text as the
scan does: the same people, or None, for texts made of roles, names, markers and separators."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.parse import bylines

# Pieces a byline is made of, and characters that end a name or start a role or a credit.
PIECES = (
    "■", "□", " ", "\u3000", "、", "/", "：", "本报", "新华社", "记者", "首席记者", "摄影记者", "摄影",
    "通讯员", "评论员", "实习生", "摄", "报道", "文/图", "张", "李", "王", "舸", "三", "笑", "瑜",
    "中", "本", "记", "图", "文", "报", "绘", "员", "欧阳", "㐀", "·", "a", "1", "(", "）",
)  # fmt: skip


_NEVER = re.compile("(?!)")


def _scan_only(text: str) -> tuple[object, ...] | None:
    """`parse_byline` with the one match switched off (a pattern that never matches)."""
    one, bylines._ONE_PERSON = bylines._ONE_PERSON, _NEVER
    try:
        return bylines.parse_byline(text)
    finally:
        bylines._ONE_PERSON = one


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=7).map("".join))
def test_one_match_reads_as_the_scan(text: str) -> None:
    assert bylines.parse_byline(text) == _scan_only(text)


@pytest.mark.parametrize(
    "text",
    [
        "■记者 董笑瑜",
        "记者王比学",
        "本报记者 王比学",
        "摄影记者 李舸",
        "记者 中三",
        "记者 张三摄",
        "记者 李 舸",
        "特约评论员 张三",
        "通讯员 张祥荣 摄",
        "记者 张三\u3000摄",
        "记者 张三  摄",
        "摄影记者 李舸 摄",
        "记者 张三李四摄",
        "记者 张三李四五摄",
        "记者 节快乐 摄",
        "记者 李 舸 摄",
        "记者 张三 摄 摄",
    ],
)
def test_examples_read_as_the_scan(text: str) -> None:
    assert bylines.parse_byline(text) == _scan_only(text)


def test_the_common_byline_takes_the_one_match() -> None:
    assert bylines._ONE_PERSON.fullmatch("首席记者 赵一霖") is not None
    assert bylines._ONE_PERSON.fullmatch("记者 中三") is None  # 中 may start 中新社: the scan reads it


def test_a_credit_line_takes_the_one_match() -> None:
    """`通讯员 张祥荣 摄`, the credit line under a photo: its 摄 credits the one name, read in one
    match (the scan costs the parse of the sample page ~60 k instructions for this one line)."""
    one = bylines._ONE_PERSON.fullmatch("通讯员 张祥荣 摄")
    assert one is not None and one["name"] == "张祥荣" and one["shot"] == "摄"
    assert bylines._ONE_PERSON.fullmatch("记者 张三摄") is not None
    assert bylines._ONE_PERSON.fullmatch("记者 张三 报道") is None  # other credits: the scan
