"""`typography.fullwidth`: ASCII punctuation between Han characters in its printed full-width form,
never inside Latin text, numbers or URLs (properties with hypothesis, and the trade's cases)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.parse import ParseHints, parse_bytes
from feedsvc.typography import fullwidth
from tests.parse_helpers import HINTS

HAN = "钱塘新区报记者董笑瑜日月年中文"
# Han, Latin, digits, the punctuation in question, CJK marks, spaces: what a page's text is made of
ALPHABET = st.sampled_from(list(HAN + "abcXYZ019" + ',:;?!"' + "，。“”（）《》、 \t-./@"))
TEXT = st.text(ALPHABET, max_size=60)
URL = st.sampled_from(
    ["http://例子.中国/路径?查询=中文,值", "https://a.example/x?a=1,b=2;c:d!", "www.中文.cn/a,b", "ab,c@x.cn"]
)

_BACK = str.maketrans({"，": ",", "：": ":", "；": ";", "？": "?", "！": "!", "“": '"', "”": '"'})


def _norm(text: str) -> str:
    """What fullwidth may change, undone: full-width marks back to ASCII, spaces and tabs gone."""
    return re.sub(r"[ \t]", "", text.translate(_BACK))


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_idempotent(text: str) -> None:
    once = fullwidth(text)
    assert fullwidth(once) == once


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_changes_only_the_punctuation_and_spaces_around_it(text: str) -> None:
    out = fullwidth(text)
    assert _norm(out) == _norm(text)
    assert len(out) <= len(text)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(list("abcXYZ019" + ',:;?!"' + "，。“”（） \t-./@")), max_size=60))
def test_text_without_han_is_left_alone(text: str) -> None:
    assert fullwidth(text) == text


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_no_ascii_mark_is_left_between_han(text: str) -> None:
    out = fullwidth(text)
    assert not re.search(f"[{HAN}][ \t]*[,:;?!][ \t]*[{HAN}]", out), out


@settings(max_examples=300, deadline=None)
@given(TEXT, URL, TEXT)
def test_urls_and_addresses_are_never_touched(before: str, url: str, after: str) -> None:
    out = fullwidth(f"{before} {url} {after}")
    assert f" {url} " in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中文,中文", "中文，中文"),
        ("会议指出, 要深刻学习", "会议指出，要深刻学习"),
        ('他说:"八八战略"很好', "他说：“八八战略”很好"),
        ('抓实"八八战略"20周年', "抓实“八八战略”20周年"),
        ('他说"真的吗?"然后', "他说“真的吗？”然后"),
        ("真的吗?", "真的吗？"),
        ("中文;中文!中文", "中文；中文！中文"),
        ("（图）,然后", "（图），然后"),
        ('"COVID-19"疫情', "“COVID-19”疫情"),
        # Latin text, numbers, inch marks, unpaired quotes, URLs: as they are
        ("Hello, world: yes; no? ok!", "Hello, world: yes; no? ok!"),
        ("1,000元", "1,000元"),
        ("6:30开始", "6:30开始"),
        ("COVID-19,疫情", "COVID-19,疫情"),
        ('12"和15"屏幕', '12"和15"屏幕'),
        ('他说"好,走', '他说"好，走'),
        ("访问http://例子.中国/路径?查询,了解", "访问http://例子.中国/路径?查询,了解"),
        ("热线江东片区:835239", "热线江东片区:835239"),
    ],
)
def test_cases(text: str, expected: str) -> None:
    assert fullwidth(text) == expected


PAGE = (
    "第2版 综合\n\n"
    '社区办起"邻里节"\n\n'
    '本报讯(记者 张三) 6月26日,白杨街道举办邻里节。居民说:"真好!"活动持续到6:30,'
    "详见www.example.cn/a,b。\n"
).encode()


def test_parse_applies_it_unless_configured_off() -> None:
    on = parse_bytes(PAGE, source="p2.txt", hints=HINTS)
    item = on.items[0]
    assert item.title == "社区办起“邻里节”"
    assert "6月26日，白杨街道举办邻里节。居民说：“真好！”活动持续到6:30," in item.text
    assert "www.example.cn/a,b" in item.text
    off = parse_bytes(PAGE, source="p2.txt", hints=HINTS.model_copy(update={"fullwidth_punctuation": False}))
    assert off.items[0].title == '社区办起"邻里节"' and "6月26日,白杨" in off.items[0].text
    assert ParseHints().fullwidth_punctuation  # on by default
