"""Feed pages for people through the whole pipeline (`render.feedpage`): ingests splice them on
disk, and the pages an ingest writes are byte for byte those a regenerate of a copy of the store
writes; a regenerate repairs a damaged page."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from feedsvc import pipeline
from feedsvc.config import Settings
from feedsvc.render.feedpage import PAGES
from feedsvc.store import DB_NAME
from tests.render_helpers import instance_settings, tree

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.issue import ArchiveSpec, GeneratedPage, iter_issues  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2021, 6, 1, 9, tzinfo=TZ)
FEED_PAGES = ("contributors/", "sections/")


def _issues(days: int) -> list[list[GeneratedPage]]:
    return list(iter_issues(ArchiveSpec(start=dt.date(2021, 5, 3), days=days, seed=5, contributors=6)))


def _ingest(settings: Settings, folder: Path, pages: list[GeneratedPage]) -> None:
    drops = folder / "drops"
    drops.mkdir(exist_ok=True)
    for page in pages:
        path = drops / page.name
        path.write_text(page.text, encoding="utf-8")
        pipeline.ingest_file(settings, path, dt.datetime.combine(page.date, dt.time(9), tzinfo=TZ))


def _feed_pages(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(folder).items() if k.startswith(FEED_PAGES) and k.endswith(".html")}


def _regenerated(settings: Settings, folder: Path) -> dict[str, bytes]:
    """The feed pages a regenerate of a copy of the store writes into an empty folder."""
    store = folder / "store"
    shutil.copytree(settings.paths.store, store)
    paths = settings.paths.model_copy(update={"store": store, "output": folder / "out"})
    pipeline.regenerate(settings.model_copy(update={"paths": paths}), NOW)
    return _feed_pages(folder / "out")


def _last_ingest(settings: Settings, tmp_path: Path, pages: list[GeneratedPage]) -> list[str]:
    """Ingest `pages` (counting in `PAGES`); the feed pages it wrote, each checked against a
    regenerate (a page it did not write may be stale here only when the test edits the store)."""
    before = _feed_pages(settings.paths.output)
    PAGES.clear()
    _ingest(settings, tmp_path, pages)
    after = _feed_pages(settings.paths.output)
    written = sorted(k for k in after if before.get(k) != after[k])
    assert written
    regenerated = _regenerated(settings, tmp_path / "regenerated")
    assert {k: after[k] for k in written} == {k: regenerated.get(k) for k in written}
    return written


def _with(settings: Settings, section: str, **values: object) -> Settings:
    return settings.model_copy(update={section: getattr(settings, section).model_copy(update=values)})


@pytest.mark.parametrize("size", [10, 50])
def test_ingests_splice_feed_pages(tmp_path: Path, size: int) -> None:
    settings = instance_settings(tmp_path, size=size)
    issues = _issues(6)
    for pages in issues[:5]:
        _ingest(settings, tmp_path, pages)
    written = _last_ingest(settings, tmp_path, issues[5])
    assert PAGES["spliced"] > 0 and PAGES["spliced"] + PAGES["no page before (rendered whole)"] >= len(
        written
    )


def test_a_new_role_splices_the_renamed_contributor_pages(tmp_path: Path) -> None:
    """A contributor's feed is named after their newest role: renamed pages are spliced too."""
    settings = instance_settings(tmp_path)
    issues = _issues(8)
    for pages in issues[:7]:
        _ingest(settings, tmp_path, pages)
    db = sqlite3.connect(settings.paths.store / DB_NAME, isolation_level=None)
    try:
        db.execute("UPDATE contributors SET role = '首席记者', role_date = '2099-01-01'")
    finally:
        db.close()
    written = _last_ingest(settings, tmp_path, issues[7])
    renamed = [k for k in written if "首席记者".encode() in _feed_pages(settings.paths.output)[k]]
    assert renamed and PAGES["spliced"] > 0


@pytest.mark.parametrize(
    ("section", "values"),
    [
        ("sections", None),  # a section renamed
        ("paper", {"name": "新名字报"}),
        ("paper", {"base_url": "https://other.example/"}),
        ("site", {"ui_language": "en"}),
        ("feeds", {"max_entries": 7}),
    ],
)
def test_changed_settings_rewrite_feed_pages_as_a_regenerate_does(
    tmp_path: Path, section: str, values: dict[str, object] | None
) -> None:
    settings = instance_settings(tmp_path)
    issues = _issues(6)
    for pages in issues[:5]:
        _ingest(settings, tmp_path, pages)
    last = issues[5]
    if values is None:  # page 2's section renamed in its header: a feed of its own
        last = [replace(p, text=p.text.replace("第2版 综合\n", "第2版 综合新闻\n", 1)) for p in last]
        assert last != issues[5]
    else:
        settings = _with(settings, section, **values)
    written = _last_ingest(settings, tmp_path, last)
    # the issue's first page finds pages of the old settings (rendered whole); its next ones splice
    assert PAGES["spliced"] > 0
    if values is None:
        renamed = [k for k in written if "综合新闻".encode() in (settings.paths.output / k).read_bytes()]
        assert "sections/zong-he-xin-wen.html" in renamed and any(
            k.startswith("contributors/") for k in renamed
        )
    else:
        assert PAGES["digest on disk is not the old page's"] > 0


def test_a_regenerate_repairs_a_damaged_feed_page_whose_head_is_intact(tmp_path: Path) -> None:
    """A feed page truncated, or edited after its head, still carries the current digest: the
    hash of its content, checked before a page on disk is kept, has it rendered again."""
    settings = instance_settings(tmp_path)
    for pages in _issues(3):
        _ingest(settings, tmp_path, pages)
    out = settings.paths.output
    good = _feed_pages(out)
    truncated, edited = sorted(out / k for k in good)[:2]
    truncated.write_bytes(truncated.read_bytes()[:400])
    data = edited.read_bytes()
    at = data.index(b"<h3>")
    edited.write_bytes(data[:at] + b"<h3>EDITED " + data[at + 4 :])
    PAGES.clear()
    pipeline.regenerate(settings, NOW)
    assert _feed_pages(out) == good
    assert PAGES["current digest, content not its hash's"] == 2 and PAGES["current"] == len(good) - 2
