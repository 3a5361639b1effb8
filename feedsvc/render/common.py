"""What every renderer shares: text cleaning, the site's URLs and ids, one entry's rendered pieces.

Pure, no I/O. `Site` holds what the settings say about the paper; `EntryParts` is an entry cut
into the strings every output format uses (made once per entry and run); `FeedDoc` is one feed
document, either a feed's subscription document or one of its RFC 5005 archive pages.

Archive pages (`archive/<stem>/<n>`, n = 1 is the oldest) partition a feed's entries in
chronological order into pages of `archive_page_size`: page n holds entries (n-1)·size … n·size-1,
counted from the oldest. The newest page is the *open* page and holds the remainder, 0 to size-1
entries; every other page is full, links to both neighbours and so never changes again unless an
entry in it changes. A feed whose entries all fit into its subscription document
(`feeds.max_entries`) has no archive pages.

Order within an issue (`printed_rank`, `shown`): the store publishes every item of an
edition at the same instant (the edition time, or the time its page came in if that was earlier),
so readers that sort by date would show one edition's items in any order, and the W3C validator
warns about entries with the same `updated`. The feeds therefore show each instant of an entry
(`published`, `updated`) moved back by its printed rank in seconds: rank = (page - 1) · 100 +
(position - 1). The lead story of page 1 keeps the edition time, the next item is one second older,
page 2 starts 100 s before the edition time, and so on (page 20 starts 31 min 40 s before it). The
rank comes from the entry alone, so the instants are the same at every regenerate, and the stored
instants (what the store orders and plans by) are left as they are. Entries of one edition are
distinct as long as a page holds at most 100 items; editions are a day apart.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import posixpath
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from feedsvc.config import Settings
from feedsvc.identity import archive_tag_uri, feed_tag_uri
from feedsvc.records import Entry, EntryFields, EntryPerson, FeedRef, entry_fields, sort_credits

RENDER_VERSION = "3"
"""Bump when the bytes of any feed document change for the same input: archive pages on disk
carry a digest that includes this, so a bump makes the next regenerate render them again."""

EMPTY_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""`updated` of a feed document without entries: the Unix epoch, never "now"."""

# Characters XML 1.0 forbids (C0 controls but tab, newline and return; lone surrogates; U+FFFE,
# U+FFFF) and those it discourages that never belong in newspaper text (DEL and the C1 controls).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


RANK_SPAN = 100
"""Seconds between the first items of consecutive pages of one edition (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class FeedType:
    """A feed format as pages for people link it: extension, media type, label."""

    ext: str
    media_type: str
    label: str


ATOM = FeedType("atom", "application/atom+xml", "Atom")
RSS = FeedType("rss", "application/rss+xml", "RSS")
JSON_FEED = FeedType("json", "application/feed+json", "JSON Feed")
FEED_TYPES: tuple[FeedType, ...] = (ATOM, RSS, JSON_FEED)
"""Every feed document exists in each of these formats (autodiscovery links list them in this order)."""

ICON = "icon.png"  # square, 512 px: Atom icon, JSON Feed icon, RSS image
FAVICON = "favicon.png"  # 64 px: JSON Feed favicon
FAVICON_ICO = "favicon.ico"  # 16, 32 and 48 px, for browsers
LOGO = "logo.png"  # twice as wide as tall: Atom logo


# What lxml refuses to serialize: C0 controls but tab, newline and return; surrogates; U+FFFE/F.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A text for which `str.isprintable()` is true holds nothing `_ILLEGAL` or `NOT_XML` matches (both
# are control characters, surrogates and noncharacters: none is printable), and `isprintable`
# looks at a character in ~15 instructions where the regular expressions take ~50. So the long
# texts of an entry are asked that first ("printable" below), the expression run only when it
# says no, which tells nothing: a line break, U+3000 or U+2028 is not printable either.


clean: Callable[[str], str] = functools.partial(_ILLEGAL.sub, "")
"""`clean(text)`: `text` without characters that XML 1.0 forbids or discourages. The pattern's
`sub` bound to its replacement, without a Python call of its own (~10 an entry rendered)."""


def esc(text: str) -> str:
    """Cleaned text, escaped for HTML or XML text and attribute values."""
    return html.escape(clean(text), quote=True)


def archive_pages(count: int, max_entries: int, page_size: int) -> int:
    """How many archive pages a feed of `count` entries has; the last one is the open page."""
    return 0 if count <= max_entries else count // page_size + 1


def html_path(ref: FeedRef) -> str:
    """The page for people about a feed: `index.html` for the paper, `<stem>.html` else."""
    return "index.html" if ref.kind == "paper" else f"{ref.stem}.html"


def relative_root(path: str) -> str:
    """The way up from `path` to the output folder: `articles/2023/06/26/x.html` → `../../../../`."""
    return "../" * path.count("/")


def relative_url(page: str, target: str) -> str:
    """A link from the page at `page` to `target`, both relative to the output folder, that works
    from any host, port or sub-folder and from disk: `sections/a.html` → `feed.atom` is `../feed.atom`.
    A `#fragment` or `?query` on `target` is kept."""
    cut = min((i for i in (target.find("#"), target.find("?")) if i >= 0), default=len(target))
    path, rest = target[:cut], target[cut:]
    if not path:
        return rest or posixpath.basename(page)
    folder = posixpath.dirname(page)
    if plain_path(path) and (not folder or plain_path(folder)):
        return folder_url(folder, path) + rest
    return _relative(folder, path) + rest


def folder_url(folder: str, path: str) -> str:
    """`relative_url` from a page in `folder` to `path`, both plain (`plain_path`; `folder` may be
    empty) and `path` without a fragment or query: the way to the target's folder is kept, not the
    way to each file."""
    head, _, name = path.rpartition("/")
    if head and not f"{folder}/".startswith(f"{path}/"):
        up = _relative(folder, head)
        return name if up == "." else f"{up}/{name}"
    return _relative(folder, path)


@functools.lru_cache(maxsize=4096)
def _relative(folder: str, path: str) -> str:
    """`posixpath.relpath(path, folder or ".")`, by counting the folders the two share (a page
    links to the same few pages from the same few folders: the answers are kept)."""
    if not plain_path(path) or (folder and not plain_path(folder)):  # `.`, `..`, `//`, `/x`: the general rule
        return posixpath.relpath(path, folder or ".")
    parts, base = path.split("/"), folder.split("/") if folder else []
    shared = 0
    for a, b in zip(parts, base, strict=False):
        if a != b:
            break
        shared += 1
    return "/".join([".."] * (len(base) - shared) + parts[shared:]) or "."


def plain_path(path: str) -> bool:
    """No empty, `.` or `..` part (so no leading, trailing or doubled `/`)."""
    wrapped = f"/{path}/"
    return "//" not in wrapped and "/./" not in wrapped and "/../" not in wrapped


@dataclass(frozen=True, slots=True)
class Site:
    """The paper as the settings describe it, with its URLs and tag URIs."""

    name: str
    name_en: str
    base_url: str
    authority: str
    language: str
    tz: zoneinfo.ZoneInfo
    hubs: tuple[str, ...]
    max_entries: int
    page_size: int
    fingerprint: str  # digest of everything here that archive pages depend on
    description: str = ""  # the paper's line for feed subtitles ("" = made from the name)
    theme: str | None = None  # the theme folder (see render/theme.py)
    ui: str = "zh"  # the pages' interface language
    logo: str | None = None  # a static file shown as the nameplate
    search: bool = False  # pages carry a search box (the Pagefind index is built)
    look: str = ""  # digest of the settings pages for people depend on (templates: see theme.fingerprint)

    @classmethod
    def from_settings(cls, settings: Settings) -> Site:
        paper = settings.paper
        fingerprint = hashlib.sha256(
            # earliest_date only decides what is accepted, not how anything renders
            f"{RENDER_VERSION}\n{paper.model_dump_json(exclude={'earliest_date'})}".encode(
                "utf-8", "surrogatepass"
            )
        ).hexdigest()
        look = settings.site
        theme = str(look.theme) if look.theme is not None else None
        look_digest = hashlib.sha256(
            f"{fingerprint}\n{look.model_dump_json(exclude={'theme'})}".encode("utf-8", "surrogatepass")
        ).hexdigest()
        return cls(
            theme=theme,
            ui=look.ui_language,
            logo=look.logo,
            search=look.search,
            look=look_digest,
            name=clean(paper.name),
            name_en=clean(paper.name_en),
            base_url=paper.base_url,
            authority=paper.tag_authority,
            language=paper.language,
            tz=paper.tz,
            hubs=settings.feeds.hubs,
            max_entries=settings.feeds.max_entries,
            page_size=settings.feeds.archive_page_size,
            fingerprint=fingerprint,
            description=clean(paper.description).strip(),
        )

    def url(self, path: str) -> str:
        return self.base_url + path

    def feed_id(self, ref: FeedRef) -> str:
        """A feed's permanent atom:id (`identity.feed_tag_uri`): `tag:…:feed`, `tag:…:section/yaowen`."""
        return feed_tag_uri(self.authority, ref)

    def doc_id(self, doc: FeedDoc) -> str:
        """A document's atom:id: the feed's, or for archive page n the feed's with `/archive/n`."""
        if doc.number is None:
            return feed_tag_uri(self.authority, doc.ref)
        return archive_tag_uri(self.authority, doc.ref, doc.number)

    def title(self, name: str) -> str:
        """A feed's title: the paper's name, then the feed's name (`钱塘新区报 · 记者 董笑瑜`)."""
        name = clean(name).strip()
        return f"{self.name} · {name}" if name else self.name

    def subtitle(self, ref: FeedRef, name: str) -> str:
        """A feed's one-line description (Atom subtitle, RSS and JSON Feed description)."""
        name = clean(name).strip()
        if ref.kind == "section" and name:
            return f"{self.name}「{name}」版的稿件"
        if ref.kind == "contributor" and name:
            return f"{self.name} {name} 署名的稿件"
        return self.description or f"{self.name}每期各版的稿件"

    def stamp(self, when: dt.datetime) -> str:
        """RFC 3339 in the paper's time zone, whole seconds: `2023-06-26T06:00:00+08:00`."""
        return self.local(when).isoformat()

    def local(self, when: dt.datetime) -> dt.datetime:
        local = when.astimezone(self.tz).replace(microsecond=0)
        offset = local.utcoffset()
        if offset is not None and offset.seconds % 60:  # local mean time (before ~1901): not RFC 3339
            return when.astimezone(dt.UTC).replace(microsecond=0)
        return local

    def person_url(self, person: EntryPerson) -> str:
        return f"{self.base_url}contributors/{person.slug}.html"


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class ImagePart:
    """A photo an entry carries, as feeds give it: its absolute URL, pixel size and byte size."""

    url: str
    width: int
    height: int
    length: int | None

    MEDIA_TYPE = "image/jpeg"


@dataclass(frozen=True, slots=True)
class EntryParts:
    """One entry cut into the cleaned strings the feed formats use, made once per entry."""

    id: str
    title: str
    url: str
    body_html: str  # the paragraphs only
    content_html: str
    summary: str  # the first paragraph, cleaned (RSS escapes it for its description, no more)
    published: dt.datetime  # in the paper's time zone, whole seconds
    updated: dt.datetime
    authors: tuple[Person, ...]
    photographers: tuple[Person, ...]
    section: str | None
    section_url: str | None
    page_label: str
    kicker: str | None
    subtitle: str | None
    page: int
    paragraphs: tuple[str, ...]  # cleaned, as `body_html` shows them
    published_iso: str  # `published` in RFC 3339 (`isoformat`), made once
    updated_iso: str  # `updated` the same; `published_iso` when the two are one instant
    images: tuple[ImagePart, ...] = ()
    xml_checked: bool = False
    """Made by `entry_parts` from text it cleaned (`clean`) and ids, URLs and site names in which
    it found nothing XML cannot hold (`NOT_XML`): the feed formats need not look again."""
    content_plain: bool = False
    """`content_html` holds no character below U+0020 but tab, line feed and carriage return, so
    JSON escapes no more of it than those, `\\` and `"` (`render.content.json_content`). True when
    `entry_parts` made it: every piece of it is cleaned text (`clean` takes the others out, and a
    printable text holds none), markup or a number."""

    @property
    def tags(self) -> list[str]:
        return [self.section, self.page_label] if self.section else [self.page_label]


def page_label(page: int) -> str:
    return f"第{page}版"


def credit_rank(person: EntryPerson) -> int:
    """Where the trade credits a person among an item's writers: reporters (记者 of every kind,
    评论员, or no role printed) first, then interns (实习生), then correspondents (通讯员)."""
    role = person.role or ""
    if "通讯员" in role:
        return 2
    if "实习" in role:
        return 1
    return 0


def credited(people: Iterable[EntryPerson]) -> tuple[EntryPerson, ...]:
    """`people` in the trade's credit order (`credit_rank`), printed order within a rank."""
    return tuple(sorted(people, key=credit_rank))


def people_line(people: Iterable[EntryPerson]) -> str:
    """`记者 董笑瑜　通讯员 张祥荣` (cleaned, not escaped)."""
    return "\u3000".join(clean(p.label) for p in people if clean(p.name).strip())


def printed_rank(page: int, position: int) -> int:
    """An item's rank in its edition's printed order, in seconds (module docstring)."""
    return (page - 1) * RANK_SPAN + (position - 1)


def shown(entry: Entry, when: dt.datetime) -> dt.datetime:
    """One of `entry`'s stored instants as the feeds show it: moved back by its printed rank."""
    return when - dt.timedelta(seconds=printed_rank(entry.page, entry.position))


def entry_title(entry: Entry) -> str:
    return _title(entry_fields(entry))


def _title(fields: EntryFields) -> str:
    """`entry_title` of an entry's fields (`records.entry_fields`)."""
    title = fields["title"]
    title = (title if title.isprintable() else clean(title)).strip()  # `clean(title)`, "printable"
    return title or f"{page_label(fields['page'])} 第{fields['position']}篇"


def body_html(paragraphs: Iterable[str]) -> str:
    """Paragraphs as escaped `<p>` elements, one a line (a line break inside a paragraph starts a new one)."""
    return _body_html(clean("\n".join(paragraphs)))


def _body_html(cleaned: str) -> str:
    """`body_html` of paragraphs joined by line breaks and cleaned."""
    text = html.escape(cleaned, quote=True)
    return "<p>" + text.replace("\n", "</p>\n<p>") + "</p>" if text else ""


def cleaned_paragraphs(paragraphs: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """`paragraphs` cleaned one by one, and joined by line breaks then cleaned (`body_html`'s
    text), with one scan of the text where none holds anything to clean (as in nearly every entry)."""
    joined = "\n".join(paragraphs)
    if "".join(paragraphs).isprintable():  # nothing to clean in any ("printable"), nor in the line breaks
        return paragraphs, joined
    cleaned = clean(joined)
    if cleaned == joined:
        return paragraphs, cleaned
    return tuple(clean(p) for p in paragraphs), cleaned


def content_html(
    entry: Entry, body: str, *, credited_photographers: bool, images: Iterable[ImagePart] = ()
) -> str:
    """The body as HTML: kicker and subtitle above the paragraphs (the dateline is their start),
    the photos the entry carries, then the photo credit unless the entry's authors are its
    photographers. No byline paragraph: the writers are the entry's authors in every format."""
    fields = entry_fields(entry)  # read as in `entry_parts`
    out: list[str] = []
    if kicker := fields["kicker"]:
        out.append(f"<p><em>{esc(kicker)}</em></p>")
    if subtitle := fields["subtitle"]:
        out.append(f"<p><strong>{esc(subtitle)}</strong></p>")
    if images := tuple(images):  # the alt text made only for an entry with photos
        alt = esc(_title(fields))
        out += [
            f'<p><img src="{esc(image.url)}" width="{image.width}" height="{image.height}" alt="{alt}"/></p>'
            for image in images
        ]
    if body:
        out.append(body)
    if not credited_photographers and (photographers := people_line(sort_credits(fields["contributors"])[2])):
        out.append(f"<p>摄影：{html.escape(photographers)}</p>")
    return "\n".join(out)


def _same_time(a: dt.datetime, b: dt.datetime) -> bool:
    """The same clock at the same offset (`==` of two times in one zone compares their clocks,
    blind to a fold: the offsets tell the repeated hour's two instants apart)."""
    return a == b and a.utcoffset() == b.utcoffset()


def entry_parts(site: Site, entry: Entry) -> EntryParts:
    """`entry` cut into `EntryParts`. Its fields are read through `records.entry_fields` (each
    `entry.title` would be a call of pydantic's `__getattr__` hook, ~30 an entry here)."""
    fields = entry_fields(entry)

    def people(persons: Iterable[EntryPerson]) -> tuple[Person, ...]:
        return tuple(
            Person(name=name, url=f"{base}contributors/{p.slug}.html")  # `site.person_url(p)`
            for p in persons
            if (name := clean(p.name).strip())
        )

    # The writers in credit order; a picture's author is its photographer; an item with no byline
    # at all carries the paper.
    base = site.base_url  # `site.url(x)` is `base + x`, written out here (~5 calls an entry)
    _, entry_writers, entry_photographers = sort_credits(fields["contributors"])  # `entry.writers`, …
    writers = people(credited(entry_writers))
    photographers = people(entry_photographers)
    by_photographers = not writers and fields["kind"] == "photo" and bool(photographers)
    paper = (Person(name=site.name, url=base),)
    authors = writers or (photographers if by_photographers else ()) or paper
    section_name, slug = fields["section"], fields["section_slug"]
    section = clean(section_name).strip() if section_name else None
    section_url = f"{base}sections/{slug}.html" if section and slug else None
    paragraphs, cleaned = cleaned_paragraphs(fields["paragraphs"])
    body = _body_html(cleaned)
    images = tuple(
        ImagePart(url=base + image.path, width=image.width, height=image.height, length=image.length)
        for image in fields["images"]
    )
    entry_id, url, page = fields["id"], base + fields["path"], fields["page"]
    # every other string below is cleaned text, or markup and labels made here from cleaned text
    raw = [entry_id, url, site.name, base, f"{base}sections/", *(i.url for i in images)]
    raw += [p.url for p in (*authors, *photographers)]
    back = dt.timedelta(seconds=printed_rank(page, fields["position"]))  # `shown`
    published = site.local(fields["published"] - back)
    one_instant = _same_time(fields["updated"], fields["published"])
    updated = published if one_instant else site.local(fields["updated"] - back)  # (of the instant alone)
    published_iso = published.isoformat()
    kicker, subtitle = fields["kicker"], fields["subtitle"]
    return EntryParts(
        id=entry_id,
        title=_title(fields),
        url=url,
        body_html=body,
        content_html=content_html(entry, body, credited_photographers=by_photographers, images=images),
        summary=paragraphs[0] if paragraphs else "",  # `clean(entry.summary)`: the first, cleaned
        published=published,
        updated=updated,
        authors=authors,
        photographers=photographers,
        section=section or None,
        section_url=section_url,
        page_label=page_label(page),
        kicker=clean(kicker) if kicker else None,
        subtitle=clean(subtitle) if subtitle else None,
        page=page,
        images=images,
        xml_checked=(checked := "".join(raw)).isprintable() or NOT_XML.search(checked) is None,  # "printable"
        content_plain=True,  # `content_html` above: cleaned text, markup and numbers
        paragraphs=paragraphs,
        published_iso=published_iso,
        updated_iso=published_iso if _same_time(updated, published) else updated.isoformat(),
    )


@dataclass(frozen=True, slots=True)
class FeedDoc:
    """One feed document: the subscription document (`number` None) or archive page `number`."""

    ref: FeedRef
    title: str
    updated: dt.datetime
    number: int | None = None
    last: int = 0  # the open (newest) archive page's number; 0 when the feed has no archive
    subtitle: str = ""  # `Site.subtitle`

    def path(self, ext: str) -> str:
        if self.number is None:
            return f"{self.ref.stem}.{ext}"
        return archive_path(self.ref, self.number, ext)

    def page_path(self, number: int, ext: str) -> str:
        """The path of this feed's archive page `number`."""
        return archive_path(self.ref, number, ext)

    @property
    def older(self) -> int | None:
        """The archive page just older than this document (RFC 5005 prev-archive; JSON next_url)."""
        if self.number is None:
            return self.last or None
        return self.number - 1 if self.number > 1 else None

    @property
    def newer(self) -> int | None:
        """The archive page just newer than this one (RFC 5005 next-archive)."""
        if self.number is None or self.number >= self.last:
            return None
        return self.number + 1


def archive_path(ref: FeedRef, number: int, ext: str) -> str:
    return f"archive/{ref.stem}/{number}.{ext}"
