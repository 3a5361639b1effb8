"""`atom.entry` writes an entry out directly: it must be byte for byte what feedgen and lxml make
of the same pieces (`atom._feedgen_entry`), for any text, and refuse what lxml refuses."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.render import atom, rss
from feedsvc.render.common import EntryParts, ImagePart, Person, Site, entry_parts
from tests.render_helpers import entry
from tests.render_helpers import person as person_of
from tests.render_helpers import settings as site_settings

SITE = Site.from_settings(site_settings(Path("feeds")))
CST = dt.timezone(dt.timedelta(hours=8))

# Text with what escaping is about (& < > " ' tab newline return), CJK, an emoji, and spaces.
ALPHABET = st.sampled_from(list("&<>\"'\t\n\r ]]]-a1《》“”记者董笑瑜。，\u3000\x85\u2028😀é"))
TEXT = st.text(ALPHABET, max_size=40)
WORD = st.text(ALPHABET, min_size=1, max_size=12)


def person(name: str, url: str = "http://127.0.0.1:8000/contributors/dong-xiaoyu.html") -> Person:
    return Person(name=name, url=url)


@st.composite
def parts(draw: st.DrawFn) -> EntryParts:
    when = dt.datetime(2023, 6, 26, 6, 0, tzinfo=CST) + dt.timedelta(minutes=draw(st.integers(0, 10**6)))
    section = draw(st.none() | WORD)
    updated = when + dt.timedelta(hours=draw(st.integers(0, 48)))
    return EntryParts(
        id=draw(st.sampled_from(["tag:qiantang.feedsvc.example,2023:2023-06-26/p1/3", "tag:x,2023:a&b<c>"])),
        title=draw(WORD),
        url=draw(
            st.sampled_from(["http://127.0.0.1:8000/articles/2023/06/26/p1-03.html", 'http://x/?a=1&b="2"'])
        ),
        body_html="",
        content_html=draw(TEXT),
        summary=draw(TEXT),
        published=when,
        updated=updated,
        authors=tuple(
            person(n, u)
            for n, u in draw(
                st.lists(st.tuples(TEXT, st.sampled_from(["", "http://a/"])), min_size=1, max_size=3)
            )
        ),
        photographers=tuple(person(n) for n in draw(st.lists(TEXT, max_size=2))),
        section=section,
        section_url=None,
        page_label=draw(st.sampled_from(["第1版", "第12版"])),
        kicker=None,
        subtitle=None,
        page=1,
        paragraphs=(),
        published_iso=when.isoformat(),
        updated_iso=updated.isoformat(),
        images=tuple(draw(st.lists(IMAGES, max_size=2))),
    )


IMAGES = st.builds(
    ImagePart,
    url=st.sampled_from(["http://127.0.0.1:8000/images/2023/06/26/p1-1.jpg", 'http://x/i.jpg?a=1&b="2"']),
    width=st.integers(1, 1600),
    height=st.integers(1, 1600),
    length=st.none() | st.integers(1, 10**7),
)


@settings(max_examples=400, deadline=None)
@given(parts())
def test_entry_is_what_feedgen_makes(p: EntryParts) -> None:
    try:
        expected = atom._feedgen_entry(SITE, p)
    except ValueError:  # feedgen refuses (no author with a name): so must entry
        with pytest.raises(ValueError):
            atom.entry(SITE, p)
        return
    assert atom.entry(SITE, p) == expected


@pytest.mark.parametrize("bad", ["\x0b", "\x00", "\ufffe", "\x1f"])
def test_text_xml_cannot_hold_is_refused_as_before(bad: str) -> None:
    p = EntryParts(
        id="tag:x,2023:1", title=f"标题{bad}", url="http://x/a.html", body_html="", content_html="",
        summary="", published=dt.datetime(2023, 6, 26, 6, tzinfo=CST), updated=dt.datetime(2023, 6, 26, 6, tzinfo=CST),
        authors=(person("董笑瑜"),), photographers=(), section=None, section_url=None, page_label="第1版",
        kicker=None, subtitle=None, page=1, paragraphs=(), published_iso="2023-06-26T06:00:00+08:00",
        updated_iso="2023-06-26T06:00:00+08:00",
    )  # fmt: skip
    with pytest.raises(ValueError):
        atom._feedgen_entry(SITE, p)
    with pytest.raises(ValueError):
        atom.entry(SITE, p)


BAD = st.sampled_from(["", "\x01", "\x0b", "\ud800", "\ufffe", "\x7f", "\x85", "&<>"])


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "title": BAD,
            "paragraph": BAD,
            "kicker": BAD,
            "subtitle": BAD,
            "name": BAD,
            "role": BAD,
            "slug": st.sampled_from(["dong", "d\x01ng", "d\ud800"]),
            "kind": st.sampled_from(["article", "photo"]),
        }
    )
)
def test_parts_checked_once_only_when_every_format_would_pass(f: dict[str, str]) -> None:
    """`entry_parts` marks its parts `xml_checked` only if the checks Atom and RSS would make on
    their own find nothing; either way each format writes the same bytes as checking itself."""
    name = f["name"]
    people = (
        person_of(f["role"], f"董{name}", f["slug"]),
        person_of(None, f"张{name}", "zhang", credit="摄"),
    )
    e = entry(
        dt.date(2024, 1, 2),
        1,
        3,
        title=f"标题{f['title']}",
        people=people,
        paragraphs=(f"导语{f['paragraph']}", "第二段"),
        kicker=f["kicker"] or None,
        subtitle=f["subtitle"] or None,
        kind=f["kind"],
    )
    p = entry_parts(SITE, e)
    unchecked = dataclasses.replace(p, xml_checked=False)
    authors = [(a.name, a.url) for a in (*p.authors, *p.photographers) if a.name]
    description, content = rss._fields(p)
    if p.xml_checked:
        assert atom._xml_safe(SITE, p, authors) and rss._xml_safe(SITE, p, description, content)
    for fmt in (atom.entry, rss.entry):
        try:
            expected: bytes | type[Exception] = fmt(SITE, unchecked)
        except ValueError:
            expected = ValueError
        if expected is ValueError:
            with pytest.raises(ValueError):
                fmt(SITE, p)
        else:
            assert fmt(SITE, p) == expected


@pytest.mark.parametrize("where", ["id", "photographer_slug"])
def test_parts_with_strings_xml_cannot_hold_are_not_marked_checked(where: str) -> None:
    """The strings `entry_parts` does not clean (the id, the people's links) are looked at too."""
    people = (person_of("记者", "董", "dong"), person_of(None, "张", "zhang", credit="摄"))
    e = entry(dt.date(2024, 1, 2), 1, 3, people=people)
    if where == "id":
        e = e.model_copy(update={"id": e.id + "\x01"})
    else:
        shooter = e.contributors[1].model_copy(update={"slug": "zh\x01ang"})
        e = e.model_copy(update={"contributors": (e.contributors[0], shooter)})
    parts = entry_parts(SITE, e)
    assert not parts.xml_checked
    with pytest.raises(ValueError):
        atom.entry(SITE, parts)
    if where == "id":
        with pytest.raises(ValueError):
            rss.entry(SITE, parts)
