"""tests/scoring.py scores a parse the way ../shared/tools/compare-parse does (checked against it by
hand on generated pages and the sample): the parts, pairing, and what compares equal."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.scoring import score


def doc(*items: dict[str, Any], number: int = 1) -> dict[str, Any]:
    return {
        "date": "2023-06-26",
        "issue_number": 521,
        "page_count": 4,
        "pages": [{"number": number, "items": list(items)}],
    }


def article(headline: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "article", "kicker": None, "headline": headline, "subtitle": None,
            "contributors": [{"role": "记者", "name": "董笑瑜", "credit": None}], "text": text} | extra  # fmt: skip


A = article(
    "打造具有钱塘特色基层治理品牌",
    "本报讯 6月23日上午，新区党工委书记专题调研网格议事日工作。他强调，要认真学习。",
)
B = article(
    "钱塘绿岛即将开放", "位于河庄街道江东村的钱塘绿岛项目，总面积约为7万平方米，将打造综合性农旅项目。"
)


def test_a_parse_equal_to_its_truth_scores_one() -> None:
    result = score(doc(A, B), doc(A, B))
    assert result.score == 1.0 and result.problems == []


def test_whitespace_quotes_width_and_the_papers_own_role_compare_equal() -> None:
    parsed = copy.deepcopy(A) | {
        "paragraphs": ["本报讯 6月23日上午， 新区党工委书记专题调研网格议事日工作。", "他强调，要认真学习。"]
    }
    del parsed["text"]
    parsed["headline"] = "打造具有钱塘特色 基层治理品牌"
    parsed["contributors"] = [{"role": "本报记者", "name": "董 笑瑜", "credit": None}]
    assert score(doc(A), doc(parsed)).score == 1.0
    quoted = article("“八八战略”二十年", "本报讯 “八八战略”实施二十年。")
    assert score(doc(quoted), doc(article('"八八战略"二十年', '本报讯 "八八战略"实施二十年。'))).score == 1.0


def test_a_missing_item_costs_item_f1_only() -> None:
    result = score(doc(A, B), doc(A))
    assert result.f1 == pytest.approx(2 / 3)
    assert result.fields == dict.fromkeys(("kind", "kicker", "headline", "subtitle", "contributors"), 1.0)
    assert result.score == pytest.approx((2 / 3 + 1 + 1 + 1) / 4)
    assert any("MISSING" in p for p in result.problems)


def test_a_wrong_field_and_wrong_issue_fields_are_counted() -> None:
    wrong = copy.deepcopy(B) | {"kind": "photo"}
    parsed = doc(A, wrong, number=2) | {"issue_number": 520}
    result = score(doc(A, B), parsed)
    assert result.fields["kind"] == 0.5 and result.fields["headline"] == 1.0
    assert result.meta == pytest.approx(2 / 4)  # date and page count right; issue number and page wrong
    assert result.score == pytest.approx((1 + (0.5 + 4) / 5 + 1 + 0.5) / 4)


def test_items_pair_by_body_not_by_order_and_not_below_half_similarity() -> None:
    assert score(doc(A, B), doc(B, A)).score == 1.0
    unrelated = article("别的标题", "完全不同的一段文字内容，与任何预期条目都不相同。")
    result = score(doc(A), doc(unrelated))
    assert result.f1 == 0.0 and any("EXTRA" in p for p in result.problems)
