"""Seeded text for generated pages: people, bylines, datelines, headlines, sentences, captions.

Everything is drawn from a `random.Random` the caller seeds, so the same seed gives the same page.
The pieces follow the trade's conventions (roles, datelines, credits), not one paper's strings, and
avoid what a page prints only as furniture (phone numbers, page references, mail addresses).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然子轩欣怡思雨梓涵俊博文佳琪一鸣晓峰海燕志远建国丹阳晨曦嘉诚雅婷瑞雪立新永辉春梅国庆亚楠笑瑜奕钧祥荣霖炜"
WRITER_ROLES = ("记者", "记者", "记者", "首席记者", "见习记者", "全媒体记者", "融媒体记者", "特约记者")
HELPER_ROLES = ("通讯员", "通讯员", "实习生")
PHOTO_ROLES = ("记者", "通讯员", "通讯员", "首席记者")
MARKS = ("■", "■", "□", "●", "")
CITIES = ("北京", "上海", "杭州", "广州", "成都", "武汉", "西安", "南京", "长沙", "郑州")

PLACES = (
    "下沙街道",
    "白杨街道",
    "河庄街道",
    "义蓬街道",
    "新湾街道",
    "临江街道",
    "前进街道",
    "江东村",
    "滨江社区",
    "伊萨卡社区",
    "向涛社区",
    "东湖公园",
    "科创园区",
    "智造小镇",
    "大学城",
    "湿地公园",
)
ACTORS = (
    "区委",
    "区政府",
    "管委会",
    "区人大常委会",
    "区政协",
    "区发改局",
    "区教育局",
    "区卫健局",
    "区市场监管局",
    "区住建局",
    "区文旅局",
    "区总工会",
    "团区委",
    "区妇联",
    "区科技局",
    "区应急管理局",
)
TOPICS = (
    "基层治理",
    "营商环境",
    "乡村振兴",
    "安全生产",
    "防汛备汛",
    "垃圾分类",
    "老旧小区改造",
    "数字经济",
    "人才引进",
    "文明创建",
    "共同富裕",
    "生态保护",
    "养老服务",
    "义务教育",
    "医疗保障",
    "科技创新",
    "交通治堵",
    "消费提振",
    "文化惠民",
    "亚运筹备",
    "产业升级",
    "社区服务",
)
VERBS = ("推进", "部署", "调研", "督查", "研究", "启动", "完成", "召开", "举办", "开展", "落实", "深化")
ADJ = ("扎实", "全力", "持续", "稳步", "高质量", "精准", "全面", "有序", "加快", "深入")
GOALS = (
    "确保各项任务落地见效",
    "让群众有更多获得感",
    "为高质量发展注入新动能",
    "形成可复制可推广的经验",
    "守牢安全底线",
    "打造一流营商环境",
    "推动工作走深走实",
    "切实解决群众急难愁盼问题",
    "跑出发展加速度",
    "筑牢民生保障网",
)
PEOPLE_WORDS = (
    "居民",
    "企业",
    "游客",
    "学生",
    "志愿者",
    "党员干部",
    "网格员",
    "医护人员",
    "外卖小哥",
    "老年人",
)
UNITS = ("个", "家", "项", "名", "户", "处", "场", "人次", "万元", "亿元", "平方米", "公里")
PHOTO_SCENES = (
    "工人们在施工现场作业",
    "市民在公园里散步休闲",
    "孩子们在课堂上体验科学实验",
    "志愿者为老人测量血压",
    "农户在田间采收蔬菜",
    "游客在湿地公园拍照留念",
    "消防员开展应急演练",
    "运动员在场馆内训练",
    "工作人员检查燃气管道",
    "居民在社区食堂就餐",
    "技术人员调试生产线",
    "学生们参观科技展",
)
PHOTO_TITLES = (
    "绿岛即将开放",
    "夏日田间忙",
    "科普进校园",
    "健康送上门",
    "新馆迎客来",
    "安全记心间",
    "运河夜景美",
    "丰收好时节",
    "车间赶订单",
    "湿地鸟儿多",
    "社区食堂开张",
    "演练保平安",
    "志愿服务暖人心",
)
BRIEF_RUBRICS = ("简讯", "新闻速递", "要闻简报", "本地快讯", "民生简讯")
TEASER_RUBRICS = ("导读", "今日导读", "要闻提示")
SECTIONS = ("要闻", "综合", "民生", "经济", "社会", "文体", "副刊", "区域", "视点", "时评")
PAPERS = (
    ("钱塘新区报", "QIANTANG NEW AREA DAILY"),
    ("江东日报", "JIANGDONG DAILY"),
    ("滨海晚报", "BINHAI EVENING NEWS"),
    ("临川时报", "LINCHUAN TIMES"),
    ("新城早报", "XINCHENG MORNING POST"),
)
PUBLISHERS = ("中共钱塘区委", "中共滨海区委", "中共临川市委", "新城日报社", "江东传媒集团")
STEMS = "甲乙丙丁戊己庚辛壬癸"
BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
LUNAR_MONTHS = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊")
LUNAR_DAYS = tuple(
    [f"初{c}" for c in "一二三四五六七八九十"]
    + [f"十{c}" for c in "一二三四五六七八九"]
    + ["二十"]
    + [f"廿{c}" for c in "一二三四五六七八九"]
    + ["三十"]
)
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Person:
    role: str | None
    name: str
    credit: str | None = None

    def truth(self) -> dict[str, str | None]:
        return {"role": self.role, "name": self.name, "credit": self.credit}


class Writer:
    """The text source of one page: a seeded random generator and the pieces built from it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._names: set[str] = set()

    # -- people ---------------------------------------------------------------------------------
    def name(self) -> str:
        """A fresh name, 2 or 3 characters, never the same twice on one page."""
        while True:
            given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            name = self.rng.choice(SURNAMES) + given
            if name not in self._names:
                self._names.add(name)
                return name

    def writers(self) -> list[Person]:
        """Who wrote an article: one or two reporters of one role, perhaps a 通讯员 or 实习生 too."""
        role = self.rng.choice(WRITER_ROLES)
        people = [Person(role, self.name()) for _ in range(self.rng.choice((1, 1, 1, 2)))]
        if self.rng.random() < 0.35:
            people.append(Person(self.rng.choice(HELPER_ROLES), self.name()))
        return people

    def photographer(self) -> tuple[Person, str]:
        """A photo credit and its printed line: `通讯员 张三 摄`, `本报记者 李舸摄`, `记者 王五 摄影报道`."""
        role = self.rng.choice(PHOTO_ROLES)
        credit = self.rng.choice(("摄", "摄", "摄", "摄影报道"))
        person = Person(role, self.name(), credit)
        shown = ("本报" + role) if role == "记者" and self.rng.random() < 0.4 else role
        gap = "" if self.rng.random() < 0.3 else " "
        return person, f"{shown} {person.name}{gap}{credit}"

    def byline(self, people: list[Person], mark: str) -> str:
        """`■记者 张三 李四 通讯员 王五` (people of one role share it; a two-character name may be
        padded to line up with three-character ones: `李　舸`, `李  舸`)."""
        pad = self.rng.choice(("", "", "", "\u3000", "  "))
        parts: list[str] = []
        role: str | None = None
        for p in people:
            name = p.name[0] + pad + p.name[1] if len(p.name) == 2 else p.name
            if p.role != role:
                parts.append(f"{p.role} {name}")
                role = p.role
            else:
                parts.append(name)
        return mark + " ".join(parts)

    # -- dates and datelines ----------------------------------------------------------------------
    def date(self) -> dt.date:
        return dt.date(2019, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 8 * 365))

    def lunar(self, day: dt.date) -> str:
        year = day.year - 1 if day.month < 2 else day.year
        cycle = (year - 4) % 60
        month = LUNAR_MONTHS[(day.month + 10) % 12]
        return f"{STEMS[cycle % 10]}{BRANCHES[cycle % 12]}年{month}月{LUNAR_DAYS[(day.day + 7) % 30]}"

    def dateline(self, people: list[Person] | None) -> str:
        """`本报讯`, `本报讯（记者 张三）`, `新华社北京6月25日电`; `people` given: printed inside."""
        if people:
            inner = " ".join(f"{p.role} {p.name}" for p in people)
            return f"本报讯（{inner}）" if self.rng.random() < 0.8 else f"本报讯 ({inner})"
        pick = self.rng.random()
        if pick < 0.7:
            return "本报讯"
        m, d = self.rng.randint(1, 12), self.rng.randint(1, 28)
        city = self.rng.choice(CITIES)
        return f"新华社{city}{m}月{d}日电" if pick < 0.9 else f"本报{city}{m}月{d}日电"

    # -- headings ---------------------------------------------------------------------------------
    def headline(self, long: bool = False) -> str:
        r = self.rng
        forms = (
            lambda: f"{r.choice(PLACES)}{r.choice(ADJ)}{r.choice(VERBS)}{r.choice(TOPICS)}工作",
            lambda: f"{r.choice(ACTORS)}{r.choice(VERBS)}{r.choice(TOPICS)}",
            lambda: f"{r.choice(TOPICS)}跑出“加速度”",
            lambda: f"{r.choice(PLACES)}：{r.choice(TOPICS)}有了新样板",
            lambda: f"{r.randint(2, 60)}{r.choice(UNITS[:6])}{r.choice(TOPICS)}项目集中开工",
            lambda: f"让{r.choice(TOPICS)}更有温度",
        )
        text = r.choice(forms)()
        if long:
            text = f"{text} {r.choice(GOALS)}"
        return text

    def kicker(self) -> str:
        r = self.rng
        forms = (
            lambda: f"{self.name()}在{r.choice(TOPICS)}工作推进会上强调",
            lambda: f"{self.name()}专题调研{r.choice(TOPICS)}工作时指出",
            lambda: f"聚焦{r.choice(TOPICS)} {r.choice(ADJ)}{r.choice(VERBS)}",
            lambda: f"{r.choice(ACTORS)}召开专题会议",
        )
        return r.choice(forms)()

    def subtitle(self) -> str:
        r = self.rng
        return r.choice(
            (
                f"——{r.choice(PLACES)}{r.choice(TOPICS)}工作见闻",
                f"——写在{r.choice(TOPICS)}三周年之际",
                f"——{r.choice(ACTORS)}{r.choice(VERBS)}{r.choice(TOPICS)}纪实",
            )
        )

    # -- body text --------------------------------------------------------------------------------
    def sentence(self) -> str:
        r = self.rng
        n = r.randint(2, 980)
        forms = (
            lambda: (
                f"{r.randint(1, 12)}月{r.randint(1, 28)}日，{r.choice(ACTORS)}{r.choice(VERBS)}"
                f"{r.choice(TOPICS)}工作，{r.choice(GOALS)}。"
            ),
            lambda: (
                f"截至目前，{r.choice(PLACES)}已累计{r.choice(VERBS)}{r.choice(TOPICS)}项目{n}"
                f"{r.choice(UNITS)}，同比增长{r.randint(1, 60)}.{r.randint(0, 9)}%。"
            ),
            lambda: (
                f"“{r.choice(TOPICS)}关系千家万户，我们要{r.choice(ADJ)}做好每一件小事。”"
                f"{r.choice(PLACES)}负责人{self.name()}说。"
            ),
            lambda: (
                f"据了解，该项目总投资约{n}万元，建成后将惠及周边{r.randint(2, 90)}个小区的"
                f"{r.choice(PEOPLE_WORDS)}。"
            ),
            lambda: (
                f"会议要求，要坚持问题导向，{r.choice(ADJ)}{r.choice(VERBS)}{r.choice(TOPICS)}，"
                f"{r.choice(GOALS)}，{r.choice(GOALS)}。"
            ),
            lambda: (
                f"在{r.choice(PLACES)}，{r.choice(PEOPLE_WORDS)}们正忙着{r.choice(VERBS)}"
                f"{r.choice(TOPICS)}相关工作，现场一片繁忙景象。"
            ),
            lambda: (
                f"下一步，{r.choice(ACTORS)}将围绕{r.choice(TOPICS)}和{r.choice(TOPICS)}，"
                f"推出{r.randint(3, 30)}项具体举措，{r.choice(GOALS)}。"
            ),
            lambda: (
                f"今年以来，全区通过“{r.choice(TOPICS)}+{r.choice(TOPICS)}”模式，"
                f"服务{r.choice(PEOPLE_WORDS)}超过{n}{r.choice(('人次', '户', '家'))}。"
            ),
            lambda: (
                f"{r.choice(ACTORS)}相关负责人介绍，{r.choice(TOPICS)}已纳入年度重点工作，"
                f"并引入5G、AI等新技术，{r.choice(GOALS)}。"
            ),
            lambda: f"活动现场，{r.choice(PEOPLE_WORDS)}纷纷表示，{r.choice(TOPICS)}让生活更方便了。",
            lambda: f"2022年度，{r.choice(PLACES)}{r.choice(TOPICS)}考核位列全区第{r.randint(1, 9)}名。",
        )
        return r.choice(forms)()

    def paragraphs(self, first: str, count: int) -> list[str]:
        """`count` sentences in paragraphs of 1-4 sentences; `first` opens the first paragraph."""
        paras: list[str] = [first]
        for _ in range(count):
            if len(paras[-1]) > len(first) + 40 and self.rng.random() < 0.35:
                paras.append("")
            paras[-1] += self.sentence()
        return paras

    def caption(self) -> tuple[str | None, str]:
        """A photo caption: (title or None, text)."""
        r = self.rng
        scene = r.choice(PHOTO_SCENES)
        place = r.choice(PLACES)
        if r.random() < 0.5:
            text = f"{r.randint(1, 12)}月{r.randint(1, 28)}日，{scene}。"
            if r.random() < 0.6:
                text += self.sentence()
            return (place[:2] + r.choice(PHOTO_TITLES) if r.random() < 0.5 else r.choice(PHOTO_TITLES)), text
        return None, f"图为{place}，{scene}。"

    def brief(self) -> tuple[str, str]:
        r = self.rng
        return self.headline(), self.dateline(None) + " " + "".join(
            self.sentence() for _ in range(r.randint(1, 3))
        )
