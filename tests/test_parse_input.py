"""Encodings, bad input and the `feedsvc parse` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsvc import cli
from feedsvc.errors import ParseError
from feedsvc.parse import decode, parse, parse_bytes
from tests.parse_helpers import HINTS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "pages" / "qiantang-2023-06-26-p1.txt"


def _dump(data: bytes, source: str = "x.txt") -> dict[str, object]:
    return parse_bytes(data, source=source, hints=HINTS).model_dump(mode="json")


def test_gb18030_bom_and_crlf_copies_parse_the_same() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    reference = _dump(text.encode("utf-8"))
    assert _dump(text.encode("gb18030")) == reference
    assert _dump(b"\xef\xbb\xbf" + text.encode("utf-8")) == reference
    assert _dump(text.replace("\n", "\r\n").encode("utf-8")) == reference
    assert _dump(text.encode("utf-16")) == reference


def test_multi_page_submission_with_form_feeds_parses_each_page() -> None:
    page1 = SAMPLE.read_text(encoding="utf-8")
    page2 = "第2版 综合\n\n邻里节活动举办\n\n■记者 张三\n\n本报讯 6月25日,白杨街道举办第三届邻里节。\n"
    single = parse(page1, hints=HINTS)
    issue = parse(page1 + "\f" + page2, hints=HINTS)
    assert [p.number for p in issue.pages] == [1, 2]
    assert issue.pages[0] == single.pages[0]
    assert issue.date == single.date and issue.issue_number == 521


def test_file_name_gives_date_and_page_when_the_page_prints_neither() -> None:
    text = "邻里节活动举办\n\n■记者 张三\n\n本报讯 6月25日,白杨街道举办第三届邻里节。\n".encode()
    issue = parse_bytes(text, source="qiantang-2023-06-27-p3.txt", hints=HINTS)
    assert str(issue.date) == "2023-06-27" and issue.date_from == "hint"
    (page,) = issue.pages
    assert (page.number, page.number_from, page.section, page.section_from) == (3, "hint", "民生", "config")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n \t", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (bytes(range(256)) * 8, "binary"),
        (b"\x00\x01\x02\x03" * 100, "binary"),
        (b"\x81\x30\xff\xfe\x80 plain", "UTF-8 or GB18030"),
        ("只有一些页面杂项\n\n82987136\n\n倒计时89天\n".encode(), "no article"),
    ],
)
def test_bad_input_is_a_parse_error_naming_the_file(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_bytes(data, source="bad-2023-06-26-p1.txt", hints=HINTS)
    assert "bad-2023-06-26-p1.txt" in str(info.value)
    assert reason in str(info.value)


def test_cli_parse_json_and_text(capsys: pytest.CaptureFixture[str]) -> None:
    config = ROOT / "config" / "feedsvc.toml"
    assert cli.main(["--config", str(config), "parse", str(SAMPLE), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["publication"] == "钱塘新区报" and doc["pages"][0]["section"] == "要闻"
    assert len(doc["pages"][0]["items"]) == 6
    assert cli.main(["--config", str(config), "parse", str(SAMPLE)]) == 0
    text = capsys.readouterr().out
    assert "[5] article [title derived]" in text and "通讯员 张祥荣 (摄)" in text and "warnings:" in text


def test_cli_bad_file_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "scan.txt"
    bad.write_bytes(b"%PDF-1.4 binary")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "feedsvc.cli",
            "--config",
            str(ROOT / "config" / "feedsvc.toml"),
            "parse",
            str(bad),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "scan.txt" in run.stderr and "PDF" in run.stderr


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_parses_or_is_a_parse_error(text: str) -> None:
    try:
        issue = parse(text, hints=HINTS)
    except ParseError:
        return
    assert issue.items


_PIECES = st.sampled_from(
    [
        "■记者 张三",
        "本报讯 6月25日,",
        "会议强调,",
        "要坚持稳中求进。",
        "标题在这里",
        "通讯员 李四 摄",
        "——副题",
        "第2版 综合",
        "倒计时9天",
        "调",
        "\n\n",
        "\n",
        " ",
        "\f",
        "(记者 王五)",
        "图片报道",
        "。",
        "2023年6月26日",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=8), max_size=40))
def test_newspaper_like_text_parses_or_is_a_parse_error(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        issue = parse(text, hints=HINTS)
    except ParseError:
        return
    for item in issue.items:
        assert item.title and item.paragraphs
        assert all(p.strip() for p in item.paragraphs)


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_any_bytes_decode_or_are_a_parse_error(data: bytes) -> None:
    try:
        decode(data, "x.bin")
    except ParseError as exc:
        assert "x.bin" in str(exc)
