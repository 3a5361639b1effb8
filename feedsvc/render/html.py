"""Pages for people: `index.html`, one page per article, one per section and contributor feed.

Plain string templates; every piece of text goes through `esc` (cleaned and HTML-escaped). Links
between pages are relative, feed autodiscovery links (`<link rel="alternate">`) too (browsers and
readers resolve them against the page's address), so the folder reads the same from any host, any
port, a path prefix, or the disk: a preview on another port than base_url's works.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence

from feedsvc.records import PAPER, Entry, EntryPerson, FeedInfo, FeedRef
from feedsvc.render.common import (
    FEED_TYPES,
    EntryParts,
    Site,
    entry_title,
    esc,
    html_path,
    page_label,
    relative_root,
)

_CSS = """\
body{font:17px/1.75 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;\
max-width:42rem;margin:0 auto;padding:1rem 1.1rem 3rem;color:#222;background:#fff;overflow-wrap:anywhere}
a{color:#0b57d0}h1{font-size:1.55rem;line-height:1.4;margin:.4rem 0}h2{font-size:1.2rem;margin-top:2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}ul{padding-left:1.2rem}li{margin:.35rem 0}
nav,.meta,.kicker,.subtitle,.byline,.credit,footer,small{color:#555}nav,footer,small{font-size:.88rem}
.kicker{margin:0}.subtitle{font-weight:600;margin:.2rem 0 .8rem}
footer{margin-top:2.5rem;border-top:1px solid #ddd}
.feeds a{white-space:nowrap}
@media (prefers-color-scheme:dark){body{background:#15171a;color:#ddd}a{color:#8ab4f8}
nav,.meta,.kicker,.subtitle,.byline,.credit,footer,small{color:#aaa}}"""

_DIGEST = re.compile(rb"<!-- feedsvc article ([0-9a-f]{64}) -->")
_FEED_TYPES = tuple((kind.ext, kind.media_type, kind.label) for kind in FEED_TYPES)


@functools.cache
def _discovery(site: Site, root: str, feeds: tuple[tuple[FeedRef, str], ...]) -> str:
    """Autodiscovery links for `feeds` (ref, title), relative: `root` leads up to the output folder."""
    return "".join(
        f'<link rel="alternate" type="{media}" title="{esc(name)} ({label})"'
        f' href="{root}{esc(f"{ref.stem}.{ext}")}">\n'
        for ref, name in feeds
        for ext, media, label in _FEED_TYPES
    )


def _page(
    site: Site,
    path: str,
    title: str,
    body: str,
    feeds: tuple[tuple[FeedRef, str], ...],
    *,
    comment: str = "",
) -> bytes:
    """A whole page; `feeds` (ref, title) become autodiscovery links, `comment` an HTML comment on top."""
    discovery = _discovery(site, relative_root(path), feeds)
    return (
        f'<!doctype html>\n{comment}<html lang="{esc(site.language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n{discovery}<style>\n{_CSS}\n</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    ).encode()


def _date(site: Site, when: dt.datetime) -> str:
    local = site.local(when)
    return f'<time datetime="{local.isoformat()}">{local.year}年{local.month}月{local.day}日</time>'


def _feed_links(root: str, ref: FeedRef) -> str:
    return " · ".join(f'<a href="{root}{ref.stem}.{ext}">{label}</a>' for ext, _, label in _FEED_TYPES)


def _person(root: str, person: EntryPerson) -> str:
    return f'<a href="{root}contributors/{esc(person.slug)}.html">{esc(person.label)}</a>'


def _where(entry: Entry) -> str:
    """`第1版 · 要闻`"""
    return page_label(entry.page) + (f" · {esc(entry.section)}" if entry.section else "")


def _entry_item(site: Site, root: str, entry: Entry, *, date: bool = True) -> str:
    when = f"{_date(site, entry.published)} " if date else ""
    return (
        f'<li>{when}<a href="{root}{esc(entry.path)}">{esc(entry_title(entry))}</a>'
        f" <small>{_where(entry)}</small></li>\n"
    )


def article_page(site: Site, entry: Entry, parts: EntryParts, digest: str | None = None) -> bytes:
    """An article's page at `entry.path`: kicker, headline, subtitle, byline, body, photo credit.
    `digest` (see `common.entry_digest`) goes into a comment at the top, for `read_digest`."""
    root = relative_root(entry.path)
    crumbs = [f'<a href="{root}index.html">{esc(site.name)}</a>']
    if entry.section and entry.section_slug:
        crumbs.append(f'<a href="{root}sections/{esc(entry.section_slug)}.html">{esc(entry.section)}</a>')
    out = [f"<nav>{' › '.join(crumbs)}</nav>\n<article>\n"]
    if parts.kicker:
        out.append(f'<p class="kicker">{esc(parts.kicker)}</p>\n')
    out.append(f"<h1>{esc(parts.title)}</h1>\n")
    if parts.subtitle:
        out.append(f'<p class="subtitle">{esc(parts.subtitle)}</p>\n')
    writers, photographers = entry.writers, entry.photographers
    if writers:
        out.append(f'<p class="byline">{"　".join(_person(root, p) for p in writers)}</p>\n')
    meta = f"{_date(site, parts.published)} · {_where(entry)}"
    if parts.updated != parts.published:
        meta += f" · 更新于 {_date(site, parts.updated)}"
    out.append(f'<p class="meta">{meta}</p>\n{parts.body_html}\n')
    if photographers:
        out.append(f'<p class="credit">摄影：{"　".join(_person(root, p) for p in photographers)}</p>\n')
    feeds = [f"全报 {_feed_links(root, PAPER)}"]
    if entry.section and entry.section_slug:
        feeds.append(f'<a href="{root}sections/{esc(entry.section_slug)}.html">{esc(entry.section)}</a>')
    people: dict[str, EntryPerson] = {}
    for person in entry.contributors:
        people.setdefault(person.slug, person)
    feeds.extend(_person(root, p) for p in people.values())
    out.append(f"</article>\n<footer>\n<p>订阅：{'；'.join(feeds)}</p>\n")
    out.append(f'<p><a href="{root}index.html">返回首页</a></p>\n</footer>\n')
    comment = f"<!-- feedsvc article {digest} -->\n" if digest else ""
    title = f"{parts.title} - {site.name}"
    return _page(site, entry.path, title, "".join(out), ((PAPER, site.name),), comment=comment)


def read_digest(head: bytes) -> str | None:
    """The digest in the first bytes of an article page made by `article_page`."""
    found = _DIGEST.search(head)
    return found.group(1).decode() if found else None


def feed_page(site: Site, info: FeedInfo, recent: Sequence[Entry]) -> bytes:
    """A section's or contributor's page at `<stem>.html`: its feeds and its recent entries."""
    ref = info.ref
    path = html_path(ref)
    root = relative_root(path)
    title = site.title(info.name)
    items = "".join(_entry_item(site, root, entry) for entry in recent)
    body = (
        f'<nav><a href="{root}index.html">{esc(site.name)}</a></nav>\n<h1>{esc(title)}</h1>\n'
        f'<p class="feeds">订阅：{_feed_links(root, ref)} · 共 {info.entry_count} 篇</p>\n'
        f"<h2>最近的稿件</h2>\n<ul>\n{items}</ul>\n"
        f'<footer>\n<p><a href="{root}index.html">返回首页</a>，'
        "查看全报和其他版面、作者的订阅。</p>\n</footer>\n"
    )
    return _page(site, path, title, body, ((ref, title),))


_GROUPS = (("paper", "全报"), ("section", "版面"), ("contributor", "作者"))

_HOW_TO = (
    "<p>复制下面任意一个 Atom 或 JSON Feed 链接，粘贴到阅读器（如 NetNewsWire、Inoreader、Feedly、"
    "newsboat）的“添加订阅”里即可；支持自动发现的阅读器也可以直接添加本页地址。"
    '想一次订阅全部，把 <a href="feeds.opml">feeds.opml</a> 导入阅读器。'
    "每个订阅带最近 {n} 篇；更早的稿件在归档页里，支持 RFC 5005 归档的阅读器可以继续往前翻。</p>\n"
)


def index_page(site: Site, infos: Sequence[FeedInfo], issue: Sequence[Entry]) -> bytes:
    """`index.html`: the latest issue's items, every feed grouped, how to subscribe."""
    body = [f"<header>\n<h1>{esc(site.name)}</h1>\n"]
    if site.name_en:
        body.append(f"<p><small>{esc(site.name_en)}</small></p>\n")
    body.append("</header>\n")
    if issue:
        body.append(f"<h2>最新一期 · {_date(site, issue[0].published)}</h2>\n<ul>\n")
        body.extend(_entry_item(site, "", entry, date=False) for entry in issue)
        body.append("</ul>\n")
    body.append(f"<h2>订阅</h2>\n{_HOW_TO.format(n=site.max_entries)}")
    listed = list(infos)
    if not any(i.ref == PAPER for i in listed):  # the paper's feed exists even before its first issue
        listed.insert(0, FeedInfo(ref=PAPER, name="", entry_count=0))
    for kind, heading in _GROUPS:
        group = [i for i in listed if i.ref.kind == kind]
        if not group:
            continue
        body.append(f"<h3>{heading}</h3>\n<ul>\n")
        for info in group:
            name = site.title(info.name) if kind == "paper" else info.name
            link = f'<a href="{html_path(info.ref)}">{esc(name)}</a>' if kind != "paper" else esc(name)
            body.append(
                f'<li>{link} <span class="feeds">{_feed_links("", info.ref)}</span>'
                f" <small>{info.entry_count} 篇</small></li>\n"
            )
        body.append("</ul>\n")
    return _page(site, "index.html", site.name, "".join(body), ((PAPER, site.name),))
