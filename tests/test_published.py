"""The output follows the settings and the site's look (`feedsvc.published`): after a change of the
settings that shape the files, or of the theme's templates, the next publish rewrites every output,
so no page keeps the old look; a run with the same ones stays an ingest of what it touches."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feedsvc import pipeline, publish, published
from feedsvc.config import Settings
from feedsvc.daemon import Daemon
from tests.ingest_helpers import NOW, generated_issues, ingest, ingest_each, regenerated
from tests.render_helpers import instance_settings, tree


def _in_english(settings: Settings) -> Settings:
    return settings.model_copy(update={"site": settings.site.model_copy(update={"ui_language": "en"})})


def _themed(settings: Settings, folder: Path) -> Settings:
    return settings.model_copy(update={"site": settings.site.model_copy(update={"theme": folder})})


def _themed_instance(tmp_path: Path, note: str, days: int) -> tuple[Settings, Path]:
    """An instance in `tmp_path`/run whose theme (`tmp_path`/theme1) includes the template `note`
    (saying NOTE ONE) in its article pages, `days` generated issues ingested."""
    first = tmp_path / "theme1"
    (first / note).parent.mkdir(parents=True, exist_ok=True)
    (first / note).write_text("NOTE ONE", encoding="utf-8")
    (first / "article.html").write_text(
        '{% extends "base.html" %}{% block main %}{% include "' + note + '" %}{% endblock %}\n',
        encoding="utf-8",
    )
    (tmp_path / "run").mkdir()
    settings = _themed(instance_settings(tmp_path / "run"), first)
    ingest_each(settings, tmp_path / "run", generated_issues(days))
    return settings, first


def test_an_ingest_with_the_same_settings_is_not_behind(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    assert pipeline.output_behind(settings) is None  # nothing published yet: nothing old
    ingest_each(settings, tmp_path, generated_issues(2))
    assert (settings.paths.store / published.NAME).is_file()
    assert pipeline.output_behind(settings) is None
    moved = settings.model_copy(
        update={"paths": settings.paths.model_copy(update={"inbox": tmp_path / "in2"})}
    )
    assert pipeline.output_behind(moved) is None  # where the inbox is shapes no file


def test_after_a_settings_change_the_next_ingest_rewrites_every_page(tmp_path: Path) -> None:
    issues = generated_issues(3)
    (tmp_path / "run").mkdir()
    settings = instance_settings(tmp_path / "run")
    ingest_each(settings, tmp_path / "run", issues[:2])
    english = _in_english(settings)
    assert pipeline.output_behind(english) == (
        "changed since the output was last published whole: site.ui_language"
    )
    ingest(english, tmp_path / "run", issues[2][:1])  # one page of the third day
    assert pipeline.output_behind(english) is None and pipeline.output_behind(settings) is not None
    # every page, the first days' included, as a regenerate with the new settings writes it
    assert tree(english.paths.output, hidden=True) == regenerated(english, tmp_path / "ref")


def test_after_a_theme_edit_the_daemon_publishes_everything_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings, first = _themed_instance(tmp_path, "notes.html", 2)
    second = tmp_path / "theme2"
    shutil.copytree(first, second)  # moved: the same files, so nothing to do
    assert pipeline.output_behind(_themed(settings, second)) is None
    third = tmp_path / "theme3"  # edited (another folder: a process reads a theme's files once)
    shutil.copytree(first, third)
    (third / "notes.html").write_text("NOTE TWO", encoding="utf-8")
    edited = _themed(settings, third)
    assert pipeline.output_behind(edited) is not None

    caplog.set_level(logging.INFO, logger="feedsvc.daemon")
    Daemon(edited, clock=lambda: NOW).tick()
    assert (
        "published everything again (changed since the output was last published whole: "
        "the site's templates or static files)"
    ) in caplog.text
    pages = [data for rel, data in tree(edited.paths.output).items() if rel.startswith("articles/")]
    assert pages and all(b"NOTE TWO" in page and b"NOTE ONE" not in page for page in pages)
    assert pipeline.output_behind(edited) is None


def test_an_output_published_before_the_digest_was_kept_is_behind(tmp_path: Path) -> None:
    """An output folder made by a version that kept no digest (or whose note was lost) was made
    with settings nobody knows: the next publish is whole, and notes them."""
    settings = instance_settings(tmp_path)
    ingest_each(settings, tmp_path, generated_issues(1))
    (settings.paths.store / published.NAME).unlink()
    assert pipeline.output_behind(settings) is not None
    pipeline.regenerate(settings, NOW, only_if_pending=True)
    assert pipeline.output_behind(settings) is None
    (settings.paths.store / published.NAME).write_bytes(b"\xff\xfe")  # unreadable as a digest
    assert pipeline.output_behind(settings) is not None


def test_a_template_in_a_subfolder_of_the_theme_counts(tmp_path: Path) -> None:
    """A theme's template may include one from a folder of its own (`partials/note.html`): an edit
    of that one changes the look as much as one of `article.html`."""
    settings, first = _themed_instance(tmp_path, "partials/note.html", 1)
    second = tmp_path / "theme2"  # edited (another folder: a process reads a theme's files once)
    shutil.copytree(first, second)
    (second / "partials" / "note.html").write_text("NOTE TWO", encoding="utf-8")
    assert pipeline.output_behind(_themed(settings, second)) is not None


def test_a_theme_saved_while_a_regenerate_runs_is_not_noted_as_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest noted is the look's as the publish began: a template saved after the pages were
    rendered with the one before leaves the output behind, and the next run publishes it."""
    settings, first = _themed_instance(tmp_path, "notes.html", 1)
    second, third = tmp_path / "theme2", tmp_path / "theme3"
    shutil.copytree(first, second)  # a folder this process has not read yet, as a new process
    written = publish.write

    def write_then_save(*args: Any, **kwargs: Any) -> Iterator[str]:
        yield from written(*args, **kwargs)
        (second / "notes.html").write_text("NOTE TWO", encoding="utf-8")

    monkeypatch.setattr(publish, "write", write_then_save)
    pipeline.regenerate(_themed(settings, second), NOW)
    monkeypatch.undo()
    pages = [data for rel, data in tree(settings.paths.output).items() if rel.startswith("articles/")]
    assert pages and all(b"NOTE ONE" in page for page in pages)
    shutil.copytree(second, third)  # what the next process reads
    assert pipeline.output_behind(_themed(settings, third)) is not None


def test_an_output_folder_deleted_is_published_whole_again(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    issues = generated_issues(2)
    ingest_each(settings, tmp_path, issues[:1])
    shutil.rmtree(settings.paths.output)
    assert pipeline.output_behind(settings) is not None
    ingest(settings, tmp_path, issues[1][:1])
    assert tree(settings.paths.output, hidden=True) == regenerated(settings, tmp_path / "ref")


def test_the_reason_names_what_changed(tmp_path: Path) -> None:
    """Two processes with different settings (a daemon not restarted after an edit of the file, a
    command run without its environment) publish everything in turn: the log says which."""
    settings = instance_settings(tmp_path)
    ingest_each(settings, tmp_path, generated_issues(1))
    paper = settings.paper.model_copy(update={"base_url": "https://other.example/", "name": "新报"})
    feeds = settings.feeds.model_copy(update={"max_entries": 3})
    other = settings.model_copy(update={"paper": paper, "feeds": feeds, "sections": {9: "新版"}})
    assert pipeline.output_behind(other) == (
        "changed since the output was last published whole: "
        "feeds.max_entries, paper.base_url, paper.name, sections.9"
    )
    (settings.paths.store / published.NAME).write_text("0123abcd\n", encoding="utf-8")  # not JSON
    assert pipeline.output_behind(settings) == (
        "changed since the output was last published whole: "
        f"{published.NAME} in the store folder is not a note of this version"
    )
