"""Feed pages for people spliced on disk (`render.feedpage`): the new page made from the copy on
disk of its previous version, the cards both hold copied as bytes, is byte for byte the page
rendered whole; anything not proven is rendered whole."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from feedsvc.records import Entry, FeedInfo, FeedRef
from feedsvc.render import feedpage, html
from feedsvc.render.common import Site, html_path
from feedsvc.render.feedpage import PAGES, FeedPages, page_digest, splice
from feedsvc.render.feeds import Rendered

from .render_helpers import bulk_entries, settings

REF = FeedRef(kind="contributor", slug="dong-xiaoyu")
NAME = "记者 董笑瑜"


def _site(tmp_path: Path, **look: object) -> Site:
    made = settings(tmp_path, max_entries=20, page_size=10)
    if look:
        made = made.model_copy(update={"site": made.site.model_copy(update=look)})
    return Site.from_settings(made)


def _entries(n: int = 30) -> list[Entry]:
    return list(reversed(bulk_entries(n, start=dt.date(2023, 2, 1))))  # newest first


def _info(count: int, name: str = NAME) -> FeedInfo:
    return FeedInfo(ref=REF, name=name, entry_count=count)


def _whole(site: Site, info: FeedInfo, entries: Sequence[Entry]) -> bytes:
    digest = page_digest(site, info, (Rendered(e).key for e in entries))
    return feedpage.whole(site, info, entries, digest)


def _resealed(page: bytes) -> bytes:
    """`page`, edited by hand, sealed again: only the page's other checks can find the edit."""
    return feedpage.seal(re.sub(rb"(<!-- feedsvc feed [0-9a-f]{64}) [0-9a-f]{32}", rb"\1", page, count=1))


class _Loads:
    """Stubs' loaders (as `render.stubs` makes them): which entries were read whole."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.by_id = {e.id: e for e in entries}
        self.read: list[str] = []

    def __call__(self, entry_id: str) -> Entry:
        self.read.append(entry_id)
        return self.by_id[entry_id]

    def stubs(self, entries: Sequence[Entry]) -> list[Rendered]:
        return [Rendered(e.model_copy(update={"paragraphs": ()}), load=self) for e in entries]


def _write(folder: Path, data: bytes) -> None:
    path = folder / html_path(REF)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.mark.parametrize(("old", "new"), [(slice(3, 23), slice(0, 20)), (slice(3, 13), slice(0, 13))])
def test_a_page_gains_new_cards_and_drops_the_oldest(tmp_path: Path, old: slice, new: slice) -> None:
    """Three new entries: with 20 cards a page, three old ones drop off its end (or, on a page not
    yet full, none do); only the new cards are read whole and rendered (the dropped ones are cut
    off where their openers show)."""
    site = _site(tmp_path)
    everything = _entries()
    old_info, info = _info(27 if old.stop == 23 else 10), _info(30 if old.stop == 23 else 13)
    raw = _whole(site, old_info, everything[old])
    loads = _Loads(everything)
    before, recent = loads.stubs(everything[old]), loads.stubs(everything[new])
    recent[3:] = [r for r in before if r.entry.id in {e.id for e in everything[3 : new.stop]}]
    old_digest = page_digest(site, old_info, (r.key for r in before))
    digest = page_digest(site, info, (r.key for r in recent))
    spliced = splice(raw, site, new=(info, recent, digest), old=(old_info, before, old_digest))
    assert spliced == _whole(site, info, everything[new])
    assert sorted(loads.read) == sorted(e.id for e in everything[0:3])


def test_nothing_is_spliced_without_proof(tmp_path: Path) -> None:
    site = _site(tmp_path)
    everything = _entries()
    old_info, info = _info(27), _info(30)
    before, recent = [Rendered(e) for e in everything[3:23]], [Rendered(e) for e in everything[:20]]
    raw = _whole(site, old_info, everything[3:23])
    digest = page_digest(site, info, (r.key for r in recent))

    def attempt(
        data: bytes | None, entries: Sequence[Rendered] = before, was: FeedInfo = old_info
    ) -> bytes | None:
        old = (was, entries, page_digest(site, was, (r.key for r in entries)))  # as `FeedPages` gives it
        return splice(data, site, new=(info, recent, digest), old=old)

    assert attempt(raw) == _whole(site, info, everything[:20])
    PAGES.clear()
    assert attempt(None) is None  # no copy on disk
    assert attempt(b"<!doctype html>\n<p>someone else's page</p>\n") is None  # a foreign file
    assert attempt(raw, before[1:]) is None  # the copy on disk is not the version the caller means
    assert attempt(raw, was=_info(26)) is None  # nor is it with another count
    last = html.feed_cards(site, REF, [html.card(site, everything[22])])
    tampered = raw.replace(last, last.replace(b"2023", b"2024", 1))
    assert tampered != raw
    assert attempt(tampered) is None  # an edit: the content is not its hash's
    # resealed by hand: the digest is what proves the cards, as for feed documents; an edit in the
    # cards dropped from its end goes with them
    assert attempt(_resealed(tampered)) == _whole(site, info, everything[:20])
    opener = feedpage.CARD_OPENER
    assert attempt(_resealed(raw.replace(last, last.replace(opener, b"<li class=x", 1)))) is None
    assert attempt(_resealed(raw.replace(last, last + opener + b">"))) is None  # an opener too many
    head = _resealed(raw.replace(b"<h2>", b"<h2 class=x>", 1))
    assert head != raw and attempt(head) is None  # its head is not the old page's
    assert PAGES == {
        "no file on disk": 1,
        "digest on disk is not the old page's": 3,
        "content on disk is not its hash's": 1,
        "cards not found by their openers": 2,
        "head or tail differ": 1,
        "spliced": 1,
    }


def test_every_card_starts_with_the_opener_and_holds_it_nowhere_else(tmp_path: Path) -> None:
    """`feedpage.splice` cuts the dropped cards off at `CARD_OPENER`: every card starts with it,
    with or without a photo, and a card's own text cannot write it (autoescaped)."""
    site = _site(tmp_path)
    opener = feedpage.CARD_OPENER
    assert opener[-1:] not in opener[:-1]  # no border: occurrences never overlap
    text = opener.decode() + '">' + opener.decode()
    entries = [
        e.model_copy(update={"title": text, "kicker": text, "paragraphs": (text,)}) for e in _entries(4)
    ]
    cards = [html.feed_cards(site, REF, [html.card(site, e)]) for e in entries]
    assert html.feed_cards(site, REF, [html.card(site, e) for e in entries]) == b"".join(cards)
    for card in cards:
        assert card.startswith(opener) and card.count(opener) == 1


def test_a_theme_with_its_own_cards_renders_pages_whole(tmp_path: Path) -> None:
    """A theme's `_cards.html` (or `feed.html`) may make a card depend on the page (its count, its
    place in the list): its pages are never spliced, and come out as the theme renders them."""
    folder = tmp_path / "theme"
    folder.mkdir()
    cards = (Path(html.__file__).parent / "templates" / "_cards.html").read_text(encoding="utf-8")
    (folder / "_cards.html").write_text(cards.replace("<h3>", "<h3>{{ count }} "), encoding="utf-8")
    site = _site(tmp_path, theme=folder)
    everything = _entries()
    old_info, info = _info(27), _info(30)
    before, recent = [Rendered(e) for e in everything[3:23]], [Rendered(e) for e in everything[:20]]
    raw = _whole(site, old_info, everything[3:23])
    assert b"<h3>27 " in raw
    PAGES.clear()
    old = (old_info, before, page_digest(site, old_info, (r.key for r in before)))
    digest = page_digest(site, info, (r.key for r in recent))
    assert splice(raw, site, new=(info, recent, digest), old=old) is None
    assert PAGES == {"a theme's feed page": 1}


def test_feed_pages_keep_a_current_page_and_splice_the_previous_one(tmp_path: Path) -> None:
    """Through `FeedPages`, as the builder uses it."""
    site = _site(tmp_path)
    out = tmp_path / "out"
    everything = _entries()
    first = FeedPages(site, out).page(_info(27), [Rendered(e) for e in everything[3:23]])
    assert first.files == [(html_path(REF), _whole(site, _info(27), everything[3:23]))]
    _write(out, first.files[0][1])
    PAGES.clear()
    again = FeedPages(site, out).page(_info(27), [Rendered(e) for e in everything[3:23]])
    assert (again.files, again.kept, dict(PAGES)) == ([], [html_path(REF)], {"current": 1})
    PAGES.clear()
    recent = [Rendered(e) for e in everything[:20]]
    spliced = FeedPages(site, out).page(_info(30), recent, [Rendered(e) for e in everything[3:23]])
    assert spliced.files == [(html_path(REF), _whole(site, _info(30), everything[:20]))]
    assert dict(PAGES) == {"spliced": 1}
    PAGES.clear()
    _write(out, b"stale")
    made = FeedPages(site, out).page(_info(30), recent, [Rendered(e) for e in everything[3:23]])
    assert made.files == spliced.files and dict(PAGES) == {"digest on disk is not the old page's": 1}


def test_the_stand_in_card_is_found_once(tmp_path: Path) -> None:
    """The head and tail are cut where the stand-in card's bytes are; the cards of a list are the
    cards of each, joined (what splicing relies on), and an empty list has none."""
    site = _site(tmp_path)
    cards = [html.card(site, e) for e in _entries(5)]
    joined = b"".join(html.feed_cards(site, REF, [c]) for c in cards)
    assert html.feed_cards(site, REF, cards) == joined and html.feed_cards(site, REF, []) == b""
    skeleton = feedpage._skeleton(site, _info(5), "ab" * 32)
    assert skeleton is not None
    page = html.feed_page_of(site, _info(5), cards, "ab" * 32)
    assert page == skeleton.head + joined + skeleton.tail


@pytest.mark.parametrize("name", [NAME, "要闻", "A&B <董>", "", " 记者 董笑瑜 "])
@pytest.mark.parametrize("count", [0, 1, 9, 12345])
def test_pages_joined_from_a_cut_are_the_pages_rendered(tmp_path: Path, name: str, count: int) -> None:
    """The page with the stand-in card, joined from its kind's cut (or, for a name the page
    escapes, rendered), is the page rendered with the stand-in card."""
    site = _site(tmp_path)
    for ref in (REF, FeedRef(kind="section", slug="yaowen"), FeedRef(kind="contributor", slug="zhang_3")):
        info = FeedInfo(ref=ref, name=name, entry_count=count)
        made = feedpage._marked(site, info, "cd" * 32)
        assert made == html.feed_page_of(site, info, [feedpage._MARK], "cd" * 32)
    cuts = feedpage._kept(site).cuts
    assert cuts["section"] is not None and cuts["contributor"] is not None


@pytest.mark.parametrize("old_name", ["通讯员 董笑瑜", "董笑瑜", "A&B <董>"])
def test_a_renamed_feed_page_is_spliced_under_its_new_name(tmp_path: Path, old_name: str) -> None:
    """A contributor's feed is named after their newest byline's role: a new role renames the
    page. The old name is read from the page on disk and proven by its digest."""
    site = _site(tmp_path)
    out = tmp_path / "out"
    everything = _entries()
    before = [Rendered(e) for e in everything[3:23]]
    _write(out, _whole(site, _info(27, old_name), everything[3:23]))
    PAGES.clear()
    recent = [Rendered(e) for e in everything[:20]]
    spliced = FeedPages(site, out).page(_info(30), recent, before)
    assert spliced.files == [(html_path(REF), _whole(site, _info(30), everything[:20]))]
    assert dict(PAGES) == {"spliced": 1}
    # a name on disk that the digest does not prove is not taken
    page = _whole(site, _info(27, old_name), everything[3:23])
    title = html.feed_page_of(site, _info(27, old_name), [], None).split(b"<title>")[1].split(b"</title>")[0]
    _write(out, page.replace(b"<title>" + title, b"<title>" + title + b"x", 1))
    PAGES.clear()
    made = FeedPages(site, out).page(_info(30), recent, before)
    assert made.files == spliced.files and dict(PAGES) == {"digest on disk is not the old page's": 1}


@pytest.mark.parametrize("where", ["first kept card", "last kept card", "tail", "truncated"])
def test_a_page_edited_on_disk_is_rendered_whole(tmp_path: Path, where: str) -> None:
    """An edit inside the cards that would be copied (or anywhere else, or a truncation) is not
    copied into the new page, nor stamped with its digest: the content's hash in the comment
    does not match, so the page is rendered whole."""
    site = _site(tmp_path)
    out = tmp_path / "out"
    everything = _entries()
    page = _whole(site, _info(27), everything[3:23])
    if where == "first kept card":
        at = page.index(b"<h3>")
        page = page[:at] + b"<h3>EDITED BY HAND " + page[at + 4 :]
    elif where == "last kept card":
        at = page.rindex(b"<h3>", 0, page.rindex(b"<h3>", 0, page.rindex(b"<h3>") - 1))
        page = page[:at] + b"<h3>EDITED BY HAND " + page[at + 4 :]
    elif where == "tail":
        page = page.replace(b"</body>", b"<p>EDITED BY HAND</p></body>")
    else:
        page = page[: len(page) // 2]
    _write(out, page)
    PAGES.clear()
    recent, before = [Rendered(e) for e in everything[:20]], [Rendered(e) for e in everything[3:23]]
    made = FeedPages(site, out).page(_info(30), recent, before)
    assert made.files == [(html_path(REF), _whole(site, _info(30), everything[:20]))]
    assert b"EDITED" not in made.files[0][1]
    assert dict(PAGES) == {"content on disk is not its hash's": 1}


def test_the_seal_is_a_hash_of_the_page_without_it(tmp_path: Path) -> None:
    site = _site(tmp_path)
    page = html.feed_page(site, _info(3), _entries(3), digest="ef" * 32)
    sealed = feedpage.seal(page)
    found = re.search(rb"<!-- feedsvc feed (ef){32} ([0-9a-f]{32}) -->\n", sealed)
    assert found is not None and sealed.replace(b" " + found.group(2), b"", 1) == page
    assert found.group(2).decode() == hashlib.sha256(page).hexdigest()[:32]
    assert feedpage.seal(sealed) == sealed and feedpage.seal(b"<p>no digest</p>") == b"<p>no digest</p>"
    assert feedpage.read_digest(sealed) == "ef" * 32


def _theme(tmp_path: Path, name: str, edit: tuple[str, str]) -> Path:
    folder = tmp_path / "theme"
    folder.mkdir(exist_ok=True)
    source = (Path(html.__file__).parent / "templates" / name).read_text(encoding="utf-8")
    assert edit[0] in source
    (folder / name).write_text(source.replace(*edit), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "edit",
    [
        ("<html lang=", '<html data-theme="x" lang='),  # the head
        (
            "</body>",
            "<p>{{ count % 2 }} {{ title }}</p>\n</body>",
        ),  # the tail, a value the cut cannot stand in for
        (
            "{% block main %}{% endblock %}",
            "{% if true %}{% block main %}{% endblock %}{% endif %}",
        ),  # under an `if`
    ],
)
def test_a_theme_with_its_own_base_html_is_spliced(tmp_path: Path, edit: tuple[str, str]) -> None:
    """The head and tail are cut from the page rendered with the theme's `base.html`: its pages
    are spliced, and come out as the theme renders them whole."""
    site = _site(tmp_path, theme=_theme(tmp_path, "base.html", edit))
    out = tmp_path / "out"
    everything = _entries()
    for count in (30, 31):  # an even and an odd count: the cut of the package's pages is not used
        _write(out, _whole(site, _info(count - 3), everything[3:23]))
        PAGES.clear()
        recent, before = [Rendered(e) for e in everything[:20]], [Rendered(e) for e in everything[3:23]]
        made = FeedPages(site, out).page(_info(count), recent, before)
        assert made.files == [(html_path(REF), _whole(site, _info(count), everything[:20]))]
        assert dict(PAGES) == {"spliced": 1}
    if "count" in edit[1]:
        assert b"<p>1 " in made.files[0][1]


@pytest.mark.parametrize(
    "edit",
    [
        (
            "{% block main %}{% endblock %}",
            '{% filter replace("董", "X") %}{% block main %}{% endblock %}{% endfilter %}',
        ),
        ("<html lang=", '<html data-cards="{{ cards|length }}" lang='),
        ("<html lang=", '<html data-main="{{ self.main()|length }}" lang='),
    ],
)
def test_a_theme_base_html_that_may_change_the_cards_renders_pages_whole(
    tmp_path: Path, edit: tuple[str, str]
) -> None:
    site = _site(tmp_path, theme=_theme(tmp_path, "base.html", edit))
    out = tmp_path / "out"
    everything = _entries()
    _write(out, _whole(site, _info(27), everything[3:23]))
    PAGES.clear()
    recent, before = [Rendered(e) for e in everything[:20]], [Rendered(e) for e in everything[3:23]]
    made = FeedPages(site, out).page(_info(30), recent, before)
    assert made.files == [(html_path(REF), _whole(site, _info(30), everything[:20]))]
    assert dict(PAGES) == {"a theme's feed page": 1}


def test_what_is_kept_is_looked_up_by_identity_and_shared_by_equal_sites(tmp_path: Path) -> None:
    site, same, other = _site(tmp_path), _site(tmp_path), _site(tmp_path, ui_language="en")
    assert site == same and site is not same and site != other
    kept = feedpage._kept(site)
    assert feedpage._kept(site) is kept and feedpage._kept(same) is kept  # each ingest makes its Site
    assert feedpage._kept(other) is not kept
