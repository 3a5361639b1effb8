"""Feed pages for people through the whole pipeline (`render.feedpage`): ingests splice them on
disk, and the pages an ingest writes are byte for byte those a regenerate of a copy of the store
writes; a regenerate repairs a damaged page."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from feedsvc import pipeline
from feedsvc.config import Settings
from feedsvc.render.feedpage import PAGES
from tests.ingest_helpers import (
    NEW_ROLE,
    NOW,
    GeneratedPage,
    generated_issues,
    give_everyone_a_new_role,
    ingest,
    ingest_each,
    regenerate_copy,
)
from tests.render_helpers import instance_settings, tree

FEED_PAGES = ("contributors/", "sections/")


def _feed_pages(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(folder).items() if k.startswith(FEED_PAGES) and k.endswith(".html")}


def _regenerated(settings: Settings, folder: Path) -> dict[str, bytes]:
    """The feed pages a regenerate of a copy of the store writes into an empty folder."""
    return _feed_pages(regenerate_copy(settings, folder))


def _last_ingest(settings: Settings, tmp_path: Path, pages: list[GeneratedPage]) -> list[str]:
    """Ingest `pages` (counting in `PAGES`); the feed pages it wrote, each checked against a
    regenerate (a page it did not write may be stale here only when the test edits the store)."""
    before = _feed_pages(settings.paths.output)
    PAGES.clear()
    ingest(settings, tmp_path, pages)
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
    issues = generated_issues(6)
    ingest_each(settings, tmp_path, issues[:5])
    written = _last_ingest(settings, tmp_path, issues[5])
    assert PAGES["spliced"] > 0 and PAGES["spliced"] + PAGES["no page before (rendered whole)"] >= len(
        written
    )


def test_a_new_role_splices_the_renamed_contributor_pages(tmp_path: Path) -> None:
    """A contributor's feed is named after their newest role: renamed pages are spliced too."""
    settings = instance_settings(tmp_path)
    issues = generated_issues(8)
    ingest_each(settings, tmp_path, issues[:7])
    give_everyone_a_new_role(settings.paths.store)
    written = _last_ingest(settings, tmp_path, issues[7])
    renamed = [k for k in written if NEW_ROLE.encode() in _feed_pages(settings.paths.output)[k]]
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
    issues = generated_issues(6)
    ingest_each(settings, tmp_path, issues[:5])
    last = issues[5]
    if values is None:  # page 2's section renamed in its header: a feed of its own
        last = [replace(p, text=p.text.replace("第2版 综合\n", "第2版 综合新闻\n", 1)) for p in last]
        assert last != issues[5]
    else:
        settings = _with(settings, section, **values)
    written = _last_ingest(settings, tmp_path, last)
    # the issue's first page publishes everything again after a settings change (`published`); its
    # next ones splice
    assert PAGES["spliced"] > 0
    if values is None:
        renamed = [k for k in written if "综合新闻".encode() in (settings.paths.output / k).read_bytes()]
        assert "sections/zong-he-xin-wen.html" in renamed and any(
            k.startswith("contributors/") for k in renamed
        )
    else:  # every feed page, the untouched feeds' too, as a regenerate with the new settings makes it
        assert _feed_pages(settings.paths.output) == _regenerated(settings, tmp_path / "again")


def test_a_regenerate_repairs_a_damaged_feed_page_whose_head_is_intact(tmp_path: Path) -> None:
    """A feed page truncated, or edited after its head, still carries the current digest: the
    hash of its content, checked before a page on disk is kept, has it rendered again."""
    settings = instance_settings(tmp_path)
    ingest_each(settings, tmp_path, generated_issues(3))
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
