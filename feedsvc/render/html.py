"""Pages for people, from the Jinja2 templates of `render/templates/` (or a theme's, see
`render/theme.py`): `index.html`, one page per article, per issue, per section and contributor
feed, the past issues by year (an index, a page per year), and the search page.

Every link between pages is relative (`common.relative_url`), so the folder reads the same from
any host, port or sub-folder, or from disk; Open Graph URLs and feed autodiscovery links
(`<link rel="alternate">`) are absolute, as readers expect. Article, issue, year and feed pages carry
a digest of what their bytes depend on in an HTML comment at the top (`read_digest`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2

from feedsvc.models import ImageRef
from feedsvc.records import PAPER, Entry, EntryPerson, FeedInfo, FeedRef, entry_fields, sort_credits
from feedsvc.render import codegen, theme
from feedsvc.render.article import article_values
from feedsvc.render.common import (
    FEED_TYPES,
    EntryParts,
    Site,
    clean,
    entry_title,
    folder_url,
    html_path,
    plain_path,
    relative_url,
)
from feedsvc.render.common import ICON as PNG_ICON
from feedsvc.render.issues import ISSUES_INDEX, Around, IssuePlace, Months, issue_path, printed, year_path
from feedsvc.render.shared import ByFolder
from feedsvc.render.ui import Words

SEARCH = "search.html"
FEED_CARDS = "_feed_cards.html"  # a feed page's list of cards (`feed_cards`)
ICON = PNG_ICON  # icon.png (render/icons.py): Open Graph's image when a page has no photo
_DIGEST = re.compile(rb"<!-- feedsvc (?:article|issue|issues) ([0-9a-f]{64}) -->")
_FEED_TYPES = tuple((kind.ext, kind.media_type, kind.label) for kind in FEED_TYPES)
_LEAD = 90  # characters of a lead shown in lists
_LINKS: dict[tuple[str, str], str] = {}  # (folder of the page, target): relative link
_LINKS_KEPT = 50_000


@dataclass(frozen=True, slots=True)
class Card:
    """One item as a list shows it."""

    path: str
    title: str
    kicker: str | None
    lead: str
    where: str
    date: str
    datetime: str
    image: ImageRef | None


@dataclass(frozen=True, slots=True)
class PageView:
    number: int
    label: str
    section: str | None
    cards: tuple[Card, ...]


@dataclass(frozen=True, slots=True)
class IssueView:
    day: dt.date
    path: str
    pages: tuple[PageView, ...]


@dataclass(frozen=True, slots=True)
class FeedLine:
    name: str
    page: str | None
    links: tuple[tuple[str, str], ...]
    count: int


class Links(ByFolder):
    """A template's `link(target)` for the page at `path`: `common.relative_url`, each answer
    made once per folder (pages of one folder link the same targets)."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        super().__init__(path.rpartition("/")[0])
        self.path = path

    def __call__(self, target: str) -> str:
        if target[:1] in ("", "#", "?"):  # the page itself: a `{% shared %}` part using it is not kept
            self.by_page = True
            key = (self.path, target)
        else:
            key = (self.folder, target)
        found = _LINKS.get(key)
        if found is None:
            if len(_LINKS) >= _LINKS_KEPT:
                _LINKS.clear()
            found = _LINKS[key] = self._made(target)
        return found

    def _made(self, target: str) -> str:
        """`relative_url(self.path, target)`; a file in the page's own folder (an article's
        neighbours: two a page, each asked once) is its name, without the general rule's calls.
        Any other target without `#` or `?` from a page whose folder is plain takes `relative_url`'s
        own rule (`folder_url`) with what this page knows (its folder: `posixpath.dirname` of a
        plain path), without its look for a fragment, its `dirname` and their ~10 calls (an
        article in a new folder asks ~4 such links)."""
        head, _, name = target.rpartition("/")
        if "#" in target or "?" in target or not plain_path(target):
            return relative_url(self.path, target)
        folder = self.folder
        if head and head == folder:
            return name
        if not (plain_path(folder) if folder else "/" not in self.path):  # then `dirname` is not `folder`
            return relative_url(self.path, target)
        return folder_url(folder, target)


@functools.cache
def _words(language: str) -> Words:
    return Words(language)


def _render(site: Site, template: str, path: str, link: Links | None = None, **context: Any) -> bytes:
    """The template rendered for the page at `path` (relative to the output folder); `link`: the
    page's `Links`, if the caller made links with it already."""
    return _render_page(site, template, path, link, context)


def _render_page(site: Site, template: str, path: str, link: Links | None, context: dict[str, Any]) -> bytes:
    """`_render` with the page's names in a dict of the caller's (which this completes and hands
    to the template as they are: no copy)."""
    words = _words(site.ui)
    defaults = _defaults(site)  # each only where the page gives none
    context.setdefault("comment", "")
    if "description" not in context:
        context["description"] = defaults["description"]
    if "og_title" not in context:
        context["og_title"] = context.get("title", site.name)
    context.setdefault("og_type", "website")
    context.setdefault("og_image", ICON)
    if "alternates" not in context:
        context["alternates"] = defaults["alternates"]
    context.update(site=site, t=words, link=Links(path) if link is None else link, path=path)
    context["feed_types"] = _FEED_TYPES
    try:
        found = theme.template(site.theme, template)
        env = found.environment
        try:  # `found.render(context)` without its copies of the context (~40 names an article)
            text = env.concat(found.root_render_func(codegen.page_context(found, context)))
        except Exception:
            env.handle_exception()  # raises it, its traceback pointing into the template
    except jinja2.TemplateSyntaxError as exc:  # a theme's template
        raise theme.syntax_error(exc, template) from exc
    return text.encode("utf-8")


_DEFAULTS: dict[int, tuple[Site, dict[str, Any]]] = {}  # id(site): the site, its pages' defaults


def _defaults(site: Site) -> dict[str, Any]:
    """The paper's description and autodiscovery links, made once per `Site` (looked up by
    identity: hashing a `Site` each page cost more than the rest of this)."""
    found = _DEFAULTS.get(id(site))
    if found is None or found[0] is not site:
        if len(_DEFAULTS) >= 8:
            _DEFAULTS.clear()
        defaults = {
            "description": site.subtitle(PAPER, ""),
            "alternates": _alternates(site, ((PAPER, site.name),)),
        }
        found = _DEFAULTS[id(site)] = (site, defaults)
    return found[1]


@functools.cache
def _alternates(site: Site, feeds: tuple[tuple[FeedRef, str], ...]) -> tuple[tuple[str, str, str], ...]:
    """Absolute autodiscovery links (media type, title, URL) for `feeds` (ref, title)."""
    return tuple(
        (media, f"{clean(name)} ({label})", site.url(f"{ref.stem}.{ext}"))
        for ref, name in feeds
        for ext, media, label in _FEED_TYPES
    )


def where(site: Site, entry: Entry) -> str:
    """`第1版 · 要闻`"""
    fields = entry_fields(entry)
    return _where(site.ui, fields["page"], fields["section"])


@functools.lru_cache(maxsize=1024)
def _where(ui: str, page: int, section: str | None) -> str:
    label = _words(ui).f("page", n=page)
    return label + (f" · {clean(section)}" if section else "")


def lead(entry: Entry, limit: int = _LEAD) -> str:
    return _cut(clean(entry.summary), limit)


def _cut(summary: str, limit: int) -> str:
    """A cleaned summary as a lead of at most `limit` characters."""
    text = summary.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_WHEN: dict[tuple[object, str, dt.datetime, dt.timedelta | None], tuple[str, str]] = {}
# (zone, language, time, its UTC offset): shown
_WHEN_KEPT = 4096


def _when(site: Site, when: dt.datetime) -> tuple[str, str]:
    """`when` in the paper's time zone as a card shows it (its date) and as its `datetime`
    attribute, kept by instant (the items of an issue share one: made once an issue). The key
    holds the offset: two times of one zone compare by their clock, `fold` aside (the hour a
    clock goes back shows twice), so equal times with equal offsets are one instant."""
    key = (site.tz, site.ui, when, when.utcoffset())
    found = _WHEN.get(key)
    if found is None:
        if len(_WHEN) >= _WHEN_KEPT:
            _WHEN.clear()
        local = site.local(when)
        found = _WHEN[key] = (_words(site.ui).date(local), local.isoformat())
    return found


def card(site: Site, entry: Entry, parts: EntryParts | None = None) -> Card:
    """`entry` as a list shows it; `parts`: its `EntryParts`, if made (their title, kicker and
    summary are cleaned already)."""
    fields = entry_fields(entry)
    date, datetime = _when(site, fields["published"])
    if parts is None:
        kicker = fields["kicker"]
        title, kicker, shown = entry_title(entry), clean(kicker) if kicker else None, lead(entry)
    else:
        title, kicker, shown = parts.title, parts.kicker, _cut(parts.summary, _LEAD)
    images = fields["images"]
    return Card(
        path=fields["path"],
        title=title,
        kicker=kicker,
        lead=shown,
        where=_where(site.ui, fields["page"], fields["section"]),  # `where(site, entry)`
        date=date,
        datetime=datetime,
        image=images[0] if images else None,
    )


def issue_view(
    site: Site, day: dt.date, entries: Sequence[Entry], parts: Mapping[str, EntryParts] | None = None
) -> IssueView:
    """An issue's pages in printed order, each with its items' cards; `parts`: the entries'
    `EntryParts` by id, where made."""
    groups: list[tuple[int, str | None, list[Card]]] = []  # each page's number, section, cards
    known = parts or {}
    for entry in printed(entries):
        fields = entry_fields(entry)
        if not groups or groups[-1][0] != fields["page"]:  # the page's first entry
            groups.append((fields["page"], fields["section"], []))
        groups[-1][2].append(card(site, entry, known.get(fields["id"])))
    words = _words(site.ui)
    pages = tuple(
        PageView(
            number=page,
            label=words.f("page", n=page),
            section=clean(section) if section else None,
            cards=tuple(cards),
        )
        for page, section, cards in groups
    )
    return IssueView(day=day, path=issue_path(day), pages=pages)


def _unique(people: Sequence[EntryPerson]) -> list[EntryPerson]:
    seen: dict[str, EntryPerson] = {}
    for person in people:
        seen.setdefault(person.slug, person)
    return list(seen.values())


def article_page(
    site: Site, entry: Entry, parts: EntryParts, digest: str | None = None, around: Around | None = None
) -> bytes:
    """An article's page at `entry.path`: kicker, headline, subtitle, byline, photo and caption,
    body, photo credit, the items before and after it in its issue. `digest` (see
    `keys.entry_digest`) goes into a comment at the top, for `read_digest`."""
    fields = entry_fields(entry)
    images, path = fields["images"], fields["path"]
    paragraphs = list(parts.paragraphs)
    caption = ""
    if fields["kind"] == "photo" and images and paragraphs:
        caption = paragraphs.pop(0)  # a photo item's text is its caption
    around = around or Around()
    link = Links(path)
    contributors, writers, photographers = sort_credits(fields["contributors"])  # `entry.writers`, …
    people = _unique(contributors)
    context = article_values(
        _words(site.ui),
        entry,
        parts,
        around,
        link,
        writers=writers,
        photographers=photographers,
        everyone=people,
    )
    context.update(
        comment=f"feedsvc article {digest}" if digest else "",
        title=f"{parts.title} - {site.name}",
        og_title=parts.title,
        og_type="article",
        og_image=images[0].path if images else ICON,
        description=_cut(parts.summary, 160) or site.subtitle(PAPER, ""),
        entry=entry,
        parts=parts,
        writers=writers,
        photographers=photographers,
        people=people,
        paragraphs=paragraphs,
        caption=caption,
        where=_where(site.ui, fields["page"], fields["section"]),  # `where(site, entry)`
        around=around,
        issue_path=issue_path(fields["issue_date"]),
    )
    return _render_page(site, "article.html", path, link, context)


def read_digest(head: bytes) -> str | None:
    """The digest in the first bytes of an article or issue page."""
    found = _DIGEST.search(head)
    return found.group(1).decode() if found else None


def feed_page(site: Site, info: FeedInfo, recent: Sequence[Entry], *, digest: str | None = None) -> bytes:
    """A section's or contributor's page at `<stem>.html`: its feeds and its recent entries.
    `digest` (`render.feedpage.page_digest`) goes into a comment at the top (`render.feedpage.seal`
    adds the hash of the page's content to it)."""
    return feed_page_of(site, info, [card(site, e) for e in recent], digest)


def feed_page_of(site: Site, info: FeedInfo, cards: Sequence[Card], digest: str | None) -> bytes:
    """`feed_page` from the cards themselves (`render.feedpage` renders one with a stand-in card)."""
    ref = info.ref
    title = site.title(info.name)
    return _render(
        site,
        "feed.html",
        html_path(ref),
        comment=f"feedsvc feed {digest}" if digest else "",
        title=title,
        heading=title,
        alternates=_alternates(site, ((ref, title),)),
        stem=ref.stem,
        count=info.entry_count,
        cards=cards,
    )


def feed_cards(site: Site, ref: FeedRef, cards: Sequence[Card]) -> bytes:
    """The bytes `cards` make on the feed page of `ref` (`FEED_CARDS`, which `feed.html` includes),
    with that page's `link`: the package's `feed.html` is its head, these and its tail."""
    template = theme.template(site.theme, FEED_CARDS)
    path = html_path(ref)
    text = template.render(site=site, t=_words(site.ui), link=Links(path), path=path, cards=cards)
    return text.encode("utf-8")


def _feed_lines(site: Site, infos: Sequence[FeedInfo]) -> list[tuple[str, list[FeedLine]]]:
    words = _words(site.ui)
    listed = list(infos)
    if not any(i.ref == PAPER for i in listed):  # the paper's feed exists even before its first issue
        listed.insert(0, FeedInfo(ref=PAPER, name="", entry_count=0))
    groups = []
    kinds = (("paper", words.paper), ("section", words.pages), ("contributor", words.contributors))
    for kind, heading in kinds:
        lines = [_feed_line(site, i) for i in listed if i.ref.kind == kind]
        if lines:
            groups.append((heading, lines))
    return groups


def _feed_line(site: Site, info: FeedInfo) -> FeedLine:
    """The home page's line for a feed. A section's or contributor's is the one made last time for
    the same feed, name and count, if any (its fields depend on nothing else): the same object, so
    the key of the line's `{% shared %}` part in `index.html` (made from its values, `render.shared`)
    is found by identity, not made again, and an ingest renders the lines of the feeds it changed
    only (a ten-year paper has ~300)."""
    ref = info.ref
    key = (ref.kind, ref.slug, info.name, info.entry_count)
    found = _LINES.get(key) if ref.kind != "paper" else None  # the paper's name is the site's
    if found is None:
        found = FeedLine(
            name=site.title(info.name) if ref.kind == "paper" else clean(info.name),
            page=html_path(ref) if ref.kind != "paper" else None,
            links=tuple((label, f"{ref.stem}.{ext}") for ext, _, label in _FEED_TYPES),
            count=info.entry_count,
        )
        if ref.kind != "paper":
            if len(_LINES) >= _LINES_KEPT:
                _LINES.clear()
            _LINES[key] = found
    return found


_LINES: dict[tuple[str, str, str, int], FeedLine] = {}  # (kind, slug, name, count): its line
_LINES_KEPT = 2_048


def index_page(site: Site, infos: Sequence[FeedInfo], issue: Sequence[Entry]) -> bytes:
    """`index.html`: the nameplate, the latest issue page by page, every feed grouped."""
    view = issue_view(site, issue[0].issue_date, issue) if issue else None
    return _render(
        site, "index.html", "index.html", title=site.name, issue=view, groups=_feed_lines(site, infos)
    )


def issue_page(
    site: Site,
    place: IssuePlace,
    entries: Sequence[Entry],
    *,
    digest: str | None = None,
    parts: Mapping[str, EntryParts] | None = None,
) -> bytes:
    """One issue's page at `issues/YYYY/MM/DD.html`: its pages and their items in printed order,
    links to the issues before and after it. `parts`: the entries' `EntryParts` by id, where made."""
    words = _words(site.ui)
    day = place.day

    def near(other: dt.date | None) -> dict[str, str] | None:
        return {"path": issue_path(other), "title": words.date(other)} if other else None

    date = words.date(day)
    return _render(
        site,
        "issue.html",
        issue_path(day),
        comment=f"feedsvc issue {digest}" if digest else "",
        title=f"{date} - {site.name}",
        issue=issue_view(site, day, entries, parts),
        year_path=year_path(day.year),
        previous=near(place.previous),
        following=near(place.following),
    )


def issues_index(site: Site, counts: Sequence[tuple[int, int]], newest: tuple[int, Months] | None) -> bytes:
    """`issues/index.html`: every year with its count of issues (`issues.year_counts`), linking
    to its page, and the `newest` year's issues by month (see `issues.by_month`)."""
    words = _words(site.ui)
    year, months = newest if newest is not None else (None, [])
    return _render(
        site,
        "issues.html",
        ISSUES_INDEX,
        title=f"{words.past_issues} - {site.name}",
        years=counts,
        year=year,
        current=None,
        months=months,
        issue_path=issue_path,
        year_path=year_path,
    )


def issues_year(
    site: Site, years: Sequence[int], year: int, months: Months, *, digest: str | None = None
) -> bytes:
    """`issues/YYYY.html`: one year's issues by month, with links to the other `years`."""
    words = _words(site.ui)
    heading = words.f("year", year=year)
    return _render(
        site,
        "issues_year.html",
        year_path(year),
        comment=f"feedsvc issues {digest}" if digest else "",
        title=f"{words.past_issues} {heading} - {site.name}",
        heading=heading,
        years=[(y, None) for y in years],
        year=year,
        current=year,
        count=sum(len(days) for _, days in months),
        months=months,
        issue_path=issue_path,
        year_path=year_path,
    )


def search_page(site: Site, bundles: Sequence[str]) -> bytes:
    """`search.html`: Pagefind's UI over the search bundles (folders ending in `/`, newest first)."""
    words = _words(site.ui)
    return _render(site, "search.html", SEARCH, title=f"{words.search} - {site.name}", bundles=list(bundles))


def static_outputs(site: Site) -> list[tuple[str, bytes]]:
    """The static files (`static/<name>`): the theme's or the package's, and the default icon."""
    out = [(f"static/{name}", path.read_bytes()) for name, path in theme.static_files(site.theme).items()]
    env = theme.environment(site.theme)
    for name in theme.rendered_static(site.theme):
        out.append((f"static/{name}", env.get_template(name).render(site=site).encode("utf-8")))
    return sorted(out)
