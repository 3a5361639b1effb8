"""What the package's `article.html` shows, made in Python (`article_values`) rather than by calls
in the template; `html.article_page` renders the page with them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from feedsvc.records import Entry, EntryPerson, entry_fields
from feedsvc.render.common import EntryParts
from feedsvc.render.issues import Around, issue_path
from feedsvc.render.ui import Words


def article_values(
    words: Words,
    entry: Entry,
    parts: EntryParts,
    around: Around,
    link: Callable[[str], str],
    *,
    writers: Sequence[EntryPerson],
    photographers: Sequence[EntryPerson],
    everyone: Sequence[EntryPerson],
) -> dict[str, Any]:
    """What the package's `article.html` shows, made here rather than by calls in the template
    (`link(…)`, `t.date(…)`, `isoformat()`, `loop.first`: each a call through Jinja2's context):
    the hrefs, the dates as shown and in `datetime` attributes, and each list of people (the
    `writers`, the `photographers`, `everyone` credited once) as (separator before it, href, label)."""
    fields = entry_fields(entry)
    name, slug, day = fields["section"], fields["section_slug"], fields["issue_date"]
    section = name and slug
    # compared as written, not as datetimes: in a daylight-saving fold two instants an hour apart
    # share a clock and a tzinfo, and `!=` between such datetimes ignores `fold`
    changed = parts.updated_iso != parts.published_iso
    name_sep, list_sep = words.name_sep, words.list_sep
    return {
        "issue_href": link(issue_path(day)),
        "issue_date": words.date(day),
        "section_href": link(f"sections/{slug}.html") if section else None,
        "section_name": name if section else None,
        "byline": _people_links(writers, name_sep, link, first=""),
        "published_iso": parts.published_iso,
        "published_date": words.date(parts.published),
        "updated_iso": parts.updated_iso if changed else None,
        "updated_date": words.date(parts.updated) if changed else None,
        "figures": tuple((link(i.path), i.width, i.height, n == 0) for n, i in enumerate(fields["images"])),
        "credits": _people_links(photographers, name_sep, link, first=""),
        "prev_href": link(around.previous.path) if around.previous else None,
        "prev_title": around.previous.title if around.previous else None,
        "next_href": link(around.next.path) if around.next else None,
        "next_title": around.next.title if around.next else None,
        "people_links": _people_links(everyone, list_sep, link),
    }


def _people_links(
    people: Sequence[EntryPerson], sep: str, link: Callable[[str], str], first: str | None = None
) -> tuple[tuple[str, str, str], ...]:
    """(separator, href, label) for each person's page: `sep` before each, but `first` (if given)
    before the first."""
    if not people:
        return ()
    out = [(sep, link(f"contributors/{p.slug}.html"), p.label) for p in people]
    if first is not None:
        out[0] = (first, *out[0][1:])
    return tuple(out)
