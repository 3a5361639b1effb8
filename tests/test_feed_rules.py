"""The W3C feed validator's rules this project relies on, as tests (the validator is not available
offline; `/work/shared/tools/check-feeds` and the validator itself were run on sample outputs too).

Every Atom and RSS document of a paper with archives, corrections made in one run (same instant)
and items on several pages is checked for what the validator reports as an error or a warning:

Atom: no two entries with the same `atom:updated` (DuplicateUpdated) or id (DuplicateIds); RFC 3339
dates with an offset; `published` not after `updated`; a `rel="self"` link to the document's own
URL (MissingSelf, SelfDoesntMatchLocation); no two links with the same rel and type
(DuplicateAtomLink); an author on every entry; `icon` and `logo` absolute URLs.
RSS: channel title, link, description; `atom:link rel="self"` to the document's own URL; `image`
with the channel's title and link (ImageTitleDoesntMatch, ImageLinkDoesntMatch); per item a unique
`guid` that is not a URL and so says `isPermaLink="false"`; RFC 822 `pubDate`/`lastBuildDate` with a
numeric zone and the right day of the week (IncorrectDOW); no RSS `author` (it must be an e-mail
address: the names are `dc:creator`).
And the order rule (`common.shown`): the items of one edition keep the printed order, lead newest.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from feedsvc.publish import build_all
from feedsvc.records import Entry
from feedsvc.render.common import printed_rank
from tests.render_helpers import BASE, CST, DONG, YU, ZHANG_PHOTO, FakeSource, bulk_entries, entry, settings

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
RFC822 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}"
)
DC = "{http://purl.org/dc/elements/1.1/}"


def _paper() -> list[Entry]:
    day = dt.date(2023, 6, 26)
    fixed = dt.datetime(2023, 6, 27, 10, 0, tzinfo=CST)  # one correction run: every edit at this instant
    return [
        *bulk_entries(60),
        *(entry(day, 1, n, people=(DONG, YU) if n % 2 else (DONG,)) for n in range(1, 6)),
        entry(day, 1, 6, people=(ZHANG_PHOTO,), kind="photo", updated=fixed),
        entry(day, 1, 7, updated=fixed),
        entry(day, 2, 1, updated=fixed),
        entry(day, 2, 2, people=(DONG, ZHANG_PHOTO)),
        entry(day, 3, 1, updated=fixed),
    ]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("rules")
    return dict(
        build_all(
            FakeSource(_paper()), settings(out, max_entries=10, page_size=10, hubs=["https://hub.example/"])
        )
    )


def _docs(outputs: dict[str, bytes], ext: str) -> list[tuple[str, etree._Element]]:
    found = [(p, etree.fromstring(d)) for p, d in sorted(outputs.items()) if p.endswith(f".{ext}")]
    assert any(p.startswith("archive/") for p, _ in found) and len(found) > 10
    return found


def _rfc3339(value: str | None) -> dt.datetime:
    assert value and RFC3339.fullmatch(value), value
    return dt.datetime.fromisoformat(value)


def test_atom_documents(outputs: dict[str, bytes]) -> None:
    for path, feed in _docs(outputs, "atom"):
        links = [(link.get("rel"), link.get("type"), link.get("href")) for link in feed.findall(f"{A}link")]
        assert ("self", "application/atom+xml", BASE + path) in links, path
        assert len({(rel, kind) for rel, kind, _ in links}) == len(links), path
        feed_updated = _rfc3339(feed.findtext(f"{A}updated"))
        for tag in ("icon", "logo"):
            assert (feed.findtext(f"{A}{tag}") or "").startswith(BASE), (path, tag)
        assert feed.findtext(f"{A}subtitle"), path
        ids, updated = [], []
        for e in feed.findall(f"{A}entry"):
            ids.append(e.findtext(f"{A}id"))
            when = _rfc3339(e.findtext(f"{A}updated"))
            assert _rfc3339(e.findtext(f"{A}published")) <= when <= feed_updated, path
            assert e.find(f"{A}author/{A}name") is not None, path
            updated.append(when)
        assert len(set(ids)) == len(ids), path
        assert len(set(updated)) == len(updated), f"{path}: two entries with the same atom:updated"


def test_rss_documents(outputs: dict[str, bytes]) -> None:
    for path, rss in _docs(outputs, "rss"):
        assert rss.tag == "rss" and rss.get("version") == "2.0"
        channel = rss.find("channel")
        title, link = channel.findtext("title"), channel.findtext("link")
        assert title and link and channel.findtext("description"), path
        self_links = [a.get("href") for a in channel.findall(f"{A}link") if a.get("rel") == "self"]
        assert self_links == [BASE + path], path
        assert channel.findtext("image/title") == title and channel.findtext("image/link") == link
        _rfc822(channel.findtext("lastBuildDate"))
        guids, dates = [], []
        for item in channel.findall("item"):
            guid = item.find("guid")
            assert guid is not None and guid.get("isPermaLink") == "false" and guid.text.startswith("tag:")
            guids.append(guid.text)
            dates.append(_rfc822(item.findtext("pubDate")))
            assert item.find("author") is None and item.findall(f"{DC}creator"), path
        assert len(set(guids)) == len(guids), path
        assert len(set(dates)) == len(dates), path


def _rfc822(value: str | None) -> dt.datetime:
    assert value and RFC822.fullmatch(value), value
    when = parsedate_to_datetime(value)
    assert value.startswith(when.strftime("%a,")), f"{value}: wrong day of the week"
    assert when.utcoffset() == dt.timedelta(hours=8)
    return when


def test_an_edition_keeps_its_printed_order(outputs: dict[str, bytes]) -> None:
    """In the paper's feed the edition of 6-26 reads in printed order, newest first, lead first."""
    feed = etree.fromstring(outputs["feed.atom"])
    edition = [
        (e.findtext(f"{A}id"), _rfc3339(e.findtext(f"{A}published")))
        for e in feed.findall(f"{A}entry")
        if "2023-06-26/" in (e.findtext(f"{A}id") or "")
    ]
    ids = [i for i, _ in edition]
    assert ids[0].endswith("2023-06-26/p1/1") and ids[-1].endswith("2023-06-26/p3/1")
    instants = [when for _, when in edition]
    assert instants == sorted(instants, reverse=True) and len(set(instants)) == len(instants)
    assert instants[0] == dt.datetime(2023, 6, 26, 6, 0, tzinfo=CST)  # the lead: the edition time


@given(st.sets(st.tuples(st.integers(1, 99), st.integers(1, 100)), min_size=2, max_size=60))
def test_printed_rank_is_distinct_and_ordered(items: set[tuple[int, int]]) -> None:
    ordered = sorted(items)
    ranks = [printed_rank(page, position) for page, position in ordered]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert printed_rank(1, 1) == 0
    assert max(ranks) < 24 * 3600  # an edition never reaches into the one before


def test_instants_are_the_same_at_every_regenerate(tmp_path: Path) -> None:
    first = dict(build_all(FakeSource(_paper()), settings(tmp_path / "a")))
    second = dict(build_all(FakeSource(list(reversed(_paper()))), settings(tmp_path / "b")))
    assert first == second
