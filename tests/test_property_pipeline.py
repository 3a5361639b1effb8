"""Property: any newspaper-like page goes parse → store → publish without a crash or an invalid feed.

Hypothesis composes pages from realistic pieces — a masthead or page header (or neither: the file
name gives the date), kickers, headlines, subtitles, bylines (`■记者 张三`, several names, padded
names, photo credits), datelines (`本报讯 6月25日,`), body sentences, furniture (nameplate,
publisher, phone, e-mail, countdown, jump lines) — and sprinkles them with random unicode (control
characters, bidi marks, astral characters) and markup (`<script>`, `]]>`, entities, CDATA). Pages
are wrapped like column exports, sometimes with CRLF, several pages per file, in UTF-8, UTF-8 with
BOM, UTF-16 or GB18030. Two submissions go through `pipeline.ingest_file` one after the other (the
second often a correction of the first: an article dropped, edited or added).

Each must be published or refused with a ParseError, nothing else. Then every file in the output
folder is a valid document (feedparser without complaint and lxml for Atom, the JSON Feed 1.1
schema for JSON, whole HTML) with page markup escaped, every live entry has its article page, and
the output of the incremental ingests equals a full regenerate into an empty folder byte for byte.
Derandomized and modest in size, so it is deterministic and quick.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from feedsvc import pipeline
from feedsvc.config import PathSettings, Settings, load_settings
from feedsvc.errors import ParseError
from feedsvc.records import PAPER
from feedsvc.store import Store
from tests.e2e_helpers import write_config
from tests.fault_helpers import check_escaped, check_output, diff

NOW = dt.datetime(2023, 6, 30, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗郁董沈金钱"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚佳炜笑瑜祥荣一霖奕钧舸"
ROLES = (
    "记者",
    "首席记者",
    "本报记者",
    "全媒体记者",
    "融媒体记者",
    "见习记者",
    "实习生",
    "通讯员",
    "特约记者",
)
MARKS = ("■", "□", "●", "◆", "")
SECTIONS = ("要闻", "综合", "民生", "副刊", "经济", "文体")
HEADLINES = (
    "区委常委会会议传达学习贯彻重要批示精神",
    "以考促干以考争先",
    "打造具有钱塘特色基层治理品牌",
    "钱塘绿岛即将开放",
    "下沙大学城新增三条公交线路",
    "坚持统筹发展和安全 全力推动经济社会发展迈上新台阶",
    "图片新闻",
    "白杨街道举办社区邻里节活动",
)
SENTENCES = (
    "新区党工委书记、区委书记金承涛主持会议并讲话。",
    "会议指出,要深刻学习领悟内涵实质。",
    "活动现场设置了美食分享、手工制作、文艺表演等多个板块。",
    "居民们纷纷拿出自家的拿手好菜,邻里之间其乐融融。",
    "记者从区交通运输局获悉,为方便大学城师生出行,下沙大学城新增三条公交线路。",
    "全力以赴打好经济翻身仗,大力推动三个“一号工程”。",
    "该项目总面积约为7万平方米,是钱塘打造美丽乡村 3.0 的重要抓手。",
    "据悉,该项目即将面向市民开放。",
    "他强调,燃气安全无小事,要时刻绷紧安全生产这根弦。",
    "COVID 19 疫情期间,社区志愿者坚守一线。",
)
FURNITURE = (
    "主办 中共钱塘区委 出版 杭州日报报业集团",
    "QIANTANG NEW AREA DAILY",
    "82987136",
    "投稿邮箱 qtxqdaily@126.com 征订服务热线 江东片区:83523999",
    "倒计时89天",
    "责任编辑 王芳",
    "（下转第3版）",
    "调",
)
MARKUP = (
    "<script>alert(1)</script>",
    "]]>",
    "&amp;",
    "&lt;b&gt;",
    "<![CDATA[x]]>",
    "</p></div>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    '"引号"',
    "'单引号'",
)
ODD = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=0x1F),  # C0 controls
        st.sampled_from("\x7f\x85\u00a0\u200b\u200d\u202e\u202c\u2028\u2029\u3000\ufeff\ufffe\uffff\ufffd"),
        st.characters(min_codepoint=0x1F300, max_codepoint=0x1F64F),  # emoji
        st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),  # CJK extension B
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    min_size=1,
    max_size=6,
)


@st.composite
def person(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(SURNAMES)) + draw(st.text(alphabet=GIVEN, min_size=1, max_size=2))
    if len(name) == 2 and draw(st.booleans()):
        name = name[0] + draw(st.sampled_from(("  ", "\u3000"))) + name[1]  # padded to line up
    return name


@st.composite
def byline(draw: st.DrawFn) -> str:
    names = draw(st.lists(person(), min_size=1, max_size=3))
    text = (
        draw(st.sampled_from(MARKS))
        + draw(st.sampled_from(ROLES))
        + " "
        + draw(st.sampled_from((" ", "、"))).join(names)
    )
    if draw(st.booleans()):
        text += " 通讯员 " + draw(person())
    return text


@st.composite
def sentence(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SENTENCES))
    if draw(st.integers(0, 4)) == 0:  # now and then something hostile inside
        at = draw(st.integers(0, len(text)))
        noise = draw(st.one_of(st.sampled_from(MARKUP), ODD))
        text = text[:at] + noise + text[at:]
    return text


@dataclass(frozen=True)
class Article:
    kicker: str | None
    headline: str
    subtitle: str | None
    byline: str | None
    dateline: str
    paragraphs: tuple[tuple[str, ...], ...]
    photo_credit: str | None

    def blocks(self) -> list[str]:
        out = [b for b in (self.kicker, self.headline, self.subtitle, self.byline) if b]
        for n, para in enumerate(self.paragraphs):
            out.append((self.dateline if n == 0 else "") + "".join(para))
        if self.photo_credit:
            out.append(self.photo_credit)
        return out


@st.composite
def article(draw: st.DrawFn) -> Article:
    month, day = 6, draw(st.integers(1, 28))
    headline = draw(
        st.one_of(st.sampled_from(HEADLINES), st.builds(lambda h, n: h + n, st.sampled_from(HEADLINES), ODD))
    )
    return Article(
        kicker=draw(st.none() | st.just("金承涛在全区综合考核工作推进会上强调")),
        headline=draw(st.sampled_from(MARKUP)) + headline if draw(st.integers(0, 5)) == 0 else headline,
        subtitle=draw(st.none() | st.sampled_from(("——网格议事日工作调研", "——记钱塘区的一天"))),
        byline=draw(st.none() | byline()),
        dateline=draw(
            st.sampled_from(
                (
                    f"本报讯 {month}月{day}日,",
                    f"本报讯(记者 {draw(person())})",
                    f"本报北京{month}月{day}日电 （记者{draw(person())}）",
                    f"新华社北京{month}月{day}日电 ",
                    "",
                )
            )
        ),
        paragraphs=tuple(
            draw(st.lists(st.lists(sentence(), min_size=1, max_size=4).map(tuple), min_size=1, max_size=3))
        ),
        photo_credit=draw(st.none() | st.builds(lambda p: f"通讯员 {p} 摄", person())),
    )


@dataclass(frozen=True)
class Page:
    day: int
    number: int
    top: str  # masthead, page header or nothing
    articles: tuple[Article, ...]
    furniture: tuple[str, ...]
    wrap: int  # 0: one line per block; n: a space every n characters, as column exports have
    crlf: bool
    encoding: str

    def text(self) -> str:
        blocks = [self.top] if self.top else []
        blocks += self.furniture[:2]
        for art in self.articles:
            blocks += art.blocks()
        blocks += self.furniture[2:]
        if self.wrap:
            blocks = [" ".join(b[i : i + self.wrap] for i in range(0, len(b), self.wrap)) for b in blocks]
        text = "\n\n".join(blocks) + "\n"
        return text.replace("\n", "\r\n") if self.crlf else text


@st.composite
def page(draw: st.DrawFn) -> Page:
    day, number = draw(st.integers(20, 28)), draw(st.integers(1, 4))
    section = draw(st.sampled_from(SECTIONS))
    top = draw(
        st.sampled_from(
            (
                f"2023年6月{day} 农历癸卯年五月初九 今日4版总第521期" if number == 1 else "",
                f"第{number}版 {section}",
                f"A{number}版:{section}",
                f"2023年6月{day}日 星期二 第{number}版 {section}",
                "",
            )
        )
    )
    return Page(
        day=day,
        number=number,
        top=top,
        articles=tuple(draw(st.lists(article(), min_size=1, max_size=4))),
        furniture=tuple(draw(st.lists(st.sampled_from(FURNITURE), max_size=4))),
        wrap=draw(st.sampled_from((0, 0, 9, 13))),
        crlf=draw(st.booleans()),
        encoding=draw(st.sampled_from(("utf-8", "utf-8", "utf-8-sig", "utf-16", "gb18030"))),
    )


@st.composite
def correction(draw: st.DrawFn, first: Page) -> Page:
    """The same page again with an article dropped, one edited, or one added."""
    arts = list(first.articles)
    change = draw(st.sampled_from(("drop", "edit", "add")))
    if change == "drop" and len(arts) > 1:
        del arts[draw(st.integers(0, len(arts) - 1))]
    elif change == "edit":
        n = draw(st.integers(0, len(arts) - 1))
        arts[n] = replace(arts[n], paragraphs=(*arts[n].paragraphs, (draw(sentence()),)))
    else:
        arts.insert(draw(st.integers(0, len(arts))), draw(article()))
    return replace(first, articles=tuple(arts), encoding=draw(st.sampled_from(("utf-8", "gb18030"))))


@st.composite
def submissions(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    first = draw(page())
    second = draw(st.one_of(correction(first), page()))
    out = []
    for n, pg in enumerate((first, second)):
        if draw(st.integers(0, 5)) == 0:  # now and then two pages in one file
            text = (
                pg.text() + "\f" + replace(pg, number=pg.number + 4, top=f"第{pg.number + 4}版 综合").text()
            )
        else:
            text = pg.text()
        try:
            data = text.encode(pg.encoding)
        except UnicodeEncodeError:  # GB18030 covers all of Unicode, but not every lone code point
            data = text.encode("utf-8")
        out.append((f"qiantang-2023-06-{pg.day:02d}-p{pg.number}-{n}.txt", data))
    return out


def _settings(config: Path, root: Path, output: str = "feeds") -> Settings:
    base = load_settings(config, cwd=root)
    return base.model_copy(
        update={"paths": PathSettings(inbox=root / "inbox", store=root / "var", output=root / output)}
    )


def _tree(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(submissions())
def test_generated_pages_publish_valid_feeds(subs: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory(prefix="feedsvc-property-") as tmp:
        root = Path(tmp)
        config = write_config(root, port=8999)
        conf = _settings(config, root)
        for name, data in subs:
            path = root / name
            path.write_bytes(data)
            try:
                report = pipeline.ingest_file(conf, path, NOW)
            except ParseError as exc:
                event(f"refused: {exc.reason[:40]}")
                continue  # refused with a reason: allowed
            event("published" if report.written else "nothing to write")
        tree = _tree(conf.paths.output)
        check_output(tree, temp_allowed=False)
        for rel, doc in tree.items():
            check_escaped(rel, doc)
        if not (conf.paths.store / "feedsvc.sqlite3").exists():
            return
        with Store.open(conf.paths.store) as store:
            live = store.count(PAPER)
        assert len([r for r in tree if r.startswith("articles/")]) == live

        # the incremental outputs are exactly what a full build writes into an empty folder
        full = _settings(config, root, output="full")
        pipeline.regenerate(full, NOW)
        rebuilt = _tree(full.paths.output)
        assert rebuilt == tree, diff(rebuilt, tree)
