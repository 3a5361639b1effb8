"""`read_masthead` reads a masthead as it did when it always asked whether the date stood alone:
that question (three substitutions) is now asked only when no issue number, page count or lunar
date tells already."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.parse import furniture
from feedsvc.parse.furniture import (
    _DATE_LINE_REST,
    _DATE_RE,
    _ISSUE_NO_RE,
    _LUNAR_RE,
    _PAGE_COUNT_RE,
    NAMEPLATE_RE,
    Masthead,
    _date,
    chinese_number,
)


def _old_read_masthead(text: str) -> Masthead | None:
    """The definition before this change, kept to compare with."""
    if len(text) > 120 or "。" in text:
        return None
    issue = _ISSUE_NO_RE.search(text)
    count = _PAGE_COUNT_RE.search(text)
    lunar = _LUNAR_RE.search(text)
    date = _date(text)
    date_only = date is not None and not _DATE_LINE_REST.sub(
        "", NAMEPLATE_RE.sub("", _DATE_RE.sub("", text), count=1)
    )
    if not (issue or count or lunar or date_only):
        return None
    return Masthead(
        date=date,
        issue_number=int(issue["n"]) if issue else None,
        page_count=chinese_number(count["n"]) if count else None,
        lunar_date=lunar["l"] if lunar else None,
    )


PIECES = (
    "2023年", "6月", "26日", "2023年6月26日", "农历癸卯年五月初九", "今日4版", "今日八版", "总第521期",
    "星期一", "周二", "第2版", "钱塘新区报", "人民日报", " ", "\u3000", "要闻", "。", "1", "年", "月",
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8).map("".join))
def test_reads_as_before(text: str) -> None:
    assert furniture.read_masthead(text) == _old_read_masthead(text)


@pytest.mark.parametrize(
    "text",
    [
        "2023年6月26 农历癸卯年五月初九 今日4版总第521期",
        "2023年6月26日 星期一",
        "钱塘新区报 2023年6月26日",
        "2023年6月26日 会议",
    ],
)
def test_examples_read_as_before(text: str) -> None:
    assert furniture.read_masthead(text) == _old_read_masthead(text)


def test_a_masthead_with_its_issue_number_skips_the_date_question(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> bool:
        raise AssertionError(f"asked whether the date stands alone in {text!r}")

    monkeypatch.setattr(furniture, "_date_alone", refuse)
    meta = furniture.read_masthead("2023年6月26 农历癸卯年五月初九 今日4版总第521期")
    assert meta is not None and meta.issue_number == 521 and meta.page_count == 4
