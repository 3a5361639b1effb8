"""The twelfth round's shortcuts in the render workers: an entry's fields read from its `__dict__`
(no call of pydantic's `__getattr__` hook per field), and the long texts of an entry asked
`str.isprintable()` before a regular expression looks at them. Each must give what the plain
definitions give, and the tests below fail if the shortcut is not taken."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc import records
from feedsvc.records import Entry, EntryImage, EntryPerson
from feedsvc.render import common, html, issues, keys, pool
from feedsvc.render.common import NOT_XML, Site, clean, cleaned_paragraphs, entry_parts, entry_title
from tests.render_helpers import entry
from tests.render_helpers import person as person_of
from tests.render_helpers import settings as site_settings

SITE = Site.from_settings(site_settings(Path("feeds")))

# What `clean` and `NOT_XML` are about, what is not printable without being either (line breaks,
# U+3000, U+2028, U+00A0, a format character), CJK and ASCII
ALPHABET = st.sampled_from(
    list("\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\x85\x9f\ud800\udfff\ufffe\uffff\t\n\r \u3000\u2028\xa0\u200b")
    + list("记者董笑瑜。，《》“”a1&<>\"'é😀")
)
TEXT = st.text(ALPHABET, max_size=30)


def test_printable_text_holds_nothing_either_expression_takes() -> None:
    """The ground the shortcut stands on, for every code point: a printable character is neither
    one `clean` takes out nor one `NOT_XML` finds."""
    illegal = common._ILLEGAL
    for code in range(0x110000):
        char = chr(code)
        if char.isprintable():
            assert illegal.search(char) is None and NOT_XML.search(char) is None, hex(code)


@settings(max_examples=500, deadline=None)
@given(st.lists(TEXT, max_size=6))
def test_cleaned_paragraphs_as_defined(paragraphs: list[str]) -> None:
    given_ = tuple(paragraphs)
    assert cleaned_paragraphs(given_) == (tuple(clean(p) for p in given_), clean("\n".join(given_)))


@settings(max_examples=300, deadline=None)
@given(title=TEXT, page=st.integers(1, 30), position=st.integers(1, 40))
def test_entry_title_as_defined(title: str, page: int, position: int) -> None:
    e = entry(dt.date(2024, 1, 2), page, position).model_copy(update={"title": title})
    expected = clean(title).strip() or f"{common.page_label(page)} 第{position}篇"
    assert entry_title(e) == expected


@settings(max_examples=300, deadline=None)
@given(eid=TEXT, name=TEXT, slug=st.sampled_from(["dong", "d\x01ng", "d\ud800", "d\u3000"]))
def test_xml_checked_as_defined(eid: str, name: str, slug: str) -> None:
    """`xml_checked` is what `NOT_XML` says of the ids, URLs and names it looked at before."""
    e = entry(dt.date(2024, 1, 2), 1, 3, people=(person_of("记者", f"董{name}", slug),))
    e = e.model_copy(update={"id": f"tag:x,2024:{eid}"})
    parts = entry_parts(SITE, e)
    raw = [parts.id, parts.url, SITE.name, SITE.base_url, f"{SITE.base_url}sections/"]
    raw += [i.url for i in parts.images] + [p.url for p in (*parts.authors, *parts.photographers)]
    assert parts.xml_checked == (NOT_XML.search("".join(raw)) is None)


class _NoScan:
    """A stand-in for `NOT_XML` that fails when it is asked."""

    def search(self, text: str) -> re.Match[str] | None:
        raise AssertionError(f"scanned {text!r}")


def test_printable_entry_is_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry whose texts are printable: its paragraphs, title and links are not handed to the
    regular expressions (main cleaned the paragraphs and the title and searched the links)."""
    e = entry(dt.date(2024, 1, 2), 1, 3, title="标题", paragraphs=("导语，第一段。", "第二段"))
    expected = entry_parts(SITE, e)
    cleaned: list[str] = []

    def recorded(text: str) -> str:
        cleaned.append(text)
        return clean(text)

    monkeypatch.setattr(common, "clean", recorded)
    monkeypatch.setattr(common, "NOT_XML", _NoScan())
    assert entry_parts(SITE, e) == expected
    assert not {"标题", "导语，第一段。\n第二段", "导语，第一段。"} & set(cleaned)


def _reads(monkeypatch: pytest.MonkeyPatch, cls: type[Any]) -> list[str]:
    """The attributes read from instances of `cls` from now on (by name, in order)."""
    reads: list[str] = []

    def counting(self: Any, name: str) -> Any:
        reads.append(name)
        return object.__getattribute__(self, name)

    monkeypatch.setattr(cls, "__getattribute__", counting)
    return reads


def _entries() -> list[Entry]:
    people = (person_of("记者", "董笑瑜", "dong"), person_of(None, "张祥荣", "zhang", credit="摄"))
    photo = EntryImage(path="images/2024/01/02/p2-1.jpg", width=4, height=3, bbox=(0, 0, 1, 1), length=9)
    return [
        entry(dt.date(2024, 1, 2), 2, 1, people=people, kicker="引题", subtitle="副题").model_copy(
            update={"images": (photo,)}
        ),
        entry(dt.date(2024, 1, 2), 1, 2, people=people[:1]),
        entry(dt.date(2024, 1, 2), 1, 1, title="", kind="photo", people=people[1:]),
    ]


def test_entries_read_by_their_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a worker does with an entry reads its fields from `__dict__` once a call, not one by
    one through pydantic's `__getattr__` hook (main read ~65 attributes an entry here), and
    makes what it made from attribute reads."""
    entries = _entries()
    around = issues.neighbours(entries)
    made = [(entry_parts(SITE, e), keys.entry_key(e)) for e in entries]
    near = [around[e.id] for e in entries]
    pages = [
        html.article_page(SITE, e, p, "d" * 64, a) for e, (p, _), a in zip(entries, made, near, strict=True)
    ]
    by_id = {e.id: p for e, (p, _) in zip(entries, made, strict=True)}  # as a worker has them
    view = html.issue_view(SITE, dt.date(2024, 1, 2), entries, by_id)
    packed = [pool.pack(e, slim=n % 2 == 1) for n, e in enumerate(entries)]
    reads = _reads(monkeypatch, Entry)
    assert [pool.pack(e, slim=n % 2 == 1) for n, e in enumerate(entries)] == packed
    assert [(entry_parts(SITE, e), keys.entry_key(e)) for e in entries] == made
    again = [
        html.article_page(SITE, e, p, "d" * 64, a) for e, (p, _), a in zip(entries, made, near, strict=True)
    ]
    assert again == pages
    assert issues.neighbours(entries) == around
    assert html.issue_view(SITE, dt.date(2024, 1, 2), entries, by_id) == view
    assert set(reads) == {"__dict__"}
    assert len(reads) <= 13 * len(entries)


@settings(max_examples=200, deadline=None)
@given(
    role=st.none() | st.sampled_from(["", "记者", "首席记者"]),
    name=st.sampled_from(["董笑瑜", "", "a b"]),
    credit=st.none() | st.sampled_from(["", "摄", "图", "文/图", "文", "摄影"]),
    built=st.sampled_from(["validated", "constructed", "copied"]),
)
def test_person_properties_as_defined(role: str | None, name: str, credit: str | None, built: str) -> None:
    fields: dict[str, Any] = {"role": role, "name": name, "credit": credit, "slug": "s"}
    if built == "validated":
        p = EntryPerson(**fields)
    elif built == "constructed":
        p = EntryPerson.model_construct(**fields)
    else:
        p = EntryPerson(role="x", name="y", credit=None, slug="s").model_copy(update=fields)
    assert p.label == (f"{role} {name}" if role else name)
    assert p.is_photographer == (credit is not None and ("摄" in credit or "图" in credit))


@pytest.mark.parametrize(
    ("model", "typed"), [(Entry, records.EntryFields), (EntryPerson, records.PersonFields)]
)
def test_typed_fields_are_the_models(model: type[Entry | EntryPerson], typed: type) -> None:
    """`records.EntryFields` and `PersonFields` type what the render path reads of a model's
    `__dict__`: the same names, in the same order, with the same types as the model's fields (a
    field added, renamed or retyped on the model fails here until its typed view follows)."""
    hints = get_type_hints(typed)
    assert list(hints) == list(model.model_fields)
    assert hints == {name: field.annotation for name, field in model.model_fields.items()}


def test_typed_fields_are_the_instance_dict() -> None:
    """`entry_fields` and `person_fields` are the model's own `__dict__` (no copy): every field,
    as the attribute gives it."""
    made = entry(
        dt.date(2023, 6, 26), 1, 2, paragraphs=("正文。",), people=(person_of("记者", "董笑瑜", "dong"),)
    )
    fields = records.entry_fields(made)
    assert fields is made.__dict__
    assert {name: getattr(made, name) for name in Entry.model_fields} == fields
    person = made.contributors[0]
    assert records.person_fields(person) == {name: getattr(person, name) for name in EntryPerson.model_fields}
    again = records.entry_of(records.EntryFields(**fields))  # and back: the entry of these fields
    assert again == made and again.model_fields_set == set(Entry.model_fields)
    assert Entry.model_validate(again.model_dump()) == made
