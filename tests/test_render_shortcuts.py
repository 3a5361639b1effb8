"""Shortcuts the render workers take (issue 15, eleventh round), each against what it replaced:
`Entry.writers` / `photographers` sorted out once per contributors tuple, the UI strings as
attributes of `Words`, `xml_attr` without a call of `xml_text`, `clean` as the pattern's `sub`."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import pickle
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsvc.records import Entry, EntryPerson
from feedsvc.render import common, rss
from feedsvc.render.atom import xml_attr, xml_text
from feedsvc.render.ui import STRINGS, Words
from tests.render_helpers import entry, person, settings

DAY = dt.date(2024, 3, 5)
CREDITS = (None, "摄", "图", "文/图", "文", "文并摄", "制图", "供图", "")


def _old_writers(e: Entry) -> tuple[EntryPerson, ...]:
    """`Entry.writers` as main wrote it (a tuple rebuilt on each read)."""
    return tuple(p for p in e.contributors if not p.is_photographer or "文" in (p.credit or ""))


def _old_photographers(e: Entry) -> tuple[EntryPerson, ...]:
    return tuple(p for p in e.contributors if p.is_photographer)


people_st = st.lists(
    st.builds(
        person,
        st.sampled_from(("记者", "通讯员", None)),
        st.sampled_from(("董笑瑜", "张祥荣", "郁佳炜")),
        st.sampled_from(("dong", "zhang", "yu")),
        credit=st.sampled_from(CREDITS),
    ),
    max_size=5,
)


@given(st.lists(people_st, min_size=1, max_size=4))
def test_writers_and_photographers_as_before_whatever_the_order_asked(
    groups: list[list[EntryPerson]],
) -> None:
    entries = [entry(DAY, 1, n + 1, people=people) for n, people in enumerate(groups)]
    for e in entries + entries[::-1]:  # each asked after another entry was (the kept answer is not theirs)
        assert e.writers == _old_writers(e)
        assert e.photographers == _old_photographers(e)
        assert e.writers == _old_writers(e)  # and again, from what was kept


def test_reading_writers_leaves_equality_copies_and_pickles_as_they_were() -> None:
    photo = person("通讯员", "张祥荣", "zhang", credit="摄")
    e = entry(DAY, 1, 1, people=(person("记者", "董笑瑜", "dong"), photo))
    before = (pickle.dumps(e), e.__dict__.copy(), e.model_dump(), e.model_fields_set)
    assert e.writers == (e.contributors[0],) and e.photographers == (photo,)
    after = (pickle.dumps(e), e.__dict__.copy(), e.model_dump(), e.model_fields_set)
    assert after == before  # nothing kept on the entry
    twin = entry(DAY, 1, 1, people=(person("记者", "董笑瑜", "dong"), photo))
    assert e == twin and twin == e and hash(e) == hash(twin)
    assert pickle.loads(pickle.dumps(e)) == e and copy.deepcopy(e) == e and copy.copy(e) == e
    # a copy with other contributors answers for them, not with the tuple kept for `e`
    other = e.model_copy(update={"contributors": (photo,)})
    assert other.writers == () and other.photographers == (photo,)
    assert e.writers == (e.contributors[0],)
    written = e.model_copy(update={"contributors": (person("记者", "郁佳炜", "yu", credit="文/图"),)})
    assert written.writers == written.contributors == written.photographers
    assert pickle.loads(pickle.dumps(other)).photographers == (photo,)


def test_words_strings_are_attributes_and_the_value_is_its_language() -> None:
    for language, strings in STRINGS.items():
        words = Words(language)
        for key, text in strings.items():
            if key != "month":
                assert getattr(words, key) == text
        assert words.month(2024, 3) == words.f("month", year=2024, month=3, month_name="March")
        assert words == Words(language) and hash(words) == hash(Words(language))
        assert words != Words("en" if language == "zh" else "zh")
        back = pickle.loads(pickle.dumps(words))
        assert back == words and back.home == words.home and copy.deepcopy(words).home == words.home
        assert repr(words) == f"Words(language={language!r})"
    try:
        Words("zh").no_such_string  # noqa: B018
    except AttributeError as exc:
        assert "no UI string" in str(exc)
    else:
        raise AssertionError("an unknown UI string must raise AttributeError")


def test_a_string_named_like_a_field_leaves_the_value_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """A UI string called `language` (a language switcher's label, say) is read with `t.f`; it
    must not replace the field that equality, hashing and pickles go by."""
    monkeypatch.setitem(STRINGS, "zh", {**STRINGS["zh"], "language": "语言"})
    words = Words("zh")
    assert words.language == "zh" and words == Words("zh")
    assert pickle.loads(pickle.dumps(words)) == words and words.f("language") == "语言"


_ESCAPED = st.text(alphabet=st.sampled_from("&<>\"\r\t\n'a要 ;#"), max_size=20)


@given(_ESCAPED)
def test_xml_attr_escapes_as_xml_text_then_quotes_tabs_and_newlines(value: str) -> None:
    expected = xml_text(value)
    for raw, escaped in (('"', "&quot;"), ("\t", "&#9;"), ("\n", "&#10;")):
        expected = expected.replace(raw, escaped)
    assert xml_attr(value) == expected


@given(st.text(max_size=30))
def test_clean_is_the_pattern_removing_what_xml_forbids(value: str) -> None:
    assert common.clean(value) == re.sub(common._ILLEGAL, "", value)
    assert common.clean("a\x00b\x7f\ufffe") == "ab"


def test_page_context_renders_as_jinja2s_context_globals_shadowed_by_the_page() -> None:
    import jinja2

    from feedsvc.render import codegen

    env = codegen.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.globals["motto"] = "<global>"
    source = "{% for i in range(n) %}{{ i }}{% endfor %}|{{ motto }}|{{ cycler }}|{% set x = 2 %}{{ x }}{{ title }}"
    for page in (
        {"n": 3, "title": "&"},
        {"n": 2, "title": "t", "motto": "page's own", "range": lambda n: [7] * n},
    ):
        template = env.from_string(source)
        expected = template.render(dict(page))
        names = dict(page)
        context = codegen.page_context(template, names)
        assert env.concat(template.root_render_func(context)) == expected
        assert context.parent is names and dict(context.parent) == dict(template.globals, **page)
        assert context.globals_keys == set(template.globals) and context.name == template.name


_DIRTY = st.text(alphabet=st.sampled_from("本报讯 &<>\x00\x0b\x7f\x85\ufffe\ud800\t\n"), max_size=12)


@functools.cache
def _site() -> common.Site:
    return common.Site.from_settings(settings(Path("/nonexistent")))


@given(st.lists(_DIRTY, max_size=3))
def test_the_summary_is_the_first_paragraph_cleaned_and_rss_describes_it_as_esc_did(
    paragraphs: list[str],
) -> None:
    e = entry(DAY, 1, 1).model_copy(update={"paragraphs": tuple(paragraphs)})
    parts = common.entry_parts(_site(), e)
    assert parts.summary == common.clean(e.summary)
    lead, content = common.esc(e.summary), parts.content_html  # what `rss._fields` escaped before
    assert rss._fields(parts) == ((lead, content) if lead and content else (lead or content, ""))
