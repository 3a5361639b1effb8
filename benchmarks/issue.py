"""One synthetic issue, page by page, in the submission format (see benchmarks/make_archive.py).

Every issue draws from its own generator, seeded with the archive seed and the issue's date, so any
run of days comes out byte-identical whatever else is generated with it.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from benchmarks import corpus
from benchmarks.paper import Cast, Person, lunar_date, make_cast, section_of

ASCII_PUNCT = str.maketrans({"，": ",", "；": ";", "：": ":", "（": "(", "）": ")", "“": '"', "”": '"'})
WEEKDAYS = "一二三四五六日"
NO_LINE_START = frozenset("，。、；：！？）”」》…,.;:!?)%")
_SLOT = re.compile(r"\{(\w+)\}")
_POOLS: dict[str, tuple[str, ...]] = {
    "official": corpus.OFFICIALS,
    "official2": corpus.OFFICIALS,
    "official3": corpus.OFFICIALS,
    "place": corpus.PLACES,
    "community": corpus.COMMUNITIES,
    "company": corpus.COMPANIES,
    "project": corpus.PROJECTS,
    "park": corpus.PARKS,
    "school": corpus.SCHOOLS,
    "hospital": corpus.HOSPITALS,
    "bureau": corpus.BUREAUS,
    "topic": corpus.TOPICS,
    "event": corpus.EVENTS,
    "doc": corpus.DOCS,
}


@dataclass(frozen=True, slots=True)
class ArchiveSpec:
    start: dt.date = dt.date(2014, 1, 1)
    days: int = 3653
    pages_per_issue: int = 4
    seed: int = 1
    paper: str = "qiantang"
    first_issue: int = 1
    contributors: int = 300

    def dates(self) -> Iterator[dt.date]:
        for offset in range(self.days):
            yield self.start + dt.timedelta(days=offset)


@dataclass(slots=True)
class ItemTruth:
    """What an item is, as printed: compare with a parse after removing whitespace (and NFKC)."""

    kind: str
    kicker: str | None
    headline: str | None
    subtitle: str | None
    contributors: list[tuple[str | None, str, str | None]]
    text: str  # dateline and body paragraphs, no whitespace; bylines and credit lines excluded

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "kicker": self.kicker,
            "headline": self.headline,
            "subtitle": self.subtitle,
            "contributors": [{"role": r, "name": n, "credit": c} for r, n, c in self.contributors],
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class GeneratedPage:
    name: str  # file name
    date: dt.date
    number: int
    section: str
    issue_number: int
    text: str
    items: tuple[ItemTruth, ...]

    def truth(self) -> dict[str, object]:
        return {
            "file": self.name,
            "date": self.date.isoformat(),
            "issue_number": self.issue_number,
            "page": self.number,
            "section": self.section,
            "items": [item.as_json() for item in self.items],
        }


# --- one issue-------------------------------------------------------------------------------

Block = list[str]  # the visual lines of one text block


@dataclass(slots=True)
class _Item:
    truth: ItemTruth
    blocks: list[Block]
    credit: Block | None = None  # a photo's credit line (may be set apart from its caption)


@dataclass(slots=True)
class IssueWriter:
    """Writes one issue with its own random generator."""

    date: dt.date
    number: int
    spec: ArchiveSpec
    cast: Cast
    rng: random.Random = field(init=False)
    ascii: bool = field(init=False)
    titles: set[str] = field(init=False, default_factory=set)  # headlines on the current page

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.spec.seed}/{self.date.isoformat()}")
        self.ascii = self.rng.random() < 0.6  # like the sample: `,` `;` `(` `"` half-width

    # text ---------------------------------------------------------------------------------------
    def punct(self, text: str) -> str:
        return text.translate(ASCII_PUNCT) if self.ascii else text

    def fill(self, template: str) -> str:
        if "{" not in template:
            return self.punct(template)
        return self.punct(_SLOT.sub(lambda m: self._slot(m[1]), template))

    def _slot(self, name: str) -> str:
        r = self.rng
        pool = _POOLS.get(name)
        if pool is not None:
            return r.choice(pool)
        if name in ("editor", "editor2"):
            return r.choice(self.cast.editors)
        if name in ("n", "n2"):
            return str(r.randint(2, 30))
        if name == "big":
            return str(r.randint(10, 9999))
        if name == "amt":
            return f"{r.randint(1, 99)}.{r.randint(1, 9)}"
        if name == "pct":
            return f"{r.randint(2, 35)}.{r.randint(0, 9)}%"
        if name == "month":
            return str(r.randint(1, 12))
        if name == "year":
            return str(self.date.year - r.randint(1, 3))
        if name == "speed":
            return r.choice(("60", "80", "100"))
        if name == "temp":
            return str(r.randint(33, 39))
        raise KeyError(name)

    def wrap(self, text: str, width: int) -> Block:
        """Visual lines of about `width` characters; never inside a run of ASCII (a number) and, as
        typesetters do, never before closing punctuation (it hangs at the end of the line)."""
        lines: Block = []
        i, n = 0, len(text)
        jitter = (0, 0, 0, 1, -1)
        while i < n:
            j = min(n, i + width + jitter[len(lines) % 5])
            while 0 < j < n and (
                text[j] in NO_LINE_START
                or (text[j - 1].isascii() and text[j].isascii() and not text[j].isspace())
            ):
                j += 1
            lines.append(text[i:j].strip())
            i = j
        return [line for line in lines if line]

    def name(self, person: Person, padded: bool = True) -> str:
        """Two-character names are often padded to the width of three: `李  舸`."""
        if padded and len(person.name) == 2 and self.rng.random() < 0.35:
            return person.name[0] + self.rng.choice(("  ", "\u3000", " ")) + person.name[1]
        return person.name

    # items --------------------------------------------------------------------------------------
    def paragraphs(self, section: str, count: int, per: tuple[int, int]) -> list[str]:
        """`count` paragraphs of `per` sentences, none repeated; news opens with a lead sentence."""
        pool = corpus.SENTENCES[section]
        sizes = [self.rng.randint(*per) for _ in range(count)]
        sentences = [self.fill(s) for s in self.rng.sample(pool, min(len(pool), sum(sizes)))]
        if section in corpus.LEADS:
            sentences[0] = self.fill(self.rng.choice(corpus.LEADS[section]))
        out, at = [], 0
        for size in sizes:
            if at < len(sentences):
                out.append("".join(sentences[at : at + size]))
            at += size
        return out

    def article(self, section: str, front: bool) -> _Item:
        r = self.rng
        reporter = r.choice(self.cast.reporters)
        helper = r.choice(self.cast.correspondents)
        kicker = self.fill(r.choice(corpus.KICKERS)) if r.random() < (0.4 if front else 0.12) else None
        headline: str | None = self.fill(r.choice(corpus.HEADLINES[section]))
        while headline in self.titles:  # one page does not print a headline twice
            headline = self.fill(r.choice(corpus.HEADLINES[section]))
        self.titles.add(headline or "")
        subtitle = self.fill(r.choice(corpus.SUBTITLES)) if r.random() < 0.05 else None
        people: list[tuple[str | None, str, str | None]]
        byline: str | None
        dateline = ""
        roll = r.random()
        when = self.date - dt.timedelta(days=r.choice((1, 1, 1, 2, 3)))
        tod = r.choice(corpus.TIMES_OF_DAY)
        if section == corpus.SECTIONS[3]:  # essays: no dateline
            if roll < 0.5:
                byline, people = f"文/{helper.name}", [(None, helper.name, "文")]
            else:
                byline, people = f"■通讯员 {self.name(helper)}", [("通讯员", helper.name, None)]
        elif roll < 0.15:
            byline, people = None, [("记者", reporter.name, None), ("通讯员", helper.name, None)]
            dateline = self.punct(f"本报讯（记者 {self.name(reporter)} 通讯员 {self.name(helper)}） ")
        else:
            if roll < 0.62:
                people = [(reporter.role, reporter.name, None)]
            elif roll < 0.85:
                people = [(reporter.role, reporter.name, None), ("通讯员", helper.name, None)]
            elif roll < 0.93:
                other = r.choice(self.cast.reporters)
                while other == reporter:
                    other = r.choice(self.cast.reporters)
                people = [(reporter.role, reporter.name, None), (other.role, other.name, None)]
            else:
                people = [("通讯员", helper.name, None)]
            shown = self._byline(people)
            byline = "■" + shown
            dateline = "本报讯 "
            if r.random() < 0.08 and not kicker and not subtitle:
                headline = None  # the export lost it (like item 5 of the sample page)
        if dateline:
            dateline = self.punct(f"{dateline}{when.month}月{when.day}日{tod}，")
        count = r.randint(2, 6) if front else r.randint(2, 5)
        paragraphs = self.paragraphs(section, count, (1, 4))
        paragraphs[0] = dateline + paragraphs[0]
        width = r.randint(12, 26)
        blocks: list[Block] = [[t] for t in (kicker, headline, subtitle) if t]
        if byline:
            blocks.append([byline])
        for paragraph in paragraphs:
            lines = self.wrap(paragraph, width)
            if len(lines) >= 3 and r.random() < 0.12:  # a column break inside the paragraph
                cut = r.randint(1, len(lines) - 1)
                blocks += [lines[:cut], lines[cut:]]
            else:
                blocks.append(lines)
        text = re.sub(r"\s", "", "".join(paragraphs))
        return _Item(ItemTruth("article", kicker, headline, subtitle, people, text), blocks)

    def _byline(self, people: list[tuple[str | None, str, str | None]]) -> str:
        """`记者 X 通讯员 Y`, `记者 X Y` (two reporters share the role word), `首席记者 X`."""
        parts: list[str] = []
        previous: str | None = None
        for role, name, _ in people:
            person = Person(name, role or "")
            shown = self.name(person, padded=len(people) == 1 or role == "通讯员")
            parts.append(shown if role == previous else f"{role} {shown}")
            previous = role
        return " ".join(parts)

    def photo(self) -> _Item:
        r = self.rng
        title = self.punct(r.choice(corpus.PHOTO_TITLES))
        opener, *more = r.sample(corpus.CAPTIONS, 3)
        while opener.startswith(("据", "当天")):  # a caption first says what the picture shows
            opener = r.choice(corpus.CAPTIONS)
        sentences = [opener, *[s for s in more if s != opener][: r.randint(0, 2)]]
        caption = "".join(self.fill(s) for s in sentences)
        who = r.choice(self.cast.reporters) if r.random() < 0.6 else r.choice(self.cast.correspondents)
        role = "记者" if who.role != "通讯员" else "通讯员"
        width = r.randint(12, 15)
        lines = self.wrap(caption, width)
        blocks = [[title, *lines]] if len(title) <= width * 0.7 else [[title], lines]
        credit = [f"{role} {self.name(who)} 摄"]
        truth = ItemTruth("photo", None, title, None, [(role, who.name, "摄")], re.sub(r"\s", "", caption))
        return _Item(truth, blocks, credit)

    # pages --------------------------------------------------------------------------------------
    def page(self, number: int) -> GeneratedPage:
        r = self.rng
        pages = self.spec.pages_per_issue
        section = section_of(number, pages)
        front = number == 1
        self.titles.clear()
        count = r.choice((4, 5, 5, 6, 6, 6, 7, 7, 8))
        items: list[_Item] = []
        for position in range(count):
            photo = r.random() < (0.12 if front else 0.17) and position > 0
            items.append(self.photo() if photo else self.article(section, front))
        blocks: list[Block] = []
        for index, item in enumerate(items):
            before = items[index - 1] if index else None
            last = before.blocks[-1] if before else []
            if item.credit and before and not before.credit and len(last) >= 3 and r.random() < 0.1:
                # The photo sits inside the last paragraph of the article above; its credit after it.
                cut = r.randint(1, len(last) - 1)
                blocks[-1] = last[:cut]
                blocks += [*item.blocks, last[cut:], item.credit]
                continue
            blocks += item.blocks
            if item.credit:
                blocks.append(item.credit)
        head = self._front_matter() if front else self._header(number, section)
        tail = self._countdown() if front else self._editors()
        text = "\n\n".join(" ".join(block) for block in [*head, *blocks, *tail]) + "\n"
        name = f"{self.spec.paper}-{self.date.isoformat()}-p{number}.txt"
        truths = tuple(item.truth for item in items)
        return GeneratedPage(name, self.date, number, section, self.number, text, truths)

    def _front_matter(self) -> list[Block]:
        d = self.date
        day = "" if self.rng.random() < 0.05 else "日"  # the sample's masthead lost its 日
        masthead = (
            f"{d.year}年{d.month}月{d.day}{day} 农历{lunar_date(d)} "
            f"今日{self.spec.pages_per_issue}版总第{self.number}期"
        )
        return [
            [masthead],
            [corpus.PUBLISHER_LINE],
            [corpus.NAME_EN],
            [],
            [corpus.PHONE],
            [corpus.CONTACT_LINE],
        ]

    def _header(self, number: int, section: str) -> list[Block]:
        d = self.date
        if self.rng.random() < 0.3:
            return [[f"{d.year}年{d.month}月{d.day}日 星期{WEEKDAYS[d.weekday()]} 第{number}版 {section}"]]
        return [[f"第{number}版 {section}"]]

    def _countdown(self) -> list[Block]:
        target = dt.date(self.date.year, 9, 23)
        if target < self.date:
            target = target.replace(year=self.date.year + 1)
        return [[], [f"倒计时{(target - self.date).days}天"]]

    def _editors(self) -> list[Block]:
        if self.rng.random() < 0.35:
            return [[self.fill(self.rng.choice(corpus.EDITOR_LINES))]]
        return []


def iter_issues(spec: ArchiveSpec) -> Iterator[list[GeneratedPage]]:
    cast = make_cast(spec.seed, spec.contributors)
    for offset, day in enumerate(spec.dates()):
        issue = IssueWriter(day, spec.first_issue + offset, spec, cast)
        yield [issue.page(n) for n in range(1, spec.pages_per_issue + 1)]


def iter_pages(spec: ArchiveSpec) -> Iterator[GeneratedPage]:
    for pages in iter_issues(spec):
        yield from pages
