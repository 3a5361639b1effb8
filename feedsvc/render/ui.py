"""Every string the site's pages show, in Chinese (the default) and English (`[site] ui_language`).

Templates read them as `t.<key>`; a theme can override the templates, not these words, but a
template is free to print its own. Dates are written the way each language writes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Final

_ZH: Final = {
    "home": "首页",
    "past_issues": "往期",
    "subscribe": "订阅",
    "search": "搜索",
    "search_placeholder": "搜索全部稿件",
    "search_button": "搜索",
    "latest_issue": "最新一期",
    "issue": "本期",
    "issue_label": "{date}",
    "issue_number": "第{n}期",
    "page": "第{n}版",
    "pages": "版面",
    "paper": "全报",
    "contributors": "作者",
    "items": "{n} 篇",
    "recent": "最近的稿件",
    "updated": "更新于",
    "photo": "图片",
    "photo_by": "摄影：",
    "previous": "上一篇",
    "next": "下一篇",
    "previous_issue": "前一期",
    "next_issue": "后一期",
    "back_home": "返回首页",
    "all_issues": "全部往期",
    "issues_by_month": "按月份浏览往期",
    "issues_by_year": "按年份浏览往期",
    "issue_count": "{n} 期",
    "month": "{year}年{month}月",
    "year": "{year}年",
    "day": "{day}日",
    "feeds_of": "订阅：",
    "feed_page_footer": "查看全报和其他版面、作者的订阅。",
    "how_to": (
        "复制下面任意一个 Atom、RSS 或 JSON Feed 链接，粘贴到阅读器（如 NetNewsWire、Inoreader、Feedly、"
        "newsboat）的“添加订阅”里即可；支持自动发现的阅读器也可以直接添加本页地址。"
        "想一次订阅全部，把 feeds.opml 导入阅读器。每个订阅带最近 {n} 篇；更早的稿件在归档页里，"
        "支持 RFC 5005 归档的阅读器可以继续往前翻。"
    ),
    "opml": "全部订阅（OPML）",
    "no_issue": "还没有任何一期。",
    "search_needs_js": "搜索需要浏览器启用 JavaScript。",
    "list_sep": "；",
    "name_sep": "　",
}

_EN: Final = {
    "home": "Home",
    "past_issues": "Past issues",
    "subscribe": "Subscribe",
    "search": "Search",
    "search_placeholder": "Search every article",
    "search_button": "Search",
    "latest_issue": "Latest issue",
    "issue": "This issue",
    "issue_label": "{date}",
    "issue_number": "No. {n}",
    "page": "Page {n}",
    "pages": "Pages",
    "paper": "The paper",
    "contributors": "Contributors",
    "items": "{n} items",
    "recent": "Recent articles",
    "updated": "updated",
    "photo": "Photo",
    "photo_by": "Photo: ",
    "previous": "Previous",
    "next": "Next",
    "previous_issue": "Previous issue",
    "next_issue": "Next issue",
    "back_home": "Back to the front page",
    "all_issues": "All past issues",
    "issues_by_month": "Past issues by month",
    "issues_by_year": "Past issues by year",
    "issue_count": "{n} issues",
    "month": "{month_name} {year}",
    "year": "{year}",
    "day": "{day}",
    "feeds_of": "Subscribe: ",
    "feed_page_footer": " for the whole paper and every other page and contributor.",
    "how_to": (
        "Copy any Atom, RSS or JSON Feed link below into your feed reader (NetNewsWire, Inoreader, Feedly, "
        "newsboat …); readers with autodiscovery also take this page's address. To subscribe to "
        "everything, import feeds.opml. Each feed holds the latest {n} items; older ones are in its "
        "archive pages (RFC 5005)."
    ),
    "opml": "Every feed (OPML)",
    "no_issue": "No issue yet.",
    "search_needs_js": "Search needs JavaScript.",
    "list_sep": "; ",
    "name_sep": ", ",
}

STRINGS: Final[dict[str, dict[str, str]]] = {"zh": _ZH, "en": _EN}

_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


@dataclass(frozen=True)
class Words:
    """One language's strings for templates: `t.home`, `t.f("items", n=3)`, `t.date(day)`.
    A frozen value (a `{% shared %}` part keys on it, render/shared.py).

    Each string is an attribute of the instance (no `__getattr__` call for `t.home`: ~5 an entry
    rendered), but a name the class has (`month`: a string and a method), which stays the method.
    Its only field is `language`: equality, hashing, copies and pickles go by it alone."""

    language: str

    def __post_init__(self) -> None:
        if self.language not in STRINGS:
            raise KeyError(self.language)
        for key, text in STRINGS[self.language].items():
            if not hasattr(type(self), key) and key not in _FIELDS:  # `month`, `language` stay
                object.__setattr__(self, key, text)

    def __reduce__(self) -> tuple[type[Words], tuple[str]]:
        return (Words, (self.language,))

    def __getattr__(self, key: str) -> str:
        try:
            return STRINGS[self.language][key]
        except KeyError:
            raise AttributeError(f"no UI string {key!r}") from None

    def f(self, key: str, **values: object) -> str:
        return STRINGS[self.language][key].format(**values)

    def date(self, day: dt.date) -> str:
        if self.language == "zh":
            return f"{day.year}年{day.month}月{day.day}日"
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"

    def month(self, year: int, month: int) -> str:
        return self.f("month", year=year, month=month, month_name=_MONTHS[month - 1])


_FIELDS = frozenset(f.name for f in fields(Words))  # never shadowed by a string of the same name
