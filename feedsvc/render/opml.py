"""The subscription lists (OPML 2.0), made so that importing one holds each article once.

Readers match items by id across all their feeds (newsboat, for one, lists an item under one feed
only), and one article sits in the paper's feed, its section's and each contributor's, so a list
of every feed leaves feeds looking empty. Hence two lists:

- `feeds.opml`, "the whole paper": the section feeds when together they hold every article (each
  article is in at most one section), else the paper's own feed. Either way each article once.
- `contributors.opml`: every contributor's feed (记者, 通讯员, photographers). An article by two
  people is in both their feeds; a reader shows it once, under one of them.

Each outline points to the feed's Atom document (the RSS and JSON documents sit beside it).
"""

from __future__ import annotations

from collections.abc import Sequence

from feedsvc.records import PAPER, FeedInfo
from feedsvc.render.common import ATOM, Site, esc, html_path

FEEDS_OPML = "feeds.opml"
CONTRIBUTORS_OPML = "contributors.opml"


def _outlines(site: Site) -> dict[tuple[str, str, str, str], str]:
    """The outlines made for `site` (by feed kind, slug, name and indent): an outline depends on
    nothing else, and `contributors.opml` lists every contributor's feed (~300 for ten years) at
    each publish that changes the list of feeds or their counts, so each is made once."""
    kept = _OUTLINES.get(site)
    if kept is None:
        if len(_OUTLINES) >= _SITES_KEPT:
            _OUTLINES.clear()
        kept = _OUTLINES.setdefault(site, {})
    elif len(kept) >= _OUTLINES_KEPT:
        kept.clear()
    return kept


_OUTLINES: dict[Site, dict[tuple[str, str, str, str], str]] = {}
_SITES_KEPT = 16  # the papers of one service
_OUTLINES_KEPT = 4_096


def _outline(kept: dict[tuple[str, str, str, str], str], site: Site, info: FeedInfo, indent: str) -> str:
    """A feed's outline, as made last for the same site (`kept`), feed, name and indent if it was."""
    key = (info.ref.kind, info.ref.slug, info.name, indent)
    found = kept.get(key)
    if found is None:
        found = kept[key] = _made_outline(site, info, indent)
    return found


def _made_outline(site: Site, info: FeedInfo, indent: str) -> str:
    title = esc(site.title(info.name))
    feed_url = esc(site.url(f"{info.ref.stem}.{ATOM.ext}"))
    page_url = esc(site.url(html_path(info.ref)))
    return (
        f'{indent}<outline type="rss" text="{title}" title="{title}"'
        f' xmlUrl="{feed_url}" htmlUrl="{page_url}"/>\n'
    )


def _document(site: Site, title: str, group: str | None, infos: Sequence[FeedInfo]) -> bytes:
    """An OPML document listing `infos`, in a folder named `group` when given."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n<head>\n',
        f"  <title>{esc(title)}</title>\n  <docs>http://opml.org/spec2.opml</docs>\n</head>\n<body>\n",
    ]
    kept = _outlines(site)
    if group is not None and infos:
        lines.append(f'  <outline text="{esc(group)}" title="{esc(group)}">\n')
        lines.extend(_outline(kept, site, info, "    ") for info in infos)
        lines.append("  </outline>\n")
    else:
        lines.extend(_outline(kept, site, info, "  ") for info in infos)
    lines.append("</body>\n</opml>\n")
    return "".join(lines).encode()


def paper_feeds(infos: Sequence[FeedInfo]) -> list[FeedInfo]:
    """What `feeds.opml` lists: the sections if they hold every article of the paper, else the paper."""
    paper = next((i for i in infos if i.ref == PAPER), FeedInfo(ref=PAPER, name="", entry_count=0))
    sections = [i for i in infos if i.ref.kind == "section"]
    if sections and sum(i.entry_count for i in sections) == paper.entry_count:
        return sections
    return [paper]


def opml_document(site: Site, infos: Sequence[FeedInfo]) -> bytes:
    """`feeds.opml`: the whole paper, each article once (`paper_feeds`)."""
    listed = paper_feeds(infos)
    group = "版面" if listed[0].ref.kind == "section" else None
    return _document(site, site.name, group, listed)


def contributors_document(site: Site, infos: Sequence[FeedInfo]) -> bytes:
    """`contributors.opml`: every contributor's feed."""
    people = [i for i in infos if i.ref.kind == "contributor"]
    return _document(site, site.title("作者"), "作者", people)
