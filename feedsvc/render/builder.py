"""Building outputs from the store: what `publish.build` and `publish.build_all` run.

`Builder.planned` renders what a `publish.Plan` names, reading each planned feed's archive pages
newest first and stopping at the first page older than the plan's changes that is current on disk.
`Builder.everything` walks the whole paper once from its oldest entry and hands each entry to every
feed it is in (see `Builder.everything`). Both yield `Outputs`; `Build` turns them into the
(path, bytes) iterator that `publish.write` consumes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from pathlib import Path

from feedsvc.config import Settings
from feedsvc.plans import EntrySource, Plan
from feedsvc.records import PAPER, Entry, FeedInfo, FeedRef
from feedsvc.render import html, opml
from feedsvc.render.append import Place, append_page, open_page
from feedsvc.render.bundles import SEARCH_DIR, bundles
from feedsvc.render.common import FAVICON, FAVICON_ICO, ICON, LOGO, Site, archive_pages
from feedsvc.render.feedpage import FeedPages
from feedsvc.render.feeds import FORMATS, Before, FeedRenderer, Outputs, Rendered
from feedsvc.render.issues import ISSUES_INDEX, IssuePlace, issue_path, neighbours, printed
from feedsvc.render.past import past_issues
from feedsvc.render.regen import Walker, empty_paper
from feedsvc.render.stubs import ById, Proofs, newest_entries, page_entries

INDEX = "index.html"
OPML = opml.FEEDS_OPML
SEARCH = html.SEARCH
__all__ = ["INDEX", "ISSUES_INDEX", "OPML", "SEARCH", "SEARCH_DIR", "TEMP_SUFFIX", "Build", "Builder"]
TEMP_SUFFIX = ".feedsvc-tmp"  # publish.write's temporary files: `.<name>.<random>.feedsvc-tmp`
ICON_FILES = (ICON, FAVICON, FAVICON_ICO, LOGO)
OUTPUT_SUFFIXES = frozenset({".atom", ".rss", ".json", ".html", ".opml"})


class Build(Iterator[tuple[str, bytes]]):
    """The outputs of one build as (relative path, bytes), rendered while they are iterated.

    `kept`: outputs found current in the output folder and not rendered again. `obsolete`:
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
    ) -> Generator[tuple[str, bytes], None, None]:
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

    def close(self) -> None:
        """Stop building now (worker processes end too, and the walk's `collector.long_walk`). A
        build stopped early must be closed: its generator refers to it, so dropping the last
        reference ends it only when the cyclic collector frees the two."""
        self._files.close()

    @property
    def obsolete(self) -> list[str]:
        if not self._done:
            raise RuntimeError("Build.obsolete is known only once the build has been iterated to its end")
        return sorted(set(self._obsolete) - self.produced - self.kept)


def _exts() -> list[str]:
    return [fmt.ext for fmt in FORMATS]


class Builder(Walker):
    """One build's state: the store, the site, the renderer (with its output folder to compare
    against, unless `reuse` is off) and how many worker processes a regenerate may start."""

    def __init__(
        self,
        source: EntrySource,
        settings: Settings,
        output_dir: Path | None,
        *,
        reuse: bool,
        workers: int | None = None,
    ) -> None:
        self.source = source
        self.workers = workers
        self.folder = output_dir or settings.paths.output
        self.site = Site.from_settings(settings)
        self.cold = _empty(self.folder)  # nothing there to compare with, nor to delete afterwards
        reuse = reuse and not self.cold
        self.renderer = FeedRenderer(self.site, self.folder if reuse else None)
        self.pages = FeedPages(self.site, self.renderer.output_dir)
        self._days: list[dt.date] | None = None
        # the remembered digests and chains (`render.stubs.Proofs`): the key generation they are
        # taken and saved at is read now, before any entry, so a write between this build's reads
        # can only make them older than what was read (never taken again), not newer
        self.proofs = Proofs(self.source, self.site)
        self._fresh: tuple[list[str], dict[str, Rendered]] | None = None
        self._changed: tuple[Sequence[Entry], dict[FeedRef, set[str]]] | None = None  # `changed_in`

    def shared(self, infos: list[FeedInfo], pages: Iterable[str]) -> Outputs:
        out = Outputs()
        site = self.site
        if INDEX in pages:
            latest = self.source.latest_issue_date()
            issue = self.source.issue_entries(latest) if latest is not None else []
            out.files.append((INDEX, html.index_page(site, infos, issue)))
            out.files.extend(html.static_outputs(site))
        if ISSUES_INDEX in pages or SEARCH in pages:
            days = self.issue_dates()
            if ISSUES_INDEX in pages:
                past = past_issues(site, self.renderer, self.folder, days)
                out.files.extend(past.files)
                out.kept.extend(past.kept)
                out.obsolete.extend(past.obsolete)
            if SEARCH in pages and site.search:
                names = [f"{SEARCH_DIR}/{name}/" for name in bundles(days)]
                out.files.append((SEARCH, html.search_page(site, names)))
        if OPML in pages:
            out.files.append((OPML, opml.opml_document(site, infos)))
            out.files.append((opml.CONTRIBUTORS_OPML, opml.contributors_document(site, infos)))
        if INDEX in pages:
            out.files.extend(self.icons(out.kept))
        return out

    def shared_all(self, infos: list[FeedInfo]) -> Outputs:
        return self.shared(infos, (INDEX, OPML, ISSUES_INDEX, SEARCH))

    def icons(self, kept: list[str]) -> list[tuple[str, bytes]]:
        """The icon files (`render.icons`) missing from the output folder: their bytes never change,
        and one already there (a theme's own, say) is left alone."""
        output_dir = self.renderer.output_dir
        present = {p for p in ICON_FILES if output_dir is not None and (output_dir / p).is_file()}
        kept.extend(sorted(present))
        if len(present) == len(ICON_FILES):
            return []
        from feedsvc.render import icons  # Pillow is imported only when icons are drawn

        return [(path, data) for path, data in icons.files() if path not in present]

    def issues(self, plan: Plan) -> Iterator[Outputs]:
        """The pages of the issues `plan` touches and of their neighbours (whose links to them may
        change), and the article pages of the touched issues (whose neighbours may change)."""
        days = self.issue_dates()
        live = set(days)
        wanted = set(plan.issues)
        for day in plan.issues:
            at = bisect.bisect_left(days, day)
            if at > 0:
                wanted.add(days[at - 1])
            after = at + 1 if day in live else at
            if after < len(days):
                wanted.add(days[after])
        done: set[str] = set()
        for day in sorted(wanted):
            if day not in live:
                yield Outputs(obsolete=[issue_path(day)])
                continue
            entries = self.source.issue_entries(day)
            if day in plan.issues:
                around = neighbours(entries)
                for entry in printed(entries):
                    done.add(entry.path)
                    yield self.renderer.article(Rendered(entry, around[entry.id]))
            yield self.issue(IssuePlace.among(days, bisect.bisect_left(days, day)), entries)
        for entry in plan.articles:  # every one is in a touched issue; this is a safety net
            if entry.path not in done:
                yield self.renderer.article(Rendered(entry))

    def planned(self, plan: Plan) -> Iterator[Outputs]:
        yield from self.issues(plan)
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
                yield from self.feed(info or empty_paper(), plan.since, plan.articles)
        self.proofs.save()
        yield self.shared(infos, plan.pages)

    def feed(
        self, info: FeedInfo, since: dt.datetime | None, changed: Sequence[Entry] = ()
    ) -> Iterator[Outputs]:
        """One feed's documents, archive pages newest first. A page wholly older than `since` that
        is current on disk ends the walk: nothing older can have changed.

        `changed`: the entries the plan adds or edits. The documents as they were before them (the
        same entries but these) are handed to the renderer as `Before`: where the copy on disk
        carries that version's digest, the unchanged entries' bytes are taken from it."""
        source, renderer, ref, size = self.source, self.renderer, info.ref, self.site.page_size
        count = source.count(ref)
        last = archive_pages(count, self.site.max_entries, size)
        ids = self.changed_in(ref, changed)
        extra = len(ids)  # the old subscription document held this many entries more, at its end
        newest = count - (last - 1) * size if last else 0  # the open archive page: the newest entries
        whole = self.site.max_entries  # the feed page shows them: stubs with their keys, or whole
        fresh = functools.partial(self.fresh, changed)
        listed = (
            newest_entries(renderer, source, self.proofs, ref, limit=whole, fresh=fresh, more=extra)
            if ids
            else None
        )
        if listed is None:
            listed = [renderer.rendered(e) for e in source.entries(ref, limit=whole)]
        self.proofs.add_recent(ref, listed[:whole])
        chain = self.proofs.chain(ref, last, below=newest) if ids and last else None
        if chain is not None and not 0 < newest - chain.entries <= extra:
            chain = None  # not the open page before with the newest entries appended
        # the rest of the open page (unless appended to, `render.append`) and those splices drop
        rest = (whole + extra if chain else max(newest, whole + extra)) - len(listed)
        if len(listed) >= whole and rest > 0:  # (those dropped come with the newest, as a rule)
            listed += page_entries(renderer, source, ref, limit=rest, offset=len(listed))
        recent = listed[: self.site.max_entries]
        old_recent = [r for r in listed if r.entry.id not in ids][: self.site.max_entries]
        old_last = archive_pages(count - extra, self.site.max_entries, size)
        before = Before(old_recent, old_last, old_recent) if ids else None
        yield renderer.subscription(ref, info.name, recent, last, before=before)
        if ref.kind != "paper":
            yield self.feed_page(info, recent, old_recent if ids else None)
        for number in range(last, 0, -1):
            low, high = (number - 1) * size, min(number * size, count)
            if ids and number >= old_last:
                if number < last:  # the open page before, filled up by the changes
                    chain = self.proofs.chain(ref, number, below=count - low)
                at = Place(number, last, old_last, high - low)
                out = append_page(
                    renderer, self.proofs, info, at, newer=listed[count - high :], ids=ids, was=chain
                )
                if out is not None:
                    yield out
                    continue
            if high == count and high - low <= len(listed):  # read with the newest entries above
                page = listed[: high - low][::-1]
            else:
                known = self.proofs.known(ref, info.name, number, last, offset=count - high)
                current = renderer.archive_current(ref, number, known.digest) if known else None
                if known is not None and current is not None:  # current: its entries not read
                    yield current
                    if since is not None and known.published < since:
                        break
                    continue
                page = page_entries(renderer, source, ref, limit=high - low, offset=count - high)[::-1]
            old_page = [r for r in page if r.entry.id not in ids]
            was = Before(old_page, old_last, old_recent) if ids and 0 < number <= old_last else None
            out = renderer.archive(
                ref, name=info.name, number=number, last=last, page=page, recent=recent, before=was
            )
            yield out
            if out.digest is not None:
                self.proofs.add(ref, info.name, number, last, page=page, digest=out.digest)
            if number == last and page:
                self.proofs.add_chain(ref, open_page(number, page, out.chain))
            if out.kept and page and since is not None and page[-1].entry.published < since:
                break
        yield Outputs(obsolete=self.archive_files(ref, last))

    def changed_in(self, ref: FeedRef, changed: Sequence[Entry]) -> set[str]:
        """The ids of the entries `changed` (a plan's) in feed `ref`: the plan's entries grouped by
        feed the first time a feed asks (not every entry's feeds searched for every feed)."""
        if self._changed is None or self._changed[0] is not changed:
            by_feed: dict[FeedRef, set[str]] = {}
            for entry in changed:
                for feed in self.renderer.feeds(entry):
                    by_feed.setdefault(feed, set()).add(entry.id)
            self._changed = (changed, by_feed)
        return set(self._changed[1].get(ref, ()))

    def fresh(self, changed: Sequence[Entry]) -> dict[str, Rendered]:
        """The entries `changed` (a plan's) as the store has them now, read whole in one query the
        first time a feed asks for them (`render.stubs.newest_entries`)."""
        wanted = [e.id for e in changed]
        if self._fresh is None or self._fresh[0] != wanted:
            read = self.source.entries_by_id(wanted) if isinstance(self.source, ById) else []
            self._fresh = (wanted, {e.id: self.renderer.rendered(e) for e in read})
        return self._fresh[1]

    def archive_files(self, ref: FeedRef, last: int) -> list[str]:
        """A feed's archive files in the output folder beyond page `last` (every one for `last` 0)."""
        base = f"archive/{ref.stem}"
        try:
            names = os.listdir(self.folder / base)
        except OSError:
            return []
        if last and _all_pages(names, last):  # as nearly always: no name to look at one by one
            return []
        found, exts = [], frozenset(_exts())  # a big feed's folder holds thousands of names
        for name in names:
            stem, dot, ext = name.partition(".")
            if dot and ext in exts and not (stem.isdecimal() and 1 <= int(stem) <= last):
                found.append(f"{base}/{name}")
        return sorted(found)


def _all_pages(names: list[str], last: int) -> bool:
    """Is every name in `names` an archive page numbered 1 to `last` in one of the formats
    (`<number>.<ext>`, as `archive_path` names them)? Then none is beyond `last`. Looked up in
    `_PAGE_NUMBERS` all at once (`map`), not parsed name by name (the paper's folder holds
    thousands)."""
    if len(_PAGE_NUMBERS) < last * len(FORMATS):
        exts = _exts()
        _PAGE_NUMBERS.update((f"{n}.{ext}", n) for n in range(1, last + 1) for ext in exts)
    return max(map(_PAGE_NUMBERS.get, names, itertools.repeat(last + 1)), default=0) <= last


_PAGE_NUMBERS: dict[str, int] = {}
"""An archive page's file name: its number (`<number>.<ext>` for each format, numbers 1 to the
most pages a feed was seen with: ~2,600 names for a ten-year paper)."""


def _empty(folder: Path) -> bool:
    """Is `folder` missing or empty (a cold regenerate: no output can be current)?"""
    try:
        with os.scandir(folder) as found:
            return next(found, None) is None
    except FileNotFoundError:
        return True
    except OSError:
        return False


def stale_files(folder: Path, keep: set[str]) -> list[str]:
    """Output files (and temporary files left by another process: a crashed run's) in `folder`
    that are not in `keep`. This process's own temporary files are the writer's, which may still
    be renaming the build's last files as the walk runs."""
    found = []
    ours = f".{os.getpid()}-"
    for dirpath, dirnames, filenames in os.walk(folder):
        prefix = os.path.relpath(dirpath, folder).replace(os.sep, "/") + "/"
        prefix = "" if prefix == "./" else prefix
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and not (not prefix and d == SEARCH_DIR)]
        for name in filenames:
            rel = prefix + name
            if (name.endswith(TEMP_SUFFIX) and ours not in name) or (
                not name.startswith(".") and os.path.splitext(name)[1] in OUTPUT_SUFFIXES and rel not in keep
            ):
                found.append(rel)
    return sorted(found)
