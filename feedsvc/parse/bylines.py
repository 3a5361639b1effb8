"""Contributors and datelines, by the conventions of Chinese newspapers.

Bylines:   ■记者 张三   ■首席记者 赵一霖   本报记者 张三 李四   记者 李  舸 摄   □本报评论员
           文/图 记者 张三   通讯员 张祥荣 摄   (记者 张三 通讯员 李四)   记者王比学
Datelines: 本报讯 6月25日   本报讯(记者 张三 通讯员 李四)   本报北京10月14日电 （记者王比学）
           新华社北京10月14日电   据新华社…电
Names padded with spaces or U+3000 to line up with three-character names (`李  舸`) are joined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from feedsvc.models import Contributor
from feedsvc.parse.text import join_wrapped

MARKERS = "■□●◆▲◎○★☆◇▌▍▎│|·•◥◤►▶"
_MARKER_RE = re.compile(f"^[{re.escape(MARKERS)}\\s]+")


def longest_first(words: Iterable[str]) -> tuple[str, ...]:
    """Words in the order a scan must try them: longest first, so that where one word begins
    another (摄影/摄影记者, 摄影/摄影报道) the longer one wins; ties in a fixed order."""
    return tuple(sorted(set(words), key=lambda w: (-len(w), w)))


# Roles as printed, tried longest first (longest_first). 本报 ("this paper's") is not a role.
_ROLES = longest_first(
    {
        "首席记者",
        "全媒体记者",
        "融媒体记者",
        "见习记者",
        "实习记者",
        "特约记者",
        "驻站记者",
        "摄影记者",
        "首席摄影记者",
        "记者",
        "实习生",
        "特约通讯员",
        "通讯员",
        "评论员",
        "特约评论员",
        "首席评论员",
        "参与记者",
        "特约撰稿人",
        "撰稿",
        "撰文",
        "摄影",
        "编译",
        "整理",
        "口述",
        "主持人",
        "策划",
    }
)
_ROLE_PREFIXES = ("本报", "本刊", "本台", "新华社", "中新社")
_PEN_ROLES = {"评论员", "特约评论员", "首席评论员"}  # a role that is its own name: □本报评论员
# A paper's or agency's 评论员 signs as a pen name: 本报评论员, 新华社评论员, 人民日报评论员.
_PEN_NAME = re.compile(
    r"(?P<org>本报|本刊|本台|新华社|中新社|[\u4e00-\u9fff]{1,8}(?:报|社|台|网|刊))?(?P<role>(?:特约|首席)?评论员)"
)
# Where a photo came from, printed after the credit: 张三摄（新华社发）, 张三 摄/视觉中国.
_PHOTO_SOURCE = re.compile(
    r"摄(?:\s*[（(][^（()）]{1,16}[）)]|\s*[/／]\s*[^\s/／（()）]{2,12}|\s+[\u4e00-\u9fff]{2,10}发)\s*$"
)
# A picture number before the photographer: `②3 许 文 摄`, `图① 张三 摄`.
_PICTURE_NUMBER = re.compile(r"^(?:图\s*)?[①-⑳\d][①-⑳\d、,，\s]*(?=[\u4e00-\u9fff])")
_PREFIX_CREDITS = longest_first(("文/图", "图/文", "文图", "图文", "文/", "图/", "摄/"))
_SUFFIX_CREDITS = longest_first(("摄影报道", "摄影", "摄", "报道", "供图", "制图", "绘"))
# Common Chinese surnames: an unmarked line (no ■, no parentheses) is a byline only if its names
# start with one, so that 记者节快乐 is not read as 记者 节快乐.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
    "孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦"
    "褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘"
    "池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆"
    "朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭"
    "况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
    "竺钮郦贝蔚阳凤鞠訾逄晏瞿靖谯晋糜怀充"
)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "端木",
    "轩辕",
    "呼延",
    "南宫",
    "独孤",
    "西门",
    "百里",
)


def has_surname(name: str) -> bool:
    return name[:1] in _SURNAMES or name.startswith(_COMPOUND_SURNAMES) or "·" in name


_NAME = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf·•]+")
_SEPARATORS = " \u3000、,，;；/"

_DATE = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})日"
_TIME_OF_DAY = r"(?:上午|下午|晚间|晚上|晚|凌晨|中午|早上|早晨|傍晚|夜间|清晨|深夜)?"
_AGENCY = r"(?:新华社|中新社|人民日报|人民网|新华网|央视网|中新网|光明网|央广网|中国新闻网|澎湃新闻)"
DATELINE_RE = re.compile(
    r"^[" + re.escape(MARKERS) + r"]?\s*"
    r"(?P<formula>本报讯|本报[^\s，,。：:（()）]{1,14}?电|据?"
    + _AGENCY
    + r"[^\s，,。：:（()）]{0,14}?(?:电|讯)"
    r"|本报[^\s，,。：:（()）]{0,6}讯|据[^\s，,。：:（()）]{2,14}?报道|[^\s，,。：:（()）]{1,8}讯)"
    r"\s*(?:[（(](?P<byline>[^（()）]{1,80})[）)])?"
    r"\s*(?P<date>" + _DATE + _TIME_OF_DAY + r")?"
)
_TRAILING_PAREN = re.compile(r"[（(](?P<byline>[^（()）]{2,60})[）)]\s*$")


@dataclass(frozen=True, slots=True)
class Dateline:
    text: str  # "本报讯 6月25日", "本报北京10月14日电"
    contributors: tuple[Contributor, ...]


def _strip_markers(text: str) -> str:
    return _MARKER_RE.sub("", text).strip()


_ROLE_AT = re.compile(
    "(?:" + "|".join(_ROLE_PREFIXES) + ")?(?P<role>" + "|".join(map(re.escape, _ROLES)) + ")"
)
_ANY_MARK = re.compile("|".join(map(re.escape, (*_ROLES, *_SUFFIX_CREDITS, *_PREFIX_CREDITS))))


# First characters of what may start a role, a credit: the cheap test before the regex or scan.
_ROLE_START = frozenset(w[0] for w in (*_ROLES, *_ROLE_PREFIXES))
_SUFFIX_START = frozenset(c[0] for c in _SUFFIX_CREDITS)
_PREFIX_START = frozenset(c[0] for c in _PREFIX_CREDITS)
_SUFFIX_END = frozenset(c[-1] for c in _SUFFIX_CREDITS)


def _role_at(text: str, i: int) -> tuple[str, int] | None:
    """A role word starting at i (after an optional 本报): (role, end index)."""
    if text[i] not in _ROLE_START:
        return None
    m = _ROLE_AT.match(text, i)
    return (m["role"], m.end()) if m else None


# Where a name may end: a separator, or the first character of a role word.
_WORD_STOP = re.compile("[" + re.escape(_SEPARATORS + "".join(sorted(_ROLE_START))) + "]")


def _word_end(text: str, i: int) -> int:
    """Where the name starting at i ends: the next separator or role word (the regex steps from
    one candidate character to the next, not the loop through every character)."""
    search = _WORD_STOP.search
    while (m := search(text, i)) is not None:
        i = m.start()
        if text[i] in _SEPARATORS or _role_at(text, i):
            return i
        i += 1
    return len(text)


def _word_ends(text: str, i: int) -> bool:
    return i >= len(text) or text[i] in _SEPARATORS


def _name_ok(name: str) -> bool:
    if not _NAME.fullmatch(name):
        return False
    plain = name.replace("·", "").replace("•", "")
    return 2 <= len(plain) <= 4 or ("·" in name and 3 <= len(plain) <= 12)


# One role and one plain name, what the scan in `parse_byline` reads as that person and nothing
# else: the role as `_role_at` takes it (an atomic group: no other role on backtracking), blanks,
# then two to four Han characters none of which can end a name or start a role or a credit, and
# the credit line's closing 摄 (`通讯员 张祥荣 摄`), which the scan reads as a credit for that name.
_NOT_IN_NAME = "".join(sorted({*_ROLE_START, *_SUFFIX_START, *_PREFIX_START, *_SUFFIX_END, *_SEPARATORS}))
_ONE_PERSON = re.compile(
    f"(?>{_ROLE_AT.pattern})[ \u3000]*(?P<name>(?:(?![{re.escape(_NOT_IN_NAME)}])[\u4e00-\u9fff]){{2,4}})"
    "(?:[ \u3000]*(?P<shot>摄))?"
)
_PHOTO_ROLES = ("摄影", "摄影记者", "首席摄影记者")  # they credit the photos (摄) of whom they name


def _one_person(role: str, name: str, shot: bool) -> tuple[Contributor, ...]:
    """What `_assemble` makes of the tokens of a role, one name and perhaps a closing 摄."""
    return (Contributor(role=role, name=name, credit="摄" if shot or role in _PHOTO_ROLES else None),)


def parse_byline(text: str) -> tuple[Contributor, ...] | None:
    """Contributors if the whole `text` is a byline or credit line, else None."""
    if "／" not in text and not _ANY_MARK.search(text):
        return None  # no role or credit word (what follows only cuts the text, or turns ／ into /)
    s = _strip_markers(text)
    marked = s != text.strip()
    if s[:1] in "（(" and s[-1:] in "）)":
        s = s[1:-1].strip()
        marked = True
    if "摄" in s[-24:]:
        s = _PHOTO_SOURCE.sub("摄", s)
    if "(" in s or ")" in s or "（" in s or "）" in s:
        return None  # half a credit cut by the export, or more than a credit
    if s[:1] in "①②③④⑤⑥⑦⑧⑨⑩图0123456789":
        s = _PICTURE_NUMBER.sub("", s)
    if s.endswith("评论员") and len(s) <= 16:
        pen = _PEN_NAME.fullmatch(s)
        if pen:
            return (Contributor(role=pen["role"], name=s if pen["org"] else "本报" + s),)
    s = s.replace("／", "/").replace("：", " ").replace(":", " ")
    if not s or len(s) > 80 or "，" in s or "。" in s or "," in s or not _ANY_MARK.search(s):
        return None
    one = _ONE_PERSON.fullmatch(s)
    if one is not None:  # `记者 张三`, the common byline: one match instead of the scan below
        name = one["name"]
        return (
            _one_person(one["role"], name, one["shot"] is not None) if marked or has_surname(name) else None
        )
    tokens: list[tuple[str, str]] = []  # (kind, value): role | credit | name | sep
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch in _SEPARATORS and not s.startswith(_PREFIX_CREDITS, i):
            if tokens and tokens[-1][0] != "sep" and (ch != "/" or tokens[-1][0] == "name"):
                tokens.append(("sep", ch))
            i += 1
            continue
        whole = (
            next((c for c in _SUFFIX_CREDITS if s.startswith(c, i) and _word_ends(s, i + len(c))), None)
            if ch in _SUFFIX_START and tokens
            else None
        )
        if whole:
            tokens.append(("credit_after", whole))
            i += len(whole)
            continue
        prefix_credit = (
            next((c for c in _PREFIX_CREDITS if s.startswith(c, i)), None)
            if ch in _PREFIX_START and (i == 0 or s[i - 1] in _SEPARATORS)
            else None
        )
        if prefix_credit:
            tokens.append(("credit", prefix_credit.rstrip("/")))
            i += len(prefix_credit)
            continue
        found = _role_at(s, i)
        if found:
            tokens.append(("role", found[0]))
            i = found[1]
            continue
        j = _word_end(s, i)
        word = s[i:j]
        suffix = (
            next((c for c in _SUFFIX_CREDITS if word.endswith(c) and len(word) > len(c)), None)
            if word[-1:] in _SUFFIX_END
            else None
        )
        if suffix and (j >= n or s[j:].strip(_SEPARATORS) == "") and len(word) - len(suffix) >= 1:
            tokens.append(("name", word[: -len(suffix)]))
            tokens.append(("credit_after", suffix))
        elif word in _SUFFIX_CREDITS:
            tokens.append(("credit_after", word))
        else:
            tokens.append(("name", word))
        i = j
    people = _assemble(tokens)
    if people and not marked and not all(has_surname(p.name) or p.name.endswith("评论员") for p in people):
        return None
    return people


def _assemble(tokens: list[tuple[str, str]]) -> tuple[Contributor, ...] | None:
    # Join padded names: single characters separated only by spaces (李  舸 → 李舸).
    merged: list[tuple[str, str]] = []
    for kind, value in tokens:
        if (
            kind == "name"
            and len(value) == 1
            and len(merged) >= 2
            and merged[-1] == ("sep", merged[-1][1])
            and merged[-1][1] in " \u3000"
            and merged[-2][0] == "name"
            and len(merged[-2][1]) == 1
        ):
            merged[-2] = ("name", merged[-2][1] + value)
            merged.pop()
            continue
        merged.append((kind, value))
    role: str | None = None
    prefix_credit: str | None = None
    people: list[list[str | None]] = []  # [role, name, credit]
    group_start = 0
    credit_start = 0  # one 摄 at the end credits everyone named since the previous credit
    saw_marker = False
    for kind, value in merged:
        if kind == "sep":
            continue
        if kind == "role":
            if role in _PEN_ROLES and (not people or people[-1][0] != role):
                people.append([role, "本报" + role, prefix_credit])
            role, group_start, saw_marker = value, len(people), True
        elif kind == "credit":
            prefix_credit, saw_marker = value, True
        elif kind == "credit_after":
            for person in people[min(group_start, credit_start) :] or people[-1:]:
                if person[2] is None or person is people[-1]:
                    person[2] = value
            credit_start = len(people)
            saw_marker = True
        else:
            if not _name_ok(value):
                return None
            credit = prefix_credit or ("摄" if role in _PHOTO_ROLES else None)
            people.append([role, value, credit])
    if role in _PEN_ROLES and (not people or people[-1][0] != role):
        people.append([role, "本报" + role, prefix_credit])
    if not people or not saw_marker:
        return None
    return tuple(Contributor(role=r, name=str(nm), credit=c) for r, nm, c in people)


def is_credit_line(people: tuple[Contributor, ...]) -> bool:
    """A photo credit (`记者 李舸 摄`): everyone on it took pictures and nobody wrote."""
    return all(p.credit is not None and p.credit != "报道" and "文" not in p.credit for p in people)


def parse_dateline(text: str) -> Dateline | None:
    """The opening formula of a news body (本报讯 …, 本报北京10月14日电 …, 新华社…电), if any."""
    m = DATELINE_RE.match(text)
    if not m:
        return None
    formula = m.group("formula")
    if formula.endswith("讯") and not formula.startswith(("本报", "据")) and not re.search(_AGENCY, formula):
        return None  # "…讯" only as 本报讯 or an agency's 讯, not any word ending in 讯
    people: tuple[Contributor, ...] = ()
    if m.group("byline"):
        people = parse_byline(m.group("byline")) or ()
    label = formula + (" " + m.group("date") if m.group("date") else "")
    return Dateline(text=label, contributors=people)


def split_trailing_byline(text: str) -> tuple[str, tuple[Contributor, ...]]:
    """`…。（记者 张三 通讯员 李四）` at a paragraph's end: the text without it, and the people."""
    if not text.endswith((")", "）")):
        return text, ()
    m = _TRAILING_PAREN.search(text, max(0, len(text) - 64))
    if not m:
        return text, ()
    people = paren_byline(m.group("byline"))
    if not people:
        return text, ()
    return text[: m.start()].rstrip(), people


def closing_credit(text: str) -> tuple[Contributor, ...]:
    """The people of a closing credit in parentheses at a text's end (`…。（记者 张三）`,
    `（新华社杭州3月2日电 记者王立、陈明）`, `（…电 参与记者：刘一、张二）`); the text keeps it."""
    return split_trailing_byline(text)[1]


# A credit in parentheses, also one the export cut at a block's start or end.
_PAREN = re.compile(r"(?:[（(]|^)(?P<inner>[^（()）]{2,80})(?:[）)]|$)")


def paren_byline(inner: str) -> tuple[Contributor, ...]:
    """The people credited inside parentheses, also after a dateline formula."""
    if not _ANY_MARK.search(inner):
        return ()
    people = parse_byline(inner)
    if people:
        return people
    m = DATELINE_RE.match(inner)
    if m and m.end() < len(inner):
        return parse_byline(inner[m.end() :]) or ()
    return ()


_CREDIT_WORD = re.compile("记者|通讯员|实习生|评论员|摄|撰稿|编译|整理")  # what a credit names
_KEEP = "\ue000"  # stands for a space that must survive the wrap repair (a private-use character)


def _tidy_credit(match: re.Match[str]) -> str:
    whole, inner = match.group(0), match["inner"]
    opened, closed = whole[0] in "（(", whole[-1] in "）)"
    if (" " not in inner and "\u3000" not in inner) or not (opened or closed):
        return whole
    people = paren_byline(inner)
    if not people:
        return whole
    for person in people:  # names padded to line up (王 立) are one name
        if len(person.name) >= 2 and person.name not in inner:
            inner = _unpad(inner, person.name)
    inner = _KEEP.join(inner.split()).replace("：" + _KEEP, "：").replace(":" + _KEEP, ":")
    return ("", whole[0])[opened] + inner + ("", whole[-1])[closed]


def _unpad(text: str, name: str) -> str:
    """`text` with the first occurrence of `name` padded with spaces (`王 立`) written whole."""
    start = text.find(name[0])
    while start != -1:
        j, k = start + 1, 1
        while k < len(name) and j < len(text):
            if text[j] in " \u3000":
                j += 1
            elif text[j] == name[k]:
                j, k = j + 1, k + 1
            else:
                break
        if k == len(name):
            return text[:start] + name + text[j:]
        start = text.find(name[0], start + 1)
    return text


def join_text(text: str) -> str:
    """`join_wrapped`, except that a credit in parentheses keeps one space between its parts:
    `本报讯(记者 张 三 通讯员 李四)` → `本报讯(记者 张三 通讯员 李四)`, never `(记者张三通讯员李四)`."""
    if (
        ("(" in text or "（" in text or ")" in text or "）" in text)
        and _CREDIT_WORD.search(text)
        and _KEEP not in text
    ):
        text = _PAREN.sub(_tidy_credit, text)
        if _KEEP in text:
            return join_wrapped(text).replace(_KEEP, " ")
    return join_wrapped(text)


_CREDIT_TAIL = re.compile(
    r"(?:[（(][^（()）]{2,40}[）)]|(?:本报|全媒体|首席|见习|实习|特约)?(?:摄影记者|记者|通讯员|摄影)"
    r"[\s\u3000]*[\u4e00-\u9fff·][\u4e00-\u9fff·\s\u3000、]{0,30}?[\s\u3000]*摄(?:影报道|影)?)\s*$"
)


def split_credit_tail(text: str) -> tuple[str, tuple[Contributor, ...]]:
    """A photo caption ending in its credit (`… 记者 李舸 摄`, `…。②3 许 文 摄`,
    `…。张三 摄（新华社发）`): caption text and the photographers."""
    if "摄" not in text[-24:]:
        return text, ()
    # After the caption's last sentence: the credit, perhaps with picture numbers and a source.
    start = max(0, len(text) - 48)
    cut = max(text.rfind(mark, start) for mark in "。！？!?”")
    if cut >= 0 and 2 <= len(text) - cut - 1 <= 40:
        tail = text[cut + 1 :].strip()
        # as printed (spaces part the names), else without the spaces of a wrap inside a role
        people = parse_byline(tail) or parse_byline(join_wrapped(tail))
        if people and is_credit_line(people):
            return text[: cut + 1].rstrip(), people
    m = _CREDIT_TAIL.search(text, max(0, len(text) - 48))
    if not m:
        return text, ()
    people = parse_byline(m.group(0))
    if not people or not is_credit_line(people):
        return text, ()
    return text[: m.start()].rstrip(), people
