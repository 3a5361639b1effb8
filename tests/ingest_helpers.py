"""Helpers for tests that ingest generated issues (`benchmarks.issue`) into an instance, edit its
store behind feedsvc's back, and compare what the ingests wrote with what a regenerate writes."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from feedsvc import pipeline
from feedsvc.config import Settings
from feedsvc.records import FeedRef
from feedsvc.render import builder, stubs
from feedsvc.store import DB_NAME
from tests.render_helpers import tree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.issue import ArchiveSpec, GeneratedPage, iter_issues  # noqa: E402

__all__ = [
    "NEW_ROLE",
    "NOW",
    "START",
    "TZ",
    "GeneratedPage",
    "generated_issues",
    "give_everyone_a_new_role",
    "ingest",
    "ingest_each",
    "regenerate_copy",
    "regenerated",
    "spy_reads",
    "store_sql",
]

TZ = dt.timezone(dt.timedelta(hours=8))
START = dt.date(2021, 5, 3)
NOW = dt.datetime(2021, 6, 1, 9, tzinfo=TZ)  # a regenerate's time, after every generated issue
NEW_ROLE = "首席记者"  # `give_everyone_a_new_role`: no generated page gives it


def generated_issues(days: int) -> list[list[GeneratedPage]]:
    """`days` generated issues from `START`, each its pages."""
    return list(iter_issues(ArchiveSpec(start=START, days=days, seed=5, contributors=6)))


def ingest(settings: Settings, folder: Path, pages: list[GeneratedPage]) -> None:
    """Drop each page into `folder`/drops and ingest it, received at 09:00 of its issue date."""
    drops = folder / "drops"
    drops.mkdir(exist_ok=True)
    for page in pages:
        path = drops / page.name
        path.write_text(page.text, encoding="utf-8")
        pipeline.ingest_file(settings, path, dt.datetime.combine(page.date, dt.time(9), tzinfo=TZ))


def ingest_each(settings: Settings, folder: Path, days: Iterable[list[GeneratedPage]]) -> None:
    """`ingest` these issues, one after another."""
    for pages in days:
        ingest(settings, folder, pages)


def regenerate_copy(settings: Settings, folder: Path) -> Path:
    """Regenerate from a copy of the store in `folder`/store into `folder`/out (a reference that
    remembers no digests or chains in the store the ingests under test use); returns the output."""
    store = folder / "store"
    shutil.copytree(settings.paths.store, store)
    paths = settings.paths.model_copy(update={"output": folder / "out", "store": store})
    pipeline.regenerate(settings.model_copy(update={"paths": paths}), NOW)
    return folder / "out"


def regenerated(settings: Settings, folder: Path) -> dict[str, bytes]:
    """Every file (hidden ones too) `regenerate_copy` writes."""
    return tree(regenerate_copy(settings, folder), hidden=True)


def store_sql(store: Path, *statements: str) -> None:
    """Run `statements` on the store in the folder `store`, each committed, as another program would."""
    db = sqlite3.connect(store / DB_NAME, isolation_level=None)
    try:
        for sql in statements:
            db.execute(sql)
    finally:
        db.close()


def store_rows(store: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows `sql` gives on the store in the folder `store`, read as another program would."""
    db = sqlite3.connect(store / DB_NAME)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def give_everyone_a_new_role(store: Path) -> None:
    """Every contributor's newest role becomes `NEW_ROLE` (dated after any issue): their feeds are
    renamed, no stored entry's key changes."""
    store_sql(store, f"UPDATE contributors SET role = '{NEW_ROLE}', role_date = '2099-01-01'")


def spy_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[FeedRef, int, int]]:
    """The pages of entries the ingest walk reads as stubs: (feed, limit, offset)."""
    reads: list[tuple[FeedRef, int, int]] = []
    real = stubs.page_entries

    def spy(renderer: Any, source: Any, ref: FeedRef, *, limit: int, offset: int) -> Any:
        reads.append((ref, limit, offset))
        return real(renderer, source, ref, limit=limit, offset=offset)

    monkeypatch.setattr(builder, "page_entries", spy)
    return reads
