"""Page furniture and issue metadata: what a page prints that is not an article.

Mastheads (`2023年6月26日 农历癸卯年五月初九 今日4版 总第521期`), page headers (`第2版 综合`,
`A2版:要闻`, `第A05版：要闻`), nameplates, publisher lines, phone numbers, e-mail addresses,
subscription hotlines, countdowns, jump lines (`下转第3版`) and layout debris.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

_DATE_RE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?")
_ISSUE_NO_RE = re.compile(r"总第\s*(?P<n>\d{1,6})\s*期")
_PAGE_COUNT_RE = re.compile(r"今日\s*(?P<n>\d{1,3}|[一二两三四五六七八九十]{1,3})\s*版")
_LUNAR_RE = re.compile(r"农历\s*(?P<l>[\u4e00-\u9fff]{2,12})")
_WEEKDAY_RE = re.compile(r"(?:星期|周)[一二三四五六日天]")
_PAGE_HEADER_RE = re.compile(
    r"(?:^|[\s|｜])第?\s*(?P<label>[A-Z]?\s*\d{1,3})\s*版\s*[:：|｜]?\s*(?P<section>[\u4e00-\u9fff·]{2,8})?"
)
_JUMP_RE = re.compile(
    r"[（(]?\s*(?:下转|上接|紧转|转|接|续)\s*第?\s*(?:[A-Z]?\d{1,3}|[一二三四五六七八九十]{1,3})\s*版\s*[)）]?"
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE_RE = re.compile(r"(?<!\d)(?:\d{3,4}[-—\s]?)?\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)")
_URL_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
_CONTACT_WORDS = re.compile(
    r"热线|电话|传真|邮箱|投稿|广告|发行|订阅|征订|订报|邮编|网址|微信|公众号|客户端|二维码|扫码"
)
_PUBLISHER_RE = re.compile(
    r"^(?:主办|主管|出版|承印|印刷|社址|地址|定价|零售价?|邮发代号|国内统一连续出版物号|统一刊号|广告经营许可证|"
    r"本版编辑|责任编辑|责编|编辑|美编|版式|版式设计|校对|值班编委|总编辑|社长|新闻热线)\s*[:：\s/]"
)
_COUNTDOWN_RE = re.compile(r"倒计时\s*\d+\s*天|(?:距|离).{1,24}(?:还有|仅剩|只剩)\s*\d+\s*天")
_CN_SERIAL_RE = re.compile(r"CN\s*\d{2}\s*-\s*\d{4}")
_LATIN_NAMEPLATE = re.compile(r"^[A-Z][A-Z'’&.\-]*(?:\s+[A-Z][A-Z'’&.\-]*)+$")
_SENTENCE = re.compile(r"[。，,；;！？!?]")
# A newspaper's nameplate: 人民日报, 钱塘新区报, 北京青年报, 南方周末 …
NAMEPLATE_RE = re.compile(r"[\u4e00-\u9fff]{1,8}(?:日报|晚报|时报|早报|商报|报|周刊|周末|新闻)")


def chinese_number(text: str) -> int | None:
    """`4`, `四`, `十二` → int."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS.get(text)


@dataclass(frozen=True, slots=True)
class Masthead:
    """Issue metadata printed on a page: the masthead date line, or a dated page header."""

    date: dt.date | None = None
    issue_number: int | None = None
    page_count: int | None = None
    lunar_date: str | None = None

    @property
    def is_masthead(self) -> bool:
        """Only page 1 prints the issue number, the page count or the lunar date."""
        return any(v is not None for v in (self.issue_number, self.page_count, self.lunar_date))


@dataclass(frozen=True, slots=True)
class PageHeader:
    number: int
    label: str
    section: str | None


def _date(text: str) -> dt.date | None:
    m = _DATE_RE.search(text)
    if not m:
        return None
    try:
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None


_DATE_LINE_REST = re.compile(r"[\s\u3000]|星期.|周.|" + _PAGE_HEADER_RE.pattern)


def read_masthead(text: str) -> Masthead | None:
    """Metadata if `text` is a masthead or dateline of the page (short, no sentence in it)."""
    if len(text) > 120 or "。" in text:
        return None
    issue = _ISSUE_NO_RE.search(text)
    count = _PAGE_COUNT_RE.search(text)
    lunar = _LUNAR_RE.search(text)
    date = _date(text)
    # (`_date_alone` only where nothing else tells: a masthead's issue number or page count does)
    if not (issue or count or lunar or (date is not None and _date_alone(text))):
        return None
    return Masthead(
        date=date,
        issue_number=int(issue["n"]) if issue else None,
        page_count=chinese_number(count["n"]) if count else None,
        lunar_date=lunar["l"] if lunar else None,
    )


def _date_alone(text: str) -> bool:
    """Nothing but a date, the nameplate and the weekday (three substitutions)."""
    return not _DATE_LINE_REST.sub("", NAMEPLATE_RE.sub("", _DATE_RE.sub("", text), count=1))


def read_masthead_date(text: str) -> Masthead | None:
    """The date printed in a running head beside the page number."""
    date = _date(text)
    return Masthead(date=date) if date else None


def read_page_header(text: str) -> PageHeader | None:
    """`第2版 综合`, `A2版:要闻`, `第A05版：要闻`, also inside a dated running head."""
    if len(text) > 80 or _SENTENCE.search(text):
        return None
    m = _PAGE_HEADER_RE.search(text)
    if not m:
        return None
    label = re.sub(r"\s", "", m["label"])
    digits = re.sub(r"\D", "", label)
    number = int(digits)
    if number == 0 or number > 200:
        return None
    section = m["section"]
    if section and section.startswith(("星期", "周")):
        section = None
    before = _HAN.findall(_DATE_LINE_REST.sub("", NAMEPLATE_RE.sub("", _DATE_RE.sub("", text[: m.start()]))))
    if len(before) > 4 or (before and section):
        return None  # a teaser's pointer to another page (`城东新区建设提速 3版 城建`), not this page's
    if before and not section:
        section = "".join(before)  # `要闻 2版`
    return PageHeader(number=number, label=label.lstrip("0") or label, section=section)


_PHONE_ONLY = re.compile(r"[\d\s\-—()（）+]{7,}")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# A teaser's pointer to the page that carries the story: `…… 3版 城建`, `详见第4版`, `▶见A5版`.
# (Set apart from the teaser's title by a space, or led by 详见/见/转; `第2版稿件` in a headline is not.)
_POINTER_RE = re.compile(
    r"(?:(?P<lead>详见|参见|请看|见|转)|\s)\s*第?\s*[A-Z]?\d{1,3}\s*版(?:\s+[\u4e00-\u9fff]{2,6}|[:：]\s*[\u4e00-\u9fff]{2,6})?\s*$"
)
_LEFTOVER_WORD = re.compile("星期|礼拜|周|代号|导读|看点|提要")
_WEEKDAY_ONLY = re.compile(r"(?:星期|礼拜|周)[一二三四五六日天]")
_POSTAL_CODE = re.compile(r"(?:邮发)?代号\s*[:：]?\s*\d{1,3}\s*[-－—]\s*\d{1,4}")
_TEASER_RUBRIC = re.compile(r"[▶►【\[]?(?:今日|明日|本期|本版|要闻)?(?:导读|看点|提要)[】\]]?")


def furniture_reason(
    text: str, *, publication: str | None = None, name_en: str | None = None, compacted: str | None = None
) -> str | None:
    """Why this block is page furniture (to be dropped), or None if it is content. (`compacted`:
    the text without its whitespace, when the caller has it already.)"""
    compact = "".join(text.split()) if compacted is None else compacted
    if not compact:
        return "blank"
    if len(compact) == 1 and compact not in "。！？!?":
        return "debris"  # a stray character the exporter tore off a vertical label or a drop cap
    if publication and compact == "".join(publication.split()):
        return "nameplate"
    if name_en and text.strip().upper() == name_en.strip().upper():
        return "nameplate"
    if _LATIN_NAMEPLATE.match(text.strip()) and len(text) <= 60:
        return "nameplate"
    if len(compact) <= 8 and NAMEPLATE_RE.fullmatch(compact):
        return "nameplate"
    if _PHONE_ONLY.fullmatch(text.strip()):
        return "phone"
    # (each regex only where the text holds a character it needs: `/` or `.` for an address, 天
    # for a countdown, CN for a serial number, 版 for a jump line)
    if "。" not in text and len(text) <= 200:
        if ("@" in text and _EMAIL_RE.search(text)) or (
            ("/" in text or "." in text) and _URL_RE.search(text)
        ):
            return "contact"
        if _CONTACT_WORDS.search(text) and _PHONE_RE.search(text):
            return "contact"
        if _PUBLISHER_RE.match(text) or ("CN" in text and _CN_SERIAL_RE.search(text)):
            return "publisher"
        if "天" in text and _COUNTDOWN_RE.search(text) and len(compact) <= 30:
            return "countdown"
    if "版" in text and _JUMP_RE.fullmatch(text.strip()):
        return "jump"
    if (
        len(compact) <= 12
        and _LEFTOVER_WORD.search(compact)
        and (
            _WEEKDAY_ONLY.fullmatch(compact)
            or _POSTAL_CODE.fullmatch(compact)
            or _TEASER_RUBRIC.fullmatch(compact)
        )
    ):
        return "masthead"  # what a masthead leaves behind: a weekday alone, the postal code, 导读
    if "版" in compact[-9:] and len(compact) <= 60 and "。" not in compact:
        line = text.strip()
        pointer = _POINTER_RE.search(line)
        if pointer and (pointer["lead"] or len(_HAN.findall(line[: pointer.start()])) > 4):
            return "pointer"
    return None


def strip_jump(text: str) -> tuple[str, bool]:
    """Remove a trailing `（下转第3版）` from a paragraph; True when one was there."""
    if "版" not in text[-12:]:
        return text, False
    tail_start = max(0, len(text) - 16)
    m = _JUMP_RE.search(text, tail_start)
    if m and not text[m.end() :].strip():
        return text[: m.start()].rstrip(), True
    return text, False
