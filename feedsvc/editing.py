"""The editors' corrections and approvals, between the parse and the store.

`apply_issue` stands where `Store.apply` stood: each page's parsed items get the ids they had
(`Editorial.slots`), the page's corrections file is applied (`corrections.apply`, pure), held and
hidden items are stored but kept out of the feeds, and the store keeps the ids the corrections
decided. `sync` re-applies the pages whose corrections files changed since they were last seen;
`approve` records approvals and re-applies their pages. They return what changed in the store, so
the pipeline publishes (and pings) exactly the affected feeds. The store is locked by the caller.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from feedsvc.config import Settings
from feedsvc.corrections import (
    ItemEdit,
    Outcome,
    PageCorrections,
    PageKey,
    Piece,
    Slot,
    apply,
    load,
    page_key,
)
from feedsvc.corrections.load import load_text
from feedsvc.corrections.write import appended
from feedsvc.errors import CorrectionError, ParseError, StoreError
from feedsvc.models import Issue, Page
from feedsvc.parse import hints_from_settings
from feedsvc.parse.submission import parse_submission
from feedsvc.records import Change
from feedsvc.store import Store
from feedsvc.store.editorial import Editorial, FileStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Applied:
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()  # one line each: a correction that did not fit, a bad file

    def __add__(self, other: Applied) -> Applied:
        return Applied(self.changes + other.changes, self.notes + other.notes)


def corrections_folder(settings: Settings) -> Path:
    return settings.paths.corrections


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_ids(ed: Editorial, key: PageKey, corrections: PageCorrections, name: str) -> None:
    """An id a file names must have been minted for its page: else the whole file is refused."""
    known = ed.known_ids(key.date, key.page)
    for where, entry_id in corrections.refs():
        if entry_id not in known:
            reason = f"unknown id {entry_id} (not an item of page {key.page} of {key.date})"
            raise CorrectionError(name, where, reason)


def read_file(ed: Editorial, path: Path) -> PageCorrections:
    """A corrections file, validated, its ids checked against the store."""
    key, corrections = load(path)
    check_ids(ed, key, corrections, path.name)
    return corrections


@dataclass(frozen=True, slots=True)
class _Page:
    """One page made ready for the store: its parsed items' slots, the corrected outcome, the
    positions held, and the corrections file seen (name, sha256, status, note) if there is one."""

    number: int
    slots: list[Slot]
    outcome: Outcome
    held: list[int]
    file: tuple[str, str, FileStatus, str | None] | None
    notes: tuple[str, ...]

    @property
    def withheld(self) -> list[int]:
        return [n for n, p in enumerate(self.outcome.pieces, start=1) if p.hidden or n in self.held]


def _prepare(ed: Editorial, settings: Settings, day: dt.date, page: Page) -> _Page:
    slots = ed.slots(day, page.number, page.items)
    path = corrections_folder(settings) / PageKey(date=day, page=page.number).file_name
    corrections, notes = PageCorrections(), []
    file: tuple[str, str, FileStatus, str | None] | None = None
    if path.is_file():
        sha = _sha(path.read_bytes())
        try:
            corrections = read_file(ed, path)
        except CorrectionError as exc:
            notes.append(f"{exc}; nothing applied from that file")
            file = (path.name, sha, "error", exc.detail)
    outcome = apply(slots, corrections)
    notes.extend(f"{path.name}: {note}" for note in outcome.notes)
    if path.is_file() and file is None:
        file = (path.name, sha, "applied", "\n".join(outcome.notes) or None)
    return _Page(page.number, slots, outcome, _held(ed, settings, outcome.pieces), file, tuple(notes))


def apply_issue(
    store: Store,
    issue: Issue,
    *,
    submission_id: int,
    settings: Settings,
    now: dt.datetime,
    images: Mapping[str, bytes] | None = None,
) -> Applied:
    """Store a parsed issue with its pages' corrections applied, held and hidden items kept out
    (`images`: its photos' JPEG bytes by path, for a PDF submission)."""
    assert issue.date is not None
    ed = Editorial(store)
    ready = [_prepare(ed, settings, issue.date, page) for page in issue.pages]
    corrected = tuple(
        page.model_copy(update={"items": tuple(p.item for p in done.outcome.pieces)})
        for page, done in zip(issue.pages, ready, strict=True)
    )
    placed: dict[tuple[int, int], str] = {}
    changes = store.apply(
        issue.model_copy(update={"pages": corrected}),
        submission_id=submission_id,
        settings=settings,
        now=now,
        images=images,
        pins={d.number: {n: p.id for n, p in enumerate(d.outcome.pieces, start=1) if p.id} for d in ready},
        withheld={d.number: d.withheld for d in ready},
        placed=placed,
    )
    notes: list[str] = []
    for done in ready:
        ed.record(
            issue.date,
            done.number,
            slots=done.slots,
            pieces=done.outcome.pieces,
            placed=placed,
            held=done.held,
        )
        if done.file is not None:
            ed.saw_file(*done.file)
        notes.extend(done.notes)
    for note in notes:
        log.warning("corrections: %s", note)
    return Applied(changes, tuple(notes))


def _held(ed: Editorial, settings: Settings, pieces: Sequence[Piece]) -> list[int]:
    """Positions (from 1) kept out of the feeds by `[publish] hold = "warnings"`: items with
    warnings that no editor corrected or approved (a new item has no id yet, so no approval)."""
    if settings.publish.hold != "warnings":
        return []
    approved = ed.approved(p.id for p in pieces if p.id)
    return [
        n
        for n, p in enumerate(pieces, start=1)
        if p.item.warnings and not p.corrected and not p.hidden and p.id not in approved
    ]


def reapply(
    store: Store, settings: Settings, now: dt.datetime, keys: Iterable[tuple[dt.date, int]]
) -> Applied:
    """Parse the stored originals of these pages again and store them with their corrections."""
    ed = Editorial(store)
    by_submission: dict[int, set[tuple[dt.date, int]]] = {}
    for day, number in sorted(set(keys)):
        sid = ed.page_submission(day, number)
        if sid is not None:
            by_submission.setdefault(sid, set()).add((day, number))
    result = Applied()
    for sid, wanted in sorted(by_submission.items()):
        submission = store.submission(sid)
        data = ed.original(sid)
        if data is None:
            raise StoreError(f"{store.path}: the original of {submission.name} is missing")
        try:
            parsed = parse_submission(data, source=submission.name, hints=hints_from_settings(settings))
        except ParseError as exc:  # a parser change made it unreadable: leave the stored page alone
            result += Applied(notes=(f"{submission.name}: cannot parse again: {exc.reason}",))
            continue
        issue = parsed.issue
        pages = tuple(p for p in issue.pages if (issue.date, p.number) in wanted)
        if pages:
            part = issue.model_copy(update={"pages": pages})
            result += apply_issue(
                store, part, submission_id=sid, settings=settings, now=now, images=parsed.images
            )
    return result


def folder_state(settings: Settings) -> tuple[tuple[str, int, int], ...]:
    """(name, size, mtime) of each corrections file: cheap to compare between scans."""
    folder = corrections_folder(settings)
    try:
        listing = sorted(folder.glob("*.toml"))
        return tuple((p.name, st.st_size, st.st_mtime_ns) for p in listing if (st := p.stat()))
    except OSError:
        return ()


def sync(store: Store, settings: Settings, now: dt.datetime) -> Applied:
    """Re-apply the pages whose corrections files are new, changed or gone since last seen. A file
    that cannot be used is reported and its page left as it is."""
    ed = Editorial(store)
    before = ed.files()
    folder = corrections_folder(settings)
    present = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    present = [p for p in present if not p.name.startswith(".")]
    pages: set[tuple[dt.date, int]] = set()
    notes: list[str] = []
    for path in present:
        try:
            sha = _sha(path.read_bytes())
        except OSError as exc:
            notes.append(f"{path.name}: cannot read: {exc.strerror}")
            continue
        if before.get(path.name) == sha:
            continue
        try:
            key = page_key(path.name)
            read_file(ed, path)
        except CorrectionError as exc:
            notes.append(f"{exc}; nothing applied from that file")
            ed.saw_file(path.name, sha, "error", exc.detail)
            continue
        if ed.known_ids(key.date, key.page):
            pages.add((key.date, key.page))
        else:
            ed.saw_file(path.name, sha, "waiting", "the page is not stored yet")
    gone = sorted(set(before) - {p.name for p in present})
    for name in gone:
        try:
            key = page_key(name)
        except CorrectionError:
            continue
        pages.add((key.date, key.page))
    for note in notes:
        log.warning("corrections: %s", note)
    result = Applied(notes=tuple(notes)) + reapply(store, settings, now, pages)
    for name in gone:  # forgotten once their pages are back as parsed
        ed.saw_file(name, None, "applied")
    return result


def approve(
    store: Store,
    settings: Settings,
    now: dt.datetime,
    *,
    entry_id: str | None = None,
    day: dt.date | None = None,
) -> Applied:
    """Approve one entry, or every entry with warnings of an issue date, and re-apply their pages."""
    ed = Editorial(store)
    if entry_id is not None:
        where = ed.page_of(entry_id)
        if where is None:
            raise CorrectionError("approve", entry_id, "unknown id")
        targets = [(entry_id, *where)]
    else:
        targets = ed.warned(day=day)
    ed.approve((t[0] for t in targets), now)
    return reapply(store, settings, now, ((d, p) for _, d, p in targets))


def correct(
    store: Store, settings: Settings, now: dt.datetime, *, entry_id: str, edit: dict[str, object]
) -> Applied:
    """`feedsvc correct`: append the edit to the page's corrections file, then apply it. The new
    file is checked whole before it replaces the old one; a fault leaves the file as it was."""
    ed = Editorial(store)
    where = ed.page_of(entry_id)
    if where is None:
        raise CorrectionError("correct", entry_id, "unknown id")
    key = PageKey(date=where[0], page=where[1])
    folder = corrections_folder(settings)
    path = folder / key.file_name
    try:
        existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise CorrectionError(path.name, "", f"cannot read: {exc}") from exc
    try:
        table = ItemEdit.model_validate({"item": entry_id, **edit})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CorrectionError("correct", ".".join(map(str, first["loc"])), first["msg"]) from exc
    text = appended(existing, key, table)
    check_ids(ed, key, load_text(text, path.name), path.name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{path.name}.{os.getpid()}.tmp"
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        raise CorrectionError(path.name, "", f"cannot write: {exc.strerror}") from exc
    return sync(store, settings, now)
