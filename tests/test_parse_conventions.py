"""The trade's conventions, each on a short page written for the test."""

from __future__ import annotations

import datetime as dt

import pytest

from feedsvc.parse import derive_title
from feedsvc.parse.bylines import parse_byline, parse_dateline, split_credit_tail
from tests.parse_helpers import parse_text, people, squash

BODY = "会议强调，要坚持稳中求进工作总基调，推动经济社会高质量发展。"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("■记者 张三", [("记者", "张三", None)]),
        ("■首席记者 赵一霖", [("首席记者", "赵一霖", None)]),
        ("本报记者 张三 李四", [("记者", "张三", None), ("记者", "李四", None)]),
        ("全媒体记者 王鹏", [("全媒体记者", "王鹏", None)]),
        ("见习记者 刘 洋", [("见习记者", "刘洋", None)]),
        ("■记者 张三 实习生 李四", [("记者", "张三", None), ("实习生", "李四", None)]),
        (
            "■记者 张三 通讯员 李四、王五",
            [("记者", "张三", None), ("通讯员", "李四", None), ("通讯员", "王五", None)],
        ),
        ("特约记者 欧阳晓明", [("特约记者", "欧阳晓明", None)]),
        ("□本报评论员", [("评论员", "本报评论员", None)]),
        ("记者 李  舸 摄", [("记者", "李舸", "摄")]),
        ("本报记者　李　舸　摄", [("记者", "李舸", "摄")]),
        ("通讯员 张祥荣 摄", [("通讯员", "张祥荣", "摄")]),
        ("记者 张三 摄影报道", [("记者", "张三", "摄影报道")]),
        ("文/图 记者 张三", [("记者", "张三", "文/图")]),
        ("(记者 张三 通讯员 李四)", [("记者", "张三", None), ("通讯员", "李四", None)]),
        ("记者王比学", [("记者", "王比学", None)]),
        ("新华社记者 张三 摄", [("记者", "张三", "摄")]),
        ("记者 阿不都·热合曼", [("记者", "阿不都·热合曼", None)]),
    ],
)
def test_bylines(line: str, expected: list[tuple[str | None, str, str | None]]) -> None:
    found = parse_byline(line)
    assert found is not None
    assert [(c.role, c.name, c.credit) for c in found] == expected


@pytest.mark.parametrize(
    "line", ["张三", "区委常委会会议", "记者", "■记者 这是一句很长的不是名字的话", "记者节快乐"]
)
def test_not_bylines(line: str) -> None:
    assert parse_byline(line) is None


@pytest.mark.parametrize(
    ("text", "dateline", "people_"),
    [
        ("本报讯 6月25日,区委常委会召开会议。", "本报讯 6月25日", []),
        ("本报讯(记者 张三 通讯员 李四)近日,", "本报讯", [("记者", "张三"), ("通讯员", "李四")]),
        ("本报讯（全媒体记者王鹏）记者从区交通局获悉，", "本报讯", [("全媒体记者", "王鹏")]),
        ("本报北京10月14日电 （记者王比学）全国人大常委会", "本报北京10月14日电", [("记者", "王比学")]),
        (
            "新华社北京10月14日电（记者 张三、李四）",
            "新华社北京10月14日电",
            [("记者", "张三"), ("记者", "李四")],
        ),
        ("据新华社北京10月14日电 国务院", "据新华社北京10月14日电", []),
    ],
)
def test_datelines(text: str, dateline: str, people_: list[tuple[str, str]]) -> None:
    found = parse_dateline(text)
    assert found is not None
    assert found.text == dateline
    assert [(c.role, c.name) for c in found.contributors] == people_


def test_plain_words_ending_in_xun_are_not_datelines() -> None:
    assert parse_dateline("资讯 今天发布") is None


def test_byline_inside_dateline_credits_the_item_and_stays_in_the_body() -> None:
    issue = parse_text(f"区里召开会议\n\n本报讯(记者 张三 通讯员 李四) 6月25日,{BODY}\n")
    (item,) = issue.items
    assert people(item) == [("记者", "张三", None), ("通讯员", "李四", None)]
    assert item.paragraphs[0].startswith("本报讯")
    assert item.dateline == "本报讯 6月25日"


def test_kicker_headline_subtitle_and_byline() -> None:
    text = "区委书记在调研时强调\n\n打造基层治理品牌\n\n——全区推进网格议事日工作\n\n■记者 张三\n\n" + BODY
    (item,) = parse_text(text).items
    assert (item.kicker, item.headline, item.subtitle) == (
        "区委书记在调研时强调",
        "打造基层治理品牌",
        "——全区推进网格议事日工作",
    )
    assert not item.title_derived


def test_spaces_of_column_wraps_go_latin_and_number_spaces_stay() -> None:
    text = "标题在这里\n\n■记者 张三\n\n本报讯 全区综 合考核工作推进会召开,是钱塘打造美丽乡村 3.0 的重要抓手, 见 COVID 19 报告。\n"
    (item,) = parse_text(text).items
    assert item.paragraphs == (
        "本报讯全区综合考核工作推进会召开,是钱塘打造美丽乡村 3.0 的重要抓手,见 COVID 19 报告。",
    )


def test_body_split_mid_word_across_blocks_is_joined() -> None:
    text = "标题在这里\n\n■记者 张三\n\n本报讯 会议要求各部门抓紧抓实各项工作,结\n\n合主题教育开展大学习大讨论。\n\n会议强调,要切实推动工作取得实效。\n"
    (item,) = parse_text(text).items
    assert item.paragraphs == (
        "本报讯会议要求各部门抓紧抓实各项工作,结合主题教育开展大学习大讨论。",
        "会议强调,要切实推动工作取得实效。",
    )


def test_spliced_photo_caption_becomes_its_own_item_and_credit_finds_it() -> None:
    body_a = (
        "本报讯 新区党工委书记金承涛专题调研网格议 事日工作。他强调要坚持和发展新时代枫 桥经验,要做深做实、加"
    )
    caption = "钱塘绿岛开放 位于河庄街道江东村的钱 塘绿岛项目,总面积约为7万平 方米,是钱塘打造美丽乡村的 重要抓手。据悉该项目即将开放。"
    rest = "大推广,充分调动各种力量参 与,因地制宜打造社区特色品 牌,唱好整体协奏曲。"
    text = f"打造基层治理品牌\n\n■记者 董笑瑜\n\n{body_a}\n\n{caption}\n\n{rest}\n\n通讯员 张祥荣 摄\n"
    issue = parse_text(text)
    article, photo = issue.items
    assert article.text.endswith(
        "要做深做实、加大推广,充分调动各种力量参与,因地制宜打造社区特色品牌,唱好整体协奏曲。"
    )
    assert photo.kind == "photo" and photo.headline == "钱塘绿岛开放"
    assert people(photo) == [("通讯员", "张祥荣", "摄")]
    assert any("caption" in w for w in issue.warnings)


def test_lost_headline_gets_a_derived_title_and_keeps_its_place() -> None:
    text = f"第一篇的标题\n\n■记者 张三\n\n本报讯 {BODY}\n\n■记者 李四\n\n本报讯 6月23日下午,新区党工委书记、区委书记金承涛开展安全生产和防汛备汛工作督导检查。他强调,要守牢底线。\n"
    first, second = parse_text(text).items
    assert first.headline == "第一篇的标题"
    assert second.headline is None and second.title_derived
    assert second.title.startswith("新区党工委书记") and len(second.title) <= 30
    assert people(second) == [("记者", "李四", None)]


@pytest.mark.parametrize(
    ("lead", "title"),
    [
        ("本报讯 6月25日,区委常委会召开会议。", "区委常委会召开会议"),
        (
            "本报讯(记者 张三) 近日,一场别开生面的邻里节在白杨街道举行,居民们纷纷拿出拿手好菜。",
            "近日,一场别开生面的邻里节在白杨街道举行",
        ),
        (
            "新区党工委书记、区委书记金承涛开展安全生产和防汛备汛工作督导检查。",
            "新区党工委书记、区委书记金承涛开展安全生产和防汛备汛工作督…",
        ),
    ],
)
def test_derived_titles(lead: str, title: str) -> None:
    assert derive_title(lead) == title


def test_derived_title_cuts_at_a_clause_boundary() -> None:
    title = derive_title(
        "本报讯 全区综合考核工作推进会在区行政中心召开,区领导出席会议并讲话,各部门负责人参加了这次会议。"
    )
    assert title == "全区综合考核工作推进会在区行政中心召开,区领导出席会议并讲话"
    assert len(derive_title("本报讯 " + "长" * 25 + ",然后是第二个分句的内容很长很长很长,第三个分句。")) == 25


def test_page_furniture_is_dropped_and_listed() -> None:
    text = (
        "2023年6月26 农历癸卯年五月初九 今日4版总第521期\n\n主办 中共钱塘区委 出版 杭州日报报业集团\n\n"
        "QIANTANG NEW AREA DAILY\n\n82987136\n\n投稿邮箱 news@example.com 征订服务热线 83523999\n\n"
        f"标题在这里\n\n■记者 张三\n\n本报讯 {BODY}\n\n调\n\n倒计时89天\n"
    )
    issue = parse_text(text)
    assert len(issue.items) == 1 and issue.items[0].text == "本报讯" + BODY.replace("本报讯", "")
    assert issue.date == dt.date(2023, 6, 26) and issue.issue_number == 521 and issue.page_count == 4
    assert issue.lunar_date == "癸卯年五月初九"
    for piece in ("QIANTANG NEW AREA DAILY", "82987136", "调", "倒计时89天"):
        assert piece in issue.dropped
    assert issue.pages[0].number == 1 and issue.pages[0].number_from == "masthead"
    assert issue.pages[0].section == "要闻" and issue.pages[0].section_from == "config"


@pytest.mark.parametrize(
    ("header", "number", "section"),
    [
        ("第2版 综合", 2, "综合"),
        ("A2版:要闻", 2, "要闻"),
        ("第A05版：要闻", 5, "要闻"),
        ("2023年6月27日 星期二 第3版 民生", 3, "民生"),
    ],
)
def test_page_headers(header: str, number: int, section: str) -> None:
    (page,) = parse_text(f"{header}\n\n标题在这里\n\n■记者 张三\n\n本报讯 {BODY}\n").pages
    assert (page.number, page.section, page.number_from, page.section_from) == (
        number,
        section,
        "header",
        "header",
    )


def test_form_feeds_split_pages_and_number_them() -> None:
    page = "标题{n}\n\n■记者 张三\n\n本报讯 {body}\n"
    text = (
        "第1版 要闻\n\n"
        + page.format(n="一", body=BODY)
        + "\f"
        + "第2版 综合\n\n"
        + page.format(n="二", body=BODY)
    )
    issue = parse_text(text)
    assert [(p.number, p.section) for p in issue.pages] == [(1, "要闻"), (2, "综合")]
    assert [i.headline for i in issue.items] == ["标题一", "标题二"]


def test_trailing_byline_and_jump_line() -> None:
    text = f"标题在这里\n\n本报讯 {BODY}(通讯员 赵六)\n\n区里还将继续推进相关工作。\n\n（下转第3版）\n"
    (item,) = parse_text(text).items
    assert people(item) == [("通讯员", "赵六", None)]
    assert item.paragraphs[-1] == "区里还将继续推进相关工作。"


def test_commentary_piece() -> None:
    text = f"坚定不移推动高质量发展\n\n□本报评论员\n\n{BODY}\n\n各地区各部门要完整准确全面贯彻新发展理念。\n"
    (item,) = parse_text(text).items
    assert item.headline == "坚定不移推动高质量发展"
    assert people(item) == [("评论员", "本报评论员", None)]


def test_photo_report_with_rubric_and_padded_credit() -> None:
    text = f"标题在这里\n\n■记者 张三\n\n本报讯 {BODY}\n\n图片报道\n\n秋收时节，河北省邯郸市农民在田间收获玉米。\n\n本报记者  李  舸摄\n"
    article, photo = parse_text(text).items
    assert photo.kind == "photo"
    assert people(photo) == [("记者", "李舸", "摄")]
    assert squash(photo.text) == "秋收时节，河北省邯郸市农民在田间收获玉米。"
    assert people(article) == [("记者", "张三", None)]


def test_caption_with_credit_at_its_end() -> None:
    text = f"标题在这里\n\n■记者 张三\n\n本报讯 {BODY}\n\n6月25日,市民在钱塘绿岛游玩。 记者 李  舸 摄\n"
    article, photo = parse_text(text).items
    assert photo.kind == "photo" and people(photo) == [("记者", "李舸", "摄")]
    assert photo.text == "6月25日,市民在钱塘绿岛游玩。"
    assert article.text.endswith(BODY)


def test_one_visual_line_per_line_variant_with_indents() -> None:
    text = (
        "全国人大常委会召开会议\n审议多部法律草案\n\n"
        "本报北京10月14日电  （记者王比学）十四届全国人大常委会\n第六次会议14日在北京举行。\n"
        "　　会议听取了关于\n草案修改情况的汇报。\n"
    )
    (item,) = parse_text(text).items
    assert squash(item.headline) == "全国人大常委会召开会议审议多部法律草案"
    assert item.paragraphs == (
        "本报北京10月14日电（记者王比学）十四届全国人大常委会第六次会议14日在北京举行。",
        "会议听取了关于草案修改情况的汇报。",
    )
    assert people(item) == [("记者", "王比学", None)]


def test_interleaved_columns_are_put_back_together() -> None:
    a1 = "本报讯 6月26日,白杨 街道在伊萨卡社区举办第三届邻 里节,来自辖区各社区的居民代 表和志愿者共计三百余人参加了"
    b1 = "本报讯 记者从区交通运输局获悉,为方便大学城师生出行,下沙 大学城新增三条公交线路,将于7月1日起正式开通运营。新线"
    a2 = "此次活动。活动现场设置了美食 分享、手工制作、文艺表演等多 个板块,居民们纷纷拿出自家的"
    b2 = "路分别连接地铁站、高铁站和主要商圈,发车间隔为15分钟 至20分钟,首末班时间与地铁运营时间相衔接。"
    text = f"邻里节活动举办\n\n■记者 张三\n\n新增三条公交线路\n\n■记者 李四\n\n{a1}\n\n{b1}\n\n{a2}\n\n{b2}\n\n拿手好菜,邻里其乐融融。\n"
    a, b = parse_text(text).items
    assert a.text.endswith(
        "共计三百余人参加了此次活动。活动现场设置了美食分享、手工制作、文艺表演等多个板块,居民们纷纷拿出自家的拿手好菜,邻里其乐融融。"
    )
    assert b.text.endswith(
        "正式开通运营。新线路分别连接地铁站、高铁站和主要商圈,发车间隔为15分钟至20分钟,首末班时间与地铁运营时间相衔接。"
    )
    assert (a.headline, b.headline) == ("邻里节活动举办", "新增三条公交线路")


def test_credit_tail_only_for_photographers() -> None:
    assert split_credit_tail("会议召开。记者 张三")[1] == ()
    assert split_credit_tail("市民游玩。(记者 张三 摄)")[1][0].name == "张三"
