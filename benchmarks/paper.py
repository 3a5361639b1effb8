"""The synthetic paper's people and calendar: contributors and editors, sections, the lunar date.

Part of the archive generator (benchmarks/make_archive.py).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import lru_cache

from benchmarks import corpus


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    role: str  # 记者, 首席记者 or 通讯员: always printed the same way for one person


@dataclass(frozen=True, slots=True)
class Cast:
    reporters: tuple[Person, ...]
    correspondents: tuple[Person, ...]
    editors: tuple[str, ...]


@lru_cache(maxsize=8)
def make_cast(seed: int, size: int = 300) -> Cast:
    """`size` contributors (a third reporters, some of them chief reporters; the rest correspondents)
    with the homophone groups among them, plus page editors who are never credited on an item."""
    rng = random.Random(f"{seed}/cast")
    names = [name for group in corpus.HOMOPHONES for name in group]
    seen = set(names) | set(corpus.OFFICIALS)
    while len(names) < size + 8:
        given = rng.choice(corpus.GIVEN) + ("" if rng.random() < 0.35 else rng.choice(corpus.GIVEN))
        name = rng.choice(corpus.SURNAMES) + given
        if name not in seen:
            seen.add(name)
            names.append(name)
    editors, names = names[-8:], names[:-8]
    rng.shuffle(names)
    cut = size * 3 // 8
    reporters = tuple(Person(n, "首席记者" if i < size // 25 else "记者") for i, n in enumerate(names[:cut]))
    correspondents = tuple(Person(n, "通讯员") for n in names[cut:])
    return Cast(reporters, correspondents, tuple(editors))


def section_of(number: int, pages: int) -> str:
    if number == 1:
        return corpus.SECTIONS[0]
    if number == pages and pages >= 4:
        return corpus.SECTIONS[3]
    return corpus.SECTIONS[1] if number % 2 == 0 else corpus.SECTIONS[2]


# --- the lunar date of the masthead: plausible, from the mean synodic month ---------------------

_NEW_YEAR = {
    2010: (2, 14), 2011: (2, 3), 2012: (1, 23), 2013: (2, 10), 2014: (1, 31), 2015: (2, 19),
    2016: (2, 8), 2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12),
    2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6),
    2028: (1, 26), 2029: (2, 13), 2030: (2, 3),
}  # fmt: skip
_SYNODIC = 29.530588853
_NEW_MOON = dt.date(2000, 1, 6)  # a new moon
_STEMS, _BRANCHES = "甲乙丙丁戊己庚辛壬癸", "子丑寅卯辰巳午未申酉戌亥"
_MONTHS = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊")
_TENS = ("初", "十", "廿", "三")
_DIGITS = "一二三四五六七八九十"


def lunar_date(day: dt.date) -> str:
    """`癸卯年五月初九`: ganzhi year, month and day; the day from the mean new moon (±1 day),
    the month counted from the new year's new moon (leap months are not modelled)."""

    def new_year(year: int) -> dt.date:
        return dt.date(year, *_NEW_YEAR.get(year, (2, 5)))

    year = day.year if day >= new_year(day.year) else day.year - 1
    since_moon = (day - _NEW_MOON).days % _SYNODIC
    lunar_day = int(since_moon) + 1
    month = min(12, int(((day - new_year(year)).days - since_moon) / _SYNODIC + 0.5) + 1)
    month = max(month, 1)
    if lunar_day == 10:
        day_name = "初十"
    elif lunar_day == 20:
        day_name = "二十"
    elif lunar_day >= 30:
        day_name = "三十"
    else:
        day_name = _TENS[lunar_day // 10] + _DIGITS[lunar_day % 10 - 1]
    ganzhi = _STEMS[(year - 4) % 10] + _BRANCHES[(year - 4) % 12]
    return f"{ganzhi}年{_MONTHS[month - 1]}月{day_name}"
