"""`feeds.opml`: every feed's Atom URL in an OPML 2.0 subscription list, grouped like index.html."""

from __future__ import annotations

from collections.abc import Sequence

from feedsvc.records import PAPER, FeedInfo
from feedsvc.render.common import Site, esc, html_path

_GROUPS = (("section", "版面"), ("contributor", "作者"))


def _outline(site: Site, info: FeedInfo, indent: str) -> str:
    title = esc(site.title(info.name))
    feed_url = esc(site.url(f"{info.ref.stem}.atom"))
    page_url = esc(site.url(html_path(info.ref)))
    return (
        f'{indent}<outline type="rss" text="{title}" title="{title}"'
        f' xmlUrl="{feed_url}" htmlUrl="{page_url}"/>\n'
    )


def opml_document(site: Site, infos: Sequence[FeedInfo]) -> bytes:
    """The subscription list: the whole paper first, then a folder each of sections and contributors."""
    paper = next((i for i in infos if i.ref == PAPER), FeedInfo(ref=PAPER, name="", entry_count=0))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n<head>\n',
        f"  <title>{esc(site.name)}</title>\n  <docs>http://opml.org/spec2.opml</docs>\n</head>\n<body>\n",
        _outline(site, paper, "  "),
    ]
    for kind, heading in _GROUPS:
        group = [i for i in infos if i.ref.kind == kind]
        if group:
            lines.append(f'  <outline text="{heading}" title="{heading}">\n')
            lines.extend(_outline(site, info, "    ") for info in group)
            lines.append("  </outline>\n")
    lines.append("</body>\n</opml>\n")
    return "".join(lines).encode()
