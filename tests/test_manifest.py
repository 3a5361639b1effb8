"""The output manifest is written sorted, whatever order (or repeats) the file it was read from had:
the lines as read are merged with the files added since rather than sorted again."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc import manifest, pipeline
from feedsvc.config import PaperSettings, PathSettings, Settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.issue import ArchiveSpec, iter_issues  # noqa: E402

_PATHS = st.lists(st.sampled_from(["a.html", "b/c.atom", "b/d.rss", "e.json", "f/g/h.html", "z.opml"]))


@settings(max_examples=60, deadline=None)
@given(on_disk=_PATHS, produced=_PATHS, obsolete=_PATHS)
def test_written_sorted_and_once(
    tmp_path_factory: pytest.TempPathFactory, on_disk: list[str], produced: list[str], obsolete: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("m")
    (folder / manifest.NAME).write_text(
        "".join(f"{line}\n" for line in ["feedsvc output manifest 1", "store s", *on_disk]), encoding="utf-8"
    )
    before = manifest.read(folder)
    assert before is not None and before.files == set(on_disk)
    after = manifest.updated(before, "s", produced, obsolete)
    manifest.write(folder, after)
    expected = sorted((set(on_disk) | set(produced)) - set(obsolete))
    text = (folder / manifest.NAME).read_text(encoding="utf-8")
    assert text == "".join(f"{line}\n" for line in ["feedsvc output manifest 1", "store s", *expected])


def test_a_regenerate_forgets_listed_files_that_are_gone(tmp_path: Path) -> None:
    """A file listed but gone (deleted by a run killed before it said so) leaves the list at the
    next regenerate, also when the regenerate writes and removes nothing."""
    settings = Settings(
        paper=PaperSettings(name="钱塘新区报", tag_authority="qiantang.feedsvc.example,2014"),
        paths=PathSettings(
            inbox=tmp_path / "in", store=tmp_path / "var", output=tmp_path / "out", corrections=tmp_path / "c"
        ),
    )
    now = dt.datetime(2020, 3, 10, 9, tzinfo=dt.UTC)
    page = next(iter_issues(ArchiveSpec(start=dt.date(2020, 3, 1), days=1, seed=2, contributors=4)))[0]
    (path := tmp_path / page.name).write_text(page.text, encoding="utf-8")
    pipeline.ingest_file(settings, path, now)
    pipeline.regenerate(settings, now)
    listed = manifest.read(settings.paths.output)
    assert listed is not None
    manifest.write(settings.paths.output, manifest.updated(listed, listed.store_id or "", ["gone.html"], ()))
    assert pipeline.regenerate(settings, now).written == ()
    after = manifest.read(settings.paths.output)
    assert after is not None and after.files == listed.files
