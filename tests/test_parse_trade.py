"""The trade's conventions (issue 11), unit by unit; the golden pages in tests/data/pages show them
on whole pages."""

from __future__ import annotations

import pytest

from feedsvc.parse.blocks import Block
from feedsvc.parse.bylines import closing_credit, join_text, parse_byline
from feedsvc.parse.furniture import furniture_reason, read_page_header
from feedsvc.parse.headings import decks
from tests.parse_helpers import parse_text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("张三摄（新华社发）", [(None, "张三", "摄")]),
        ("张三 摄/视觉中国", [(None, "张三", "摄")]),
        ("记者 张三 李四 摄", [("记者", "张三", "摄"), ("记者", "李四", "摄")]),
        ("通讯员 王五 记者 赵六 摄", [("通讯员", "王五", "摄"), ("记者", "赵六", "摄")]),
        ("②3 许 文 摄", [(None, "许文", "摄")]),
        ("本报记者 苏 晴 摄（新华社发）", [("记者", "苏晴", "摄")]),
        ("□本报评论员", [("评论员", "本报评论员", None)]),
        ("本报评论员", [("评论员", "本报评论员", None)]),
        ("新华社评论员", [("评论员", "新华社评论员", None)]),
        ("人民日报评论员", [("评论员", "人民日报评论员", None)]),
        ("■本报特约评论员 何 平", [("特约评论员", "何平", None)]),
        ("参与记者：刘 一、张 二", [("参与记者", "刘一", None), ("参与记者", "张二", None)]),
        ("文/图 记者 张三", [("记者", "张三", "文/图")]),
    ],
)
def test_credit_and_pen_name_variants(line: str, expected: list[tuple[str | None, str, str | None]]) -> None:
    found = parse_byline(line)
    assert found is not None
    assert [(c.role, c.name, c.credit) for c in found] == expected


@pytest.mark.parametrize("line", ["（记者 郑 海", "通讯员 蔡明辉）", "评论员说得对"])
def test_half_credits_and_lookalikes_are_not_bylines(line: str) -> None:
    assert parse_byline(line) is None


@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("措施落实到位。（新华社杭州3月2日电 记者王 立、陈 明）", [("记者", "王立"), ("记者", "陈明")]),
        ("项目建设。（记者 张三 通讯员 李四）", [("记者", "张三"), ("通讯员", "李四")]),
        (
            "增长势头。（新华社北京4月12日电 参与记者：刘 一、张 二）",
            [("参与记者", "刘一"), ("参与记者", "张二")],
        ),
        ("会议认为（见附件）", []),
        ("区(县)考核", []),
    ],
)
def test_closing_credits(text: str, people: list[tuple[str, str]]) -> None:
    assert [(c.role, c.name) for c in closing_credit(text)] == people


@pytest.mark.parametrize(
    ("raw", "joined"),
    [
        (
            "本报讯(记者 张 三 通讯员 李四) 3月5日,区里 召开会议。",
            "本报讯(记者 张三 通讯员 李四) 3月5日,区里召开会议。",
        ),
        (
            "本报讯（全媒体记者 王 鹏　见习记者 孙小雨）记者 从区里获悉。",
            "本报讯（全媒体记者 王鹏 见习记者 孙小雨）记者从区里获悉。",
        ),
        ("建设。（记者 郑 海 通讯员 蔡明辉）", "建设。（记者 郑海 通讯员 蔡明辉）"),
        ("（参与记者： 韩 冬、石 磊）", "（参与记者：韩冬、石磊）"),
        ("区(县)考 核与园区(园区)考核", "区(县)考核与园区(园区)考核"),
        ("本报讯（全媒体记者王鹏）记者从 区里获悉", "本报讯（全媒体记者王鹏）记者从区里获悉"),
    ],
)
def test_wrap_repair_never_joins_a_role_and_a_name(raw: str, joined: str) -> None:
    assert join_text(raw) == joined


def _heading(text: str, *lines: float) -> Block:
    return Block(kind="title", text=text, line=1, segment_lengths=lines or (float(len(text)),))


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([_heading("引题—— 主题在这里", 4, 5)], ("引题——", "主题在这里", None)),
        ([_heading("主题在这里 ——副题也在这里", 5, 8)], (None, "主题在这里", "——副题也在这里")),
        (
            [_heading("书记在调研时强调 打造基层治理品牌", 8, 8)],
            ("书记在调研时强调", "打造基层治理品牌", None),
        ),
        (
            [_heading("以考促干以考争先 为奋力推动高质量发展汇聚动能", 8, 16)],
            (None, "以考促干以考争先 为奋力推动高质量发展汇聚动能", None),
        ),
        (
            [_heading("城市书房 点亮夜读 十八个城市书房延长开放至晚上十点", 4, 4, 18)],
            (None, "城市书房 点亮夜读", "十八个城市书房延长开放至晚上十点"),
        ),
        ([_heading("——一位乡村教师的三十年")], (None, None, "——一位乡村教师的三十年")),
        (
            [_heading("山村教师 三十年坚守", 4, 5), _heading("一位乡村教师和他的学生们的故事")],
            (None, "山村教师 三十年坚守", "一位乡村教师和他的学生们的故事"),
        ),
        (
            [_heading("省委书记在会上指出"), _heading("以更大力度稳住经济大盘")],
            ("省委书记在会上指出", "以更大力度稳住经济大盘", None),
        ),
        ([_heading("一句引题放在上面"), _heading("主题在下面")], ("一句引题放在上面", "主题在下面", None)),
    ],
)
def test_heading_decks(blocks: list[Block], expected: tuple[str | None, str | None, str | None]) -> None:
    assert decks(blocks) == expected


def test_a_cut_word_waits_for_its_completion_past_a_fresh_paragraph() -> None:
    text = (
        "本报讯 河道清淤已完成七成，余下工段将在汛期前完\n\n社区图书角开放\n\n"
        "本报讯 社区图书角昨日开放，图书均由居民捐赠。\n\n借阅实行自助登记，全天开放。\n\n"
        "工。届时河道行洪能力将明显提升。\n"
    )
    first, second = parse_text(text).items
    assert first.text.endswith("汛期前完工。届时河道行洪能力将明显提升。")
    assert second.paragraphs[-1] == "借阅实行自助登记，全天开放。"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("城东新区建设提速 3版 城建", "pointer"),
        ("老字号焕发新活力 详见第4版", "pointer"),
        ("详见第4版", "pointer"),
        ("星期一", "masthead"),
        ("代号31-88", "masthead"),
        ("今日导读", "masthead"),
        ("第一批客房改造完成", None),
        ("要闻", None),
    ],
)
def test_pointers_and_masthead_leftovers(text: str, reason: str | None) -> None:
    assert furniture_reason(text) == reason


@pytest.mark.parametrize(
    ("text", "number", "section"),
    [
        ("第2版 综合", 2, "综合"),
        ("2023年6月27日 星期二 第3版 民生", 3, "民生"),
        ("人民日报 2023年10月15日 第A04版：要闻", 4, "要闻"),
        ("要闻 2版", 2, "要闻"),
    ],
)
def test_page_headers_still_read(text: str, number: int, section: str) -> None:
    header = read_page_header(text)
    assert header is not None and (header.number, header.section) == (number, section)


@pytest.mark.parametrize("text", ["城东新区建设提速 3版 城建", "老街新貌吸引八方游客 5版"])
def test_a_teasers_pointer_is_not_a_page_header(text: str) -> None:
    assert read_page_header(text) is None


def test_a_date_alone_inside_an_article_stays_text_and_never_dates_the_issue() -> None:
    text = (
        "一座老桥的百年记忆\n\n■记者 秦 川\n\n本报讯 老桥今年迎来建成一百周年，居民整理了大事记。\n\n"
        "1985年10月1日\n\n老桥完成第一次大修，桥面铺上了青石板。\n"
    )
    issue = parse_text(text)
    assert issue.date is None
    assert issue.items[0].paragraphs[1:] == ("1985年10月1日", "老桥完成第一次大修，桥面铺上了青石板。")


def test_a_letter_spaced_heading_after_the_nameplate_is_a_headline() -> None:
    text = "江 南 晨 报\n\n要 闻 周 报\n\n本报讯 过去一周，全市重点工作有序推进。\n"
    issue = parse_text(text)
    assert issue.items[0].headline == "要闻周报"
    assert "江南晨报" in issue.dropped


@pytest.mark.parametrize("text", ["文件名奇特的第2版稿件", "第3版新闻标题", "本报第2版编辑部迎来新成员"])
def test_a_headline_naming_a_page_is_no_pointer(text: str) -> None:
    assert furniture_reason(text) is None
