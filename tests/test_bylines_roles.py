"""Where one role or credit begins another (摄影/摄影记者, 摄影/摄影报道), the longest one wins.

The scan tries the role table in order, so a table sorted the wrong way would read 摄影记者 张三 as
role 摄影 and name 记者张三, or lose the 摄 credit: each role is checked on its own and in the
pairs it forms, so that no order but longest-first passes.
"""

from __future__ import annotations

import itertools

import pytest

from feedsvc.models import Contributor
from feedsvc.parse import bylines
from feedsvc.parse.bylines import longest_first, parse_byline

ROLES = [r for r in bylines._ROLES if r not in bylines._PEN_ROLES]
PHOTO_ROLES = {"摄影", "摄影记者", "首席摄影记者"}
# Every pair of words the byline scan tries where the shorter begins the longer.
PREFIX_PAIRS = [
    (a, b)
    for table in (bylines._ROLES, bylines._SUFFIX_CREDITS, bylines._PREFIX_CREDITS)
    for a, b in itertools.permutations(table, 2)
    if b.startswith(a)
]


def test_the_tables_hold_roles_that_begin_others() -> None:
    """The cases below are not vacuous: the trade's roles and credits do begin one another."""
    assert ("摄影", "摄影记者") in PREFIX_PAIRS
    assert ("摄影", "摄影报道") in PREFIX_PAIRS
    assert ("摄", "摄影") in PREFIX_PAIRS


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("form", ["■{role} 张三", "本报{role} 张三", "（{role} 张三）", "{role}张三"])
def test_each_role_is_read_whole(role: str, form: str) -> None:
    credit = "摄" if role in PHOTO_ROLES else None
    assert parse_byline(form.format(role=role)) == (Contributor(role=role, name="张三", credit=credit),)


@pytest.mark.parametrize(
    ("short", "long"), [(a, b) for a, b in PREFIX_PAIRS if a in bylines._ROLES and b in bylines._ROLES]
)
def test_longer_role_wins_beside_the_shorter(short: str, long: str) -> None:
    people = parse_byline(f"■{short} 李四 {long} 张三")
    assert people is not None
    assert [(p.role, p.name) for p in people] == [(short, "李四"), (long, "张三")]


@pytest.mark.parametrize("credit", [c for c in bylines._SUFFIX_CREDITS if len(c) > 1])
def test_each_closing_credit_is_read_whole(credit: str) -> None:
    assert parse_byline(f"■记者 张三 {credit}") == (Contributor(role="记者", name="张三", credit=credit),)


@pytest.mark.parametrize("credit", ["文/图", "图/文"])
def test_each_opening_credit_is_read_whole(credit: str) -> None:
    assert parse_byline(f"{credit} 记者 张三") == (Contributor(role="记者", name="张三", credit=credit),)


@pytest.mark.parametrize("pen", sorted(bylines._PEN_ROLES))
def test_pen_roles_are_their_own_name(pen: str) -> None:
    assert parse_byline(f"□本报{pen}") == (Contributor(role=pen, name="本报" + pen, credit=None),)


def test_longest_first_orders_by_length_then_text() -> None:
    assert longest_first(["记者", "摄影记者", "摄影", "首席摄影记者", "摄影"]) == (
        "首席摄影记者",
        "摄影记者",
        "摄影",
        "记者",
    )
