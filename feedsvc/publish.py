"""From store changes to files in the served folder: plan (pure), build (render), write (atomic).

    changes ──plan()──► Plan ──build(source, plan, settings)──► Build ──write(output_dir, build)
                                  build_all(source, settings)     └──► remove(output_dir, build.obsolete)

`build` renders what a plan names, `build_all` every output (regenerate). Both return a `Build`:
an iterator of (relative path, bytes) made lazily, so a whole archive never sits in memory. When
it is exhausted, `Build.obsolete` lists outputs that are no longer produced (retracted articles,
emptied feeds, archive pages beyond the last) for `remove`. Archive pages whose copy in the output
folder is current (same digest, see `render.common.page_digest`) are not rendered again; they are
listed in `Build.kept`. `write` replaces a file only when its bytes differ, atomically; nothing
else writes into the output folder.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

from feedsvc.config import Settings
from feedsvc.errors import PublishError, StoreError
from feedsvc.faults import checkpoint
from feedsvc.records import PAPER, Change, Entry, FeedInfo, FeedRef
from feedsvc.render import html, opml
from feedsvc.render.common import Site, archive_pages, html_path
from feedsvc.render.feeds import FORMATS, FeedRenderer, Outputs, Rendered

INDEX = "index.html"
OPML = "feeds.opml"
TEMP_SUFFIX = ".feedsvc-tmp"  # write()'s temporary files: `.<name>.<random>.feedsvc-tmp`
OUTPUT_SUFFIXES = frozenset({".atom", ".json", ".html", ".opml"})
_CHUNK = 1000  # entries per store read while walking the whole paper


class EntrySource(Protocol):
    """What publishing reads from the store.

    Every feed lists its entries in one total order shared by all feeds (the store's: published
    descending, then page, position, id), so a section's or contributor's entries are the paper's
    entries in the same order with the others left out. `build_all` relies on it.
    """

    def feed_infos(self) -> list[FeedInfo]:
        """Every feed with at least one live entry, in `FeedRef.sort_key` order."""
        ...

    def entries(self, ref: FeedRef, *, limit: int | None = None, offset: int = 0) -> list[Entry]:
        """A feed's live entries, newest first."""
        ...

    def count(self, ref: FeedRef) -> int:
        """How many live entries a feed has."""
        ...

    def issue_entries(self, date: dt.date) -> list[Entry]:
        """One issue's live entries in page and reading order."""
        ...

    def latest_issue_date(self) -> dt.date | None:
        """The issue date of the newest live entry."""
        ...


# ------------------------------------------------------------------------------------------ plan


@dataclass(frozen=True)
class Plan:
    """What a batch of changes requires to be rendered again."""

    feeds: frozenset[FeedRef] = frozenset()  # feeds whose documents (and archive pages) change
    articles: tuple[Entry, ...] = ()  # article pages to write, in path order
    deleted_articles: frozenset[str] = frozenset()  # article pages no entry has any more
    pages: frozenset[str] = frozenset()  # pages for people: index.html, feeds.opml, <stem>.html
    since: dt.datetime | None = None  # oldest `published` of any changed entry, before or after

    def __bool__(self) -> bool:
        return bool(self.feeds or self.articles or self.deleted_articles or self.pages)


def plan(changes: Iterable[Change]) -> Plan:
    """Which outputs `changes` (applied in order) touch. Pure.

    A change touches every feed of its entry before and after (so a contributor taken off an entry
    gets their feed rebuilt, or removed when it empties), the article page of its entry after, and
    the article page of its entry before when that page is not produced any more.
    """
    feeds: set[FeedRef] = set()
    write: dict[str, Entry] = {}
    delete: set[str] = set()
    since: dt.datetime | None = None
    for change in changes:
        feeds |= change.feeds
        for entry in (change.before, change.after):
            if entry is not None and (since is None or entry.published < since):
                since = entry.published
        before, after = change.before, change.after
        if before is not None and (after is None or after.path != before.path):
            if before.path in write and write[before.path].id == before.id:
                del write[before.path]
            delete.add(before.path)
        if after is not None:
            write[after.path] = after
            delete.discard(after.path)
    if since is None:
        return Plan()
    pages = {INDEX, OPML} | {html_path(ref) for ref in feeds if ref.kind != "paper"}
    return Plan(
        feeds=frozenset(feeds),
        articles=tuple(write[path] for path in sorted(write)),
        deleted_articles=frozenset(delete - write.keys()),
        pages=frozenset(pages),
        since=since,
    )


# ----------------------------------------------------------------------------------------- build


class Build(Iterator[tuple[str, bytes]]):
    """The outputs of one build as (relative path, bytes), rendered while they are iterated.

    `kept`: archive pages found current in the output folder and not rendered again. `obsolete`:
    outputs to delete, complete once the iteration has ended."""

    def __init__(
        self, outputs: Iterable[Outputs], finish: Callable[[Build], list[str]] | None = None
    ) -> None:
        self.kept: set[str] = set()
        self.produced: set[str] = set()
        self._obsolete: list[str] = []
        self._done = False
        self._files = self._flatten(outputs, finish)

    def _flatten(
        self, outputs: Iterable[Outputs], finish: Callable[[Build], list[str]] | None
    ) -> Iterator[tuple[str, bytes]]:
        for out in outputs:
            self.kept.update(out.kept)
            self._obsolete.extend(out.obsolete)
            for path, data in out.files:
                self.produced.add(path)
                yield path, data
        if finish is not None:
            self._obsolete.extend(finish(self))
        self._done = True

    def __next__(self) -> tuple[str, bytes]:
        return next(self._files)

    @property
    def obsolete(self) -> list[str]:
        if not self._done:
            raise RuntimeError("Build.obsolete is known only once the build has been iterated to its end")
        return sorted(set(self._obsolete) - self.produced - self.kept)


def build(source: EntrySource, plan: Plan, settings: Settings, *, output_dir: Path | None = None) -> Build:
    """The outputs `plan` names. `output_dir` (default `settings.paths.output`) is the folder the
    outputs go to: its archive pages are checked for being current, its files for being obsolete."""
    builder = _Builder(source, settings, output_dir, reuse=True)
    return Build(builder.planned(plan))


def build_all(
    source: EntrySource, settings: Settings, *, output_dir: Path | None = None, reuse: bool = True
) -> Build:
    """Every output (regenerate). With `reuse`, archive pages current in `output_dir` (default
    `settings.paths.output`) are kept as they are; `obsolete` lists every other file there."""
    builder = _Builder(source, settings, output_dir, reuse=reuse)
    return Build(builder.everything(), lambda b: _stale(builder.folder, b.produced | b.kept))


def _exts() -> list[str]:
    return [fmt.ext for fmt in FORMATS]


def _empty_paper() -> FeedInfo:
    return FeedInfo(ref=PAPER, name="", entry_count=0)


@dataclass
class _Walk:
    """A feed's state while `_Builder.everything` walks the paper from its oldest entry."""

    info: FeedInfo
    last: int
    recent: deque[Rendered]
    page: list[Rendered] = field(default_factory=list)
    number: int = 0
    seen: int = 0


class _Builder:
    def __init__(
        self, source: EntrySource, settings: Settings, output_dir: Path | None, *, reuse: bool
    ) -> None:
        self.source = source
        self.folder = output_dir or settings.paths.output
        self.site = Site.from_settings(settings)
        self.renderer = FeedRenderer(self.site, self.folder if reuse else None)

    def article(self, entry: Entry) -> Outputs:
        return Outputs(files=[(entry.path, html.article_page(self.site, entry))])

    def feed_page(self, info: FeedInfo, recent: list[Rendered]) -> Outputs:
        return Outputs(
            files=[(html_path(info.ref), html.feed_page(self.site, info, [r.entry for r in recent]))]
        )

    def shared(self, infos: list[FeedInfo], pages: Iterable[str]) -> Outputs:
        out = Outputs()
        if INDEX in pages:
            latest = self.source.latest_issue_date()
            issue = self.source.issue_entries(latest) if latest is not None else []
            out.files.append((INDEX, html.index_page(self.site, infos, issue)))
        if OPML in pages:
            out.files.append((OPML, opml.opml_document(self.site, infos)))
        return out

    def planned(self, plan: Plan) -> Iterator[Outputs]:
        for entry in plan.articles:
            yield self.article(entry)
        yield Outputs(obsolete=sorted(plan.deleted_articles))
        if not (plan.feeds or plan.pages):
            return
        infos = self.source.feed_infos()
        by_ref = {info.ref: info for info in infos}
        for ref in sorted(plan.feeds, key=lambda r: r.sort_key):
            info = by_ref.get(ref)
            if info is None and ref != PAPER:  # emptied: every file of the feed goes
                own = [f"{ref.stem}.{ext}" for ext in (*_exts(), "html")]
                yield Outputs(obsolete=own + self.archive_files(ref, 0))
            else:
                yield from self.feed(info or _empty_paper(), plan.since)
        yield self.shared(infos, plan.pages)

    def feed(self, info: FeedInfo, since: dt.datetime | None) -> Iterator[Outputs]:
        """One feed's documents, archive pages newest first. A page wholly older than `since` that
        is current on disk ends the walk: nothing older can have changed."""
        source, renderer, ref, size = self.source, self.renderer, info.ref, self.site.page_size
        count = source.count(ref)
        last = archive_pages(count, self.site.max_entries, size)
        recent = [renderer.rendered(e) for e in source.entries(ref, limit=self.site.max_entries)]
        yield renderer.subscription(ref, info.name, recent, last)
        if ref.kind != "paper":
            yield self.feed_page(info, recent)
        for number in range(last, 0, -1):
            low, high = (number - 1) * size, min(number * size, count)
            batch = source.entries(ref, limit=high - low, offset=count - high) if high > low else []
            page = [renderer.rendered(e) for e in reversed(batch)]
            out = renderer.archive(ref, name=info.name, number=number, last=last, page=page, recent=recent)
            yield out
            if out.kept and page and since is not None and page[-1].entry.published < since:
                break
        yield Outputs(obsolete=self.archive_files(ref, last))

    def archive_files(self, ref: FeedRef, last: int) -> list[str]:
        """A feed's archive files in the output folder beyond page `last` (every one for `last` 0)."""
        base = f"archive/{ref.stem}"
        try:
            names = os.listdir(self.folder / base)
        except OSError:
            return []
        found = []
        for name in names:
            stem, dot, ext = name.partition(".")
            if dot and ext in _exts() and not (stem.isdecimal() and 1 <= int(stem) <= last):
                found.append(f"{base}/{name}")
        return sorted(found)

    def everything(self) -> Iterator[Outputs]:
        """Every output. Walks the paper once from its oldest entry, handing each entry (rendered at
        most once per format) to the open archive page of every feed it is in; a page that fills up
        is finished at once. Memory holds the open pages and the newest entries of each feed."""
        site, renderer = self.site, self.renderer
        infos = self.source.feed_infos()
        listed = infos if any(i.ref == PAPER for i in infos) else [_empty_paper(), *infos]
        walks: dict[FeedRef, _Walk] = {}
        for info in listed:
            last = archive_pages(info.entry_count, site.max_entries, site.page_size)
            walks[info.ref] = _Walk(info=info, last=last, recent=deque(maxlen=site.max_entries))
        for entry in self.oldest_first(PAPER):
            yield self.article(entry)
            rendered = Rendered(entry)
            for ref in entry.feeds():
                walk = walks.get(ref)
                if walk is None:
                    raise StoreError(f"entry {entry.id} is in feed {ref.stem}, which the store does not list")
                walk.seen += 1
                walk.recent.append(rendered)
                if walk.last:
                    walk.page.append(rendered)
                    if len(walk.page) == site.page_size:
                        walk.number += 1
                        name = walk.info.name
                        yield renderer.archive(
                            ref, name=name, number=walk.number, last=walk.last, page=walk.page
                        )
                        walk.page = []
        for ref, walk in walks.items():
            if walk.seen != walk.info.entry_count:
                raise StoreError(
                    f"feed {ref.stem}: the store counts {walk.info.entry_count} entries, lists {walk.seen}"
                )
            recent = list(reversed(walk.recent))
            name = walk.info.name
            yield renderer.subscription(ref, name, recent, walk.last)
            if walk.last:
                yield renderer.archive(
                    ref, name=name, number=walk.last, last=walk.last, page=walk.page, recent=recent
                )
            if ref.kind != "paper":
                yield self.feed_page(walk.info, recent)
        yield self.shared(infos, (INDEX, OPML))

    def oldest_first(self, ref: FeedRef) -> Iterator[Entry]:
        """A feed's entries from the oldest, read in chunks from the newest-first store."""
        count = self.source.count(ref)
        for end in range(count, 0, -_CHUNK):
            start = max(0, end - _CHUNK)
            yield from reversed(self.source.entries(ref, limit=end - start, offset=start))


def _stale(folder: Path, keep: set[str]) -> list[str]:
    """Output files (and leftover temporary files) in `folder` that are not in `keep`."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = PurePosixPath(Path(dirpath).relative_to(folder).as_posix())
        for name in filenames:
            rel = str(rel_dir / name) if str(rel_dir) != "." else name
            if name.endswith(TEMP_SUFFIX) or (
                not name.startswith(".") and PurePosixPath(name).suffix in OUTPUT_SUFFIXES and rel not in keep
            ):
                found.append(rel)
    return sorted(found)


# ----------------------------------------------------------------------------------------- write


def _target(folder: Path, rel: str) -> Path:
    """`folder / rel` for a relative POSIX path without `.`, `..` or empty parts."""
    parts = rel.split("/")
    if (
        not rel
        or "\\" in rel
        or "\0" in rel
        or PurePosixPath(rel).is_absolute()
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise PublishError(f"{rel!r}: not a relative path inside the output folder")
    return folder.joinpath(*parts)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _unchanged(target: Path, data: bytes, rel: str) -> bool:
    try:
        st = target.stat()
        if not os.path.isfile(target):
            raise PublishError(f"{rel}: exists and is not a file")
        return st.st_size == len(data) and target.read_bytes() == data
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise PublishError(f"{rel}: cannot read: {_reason(exc)}") from exc


def _replace(target: Path, data: bytes, rel: str) -> None:
    """Write `data` to a temporary file beside `target`, make it durable, then rename it over `target`."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise PublishError(f"{rel}: cannot write: {_reason(exc)}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o644)
            f.write(data)
            checkpoint("publish.replace.writing")
            f.flush()
            os.fsync(f.fileno())
        checkpoint("publish.replace.synced")
        os.replace(tmp, target)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise PublishError(f"{rel}: cannot write: {_reason(exc)}") from exc
        raise


def _sync_dir(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write(output_dir: Path, files: Iterable[tuple[str, bytes]]) -> list[str]:
    """Write each (relative path, bytes) below `output_dir` whose bytes differ from the file there.

    Each file is replaced atomically (temporary file in the same folder, fsync, `os.replace`);
    unchanged files are not touched and keep their mtime. Returns the paths written, in order.
    Raises `PublishError` naming the path on a bad path or an OSError; the old file stays intact
    and the temporary file is removed; files written before stay written."""
    changed: list[str] = []
    folders: set[Path] = set()
    try:
        for rel, data in files:
            target = _target(output_dir, rel)
            if _unchanged(target, data, rel):
                continue
            checkpoint("publish.write.file")
            _replace(target, data, rel)
            checkpoint("publish.write.replaced")
            changed.append(rel)
            folders.add(target.parent)
    finally:
        for folder in sorted(folders):
            _sync_dir(folder)
    return changed


def remove(output_dir: Path, paths: Iterable[str]) -> list[str]:
    """Delete these outputs below `output_dir` (missing ones are skipped) and folders they leave
    empty. Returns the paths deleted. Raises `PublishError` naming the path on an OSError."""
    removed: list[str] = []
    for rel in paths:
        target = _target(output_dir, rel)
        try:
            checkpoint("publish.remove.file")
            target.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise PublishError(f"{rel}: cannot delete: {_reason(exc)}") from exc
        checkpoint("publish.remove.unlinked")
        removed.append(rel)
        folder = target.parent
        while folder != output_dir and output_dir in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent
    return removed
