"""The past issues a year at a time: `issues/index.html` lists the years (with their counts) and
the newest year's issues, `issues/YYYY.html` one year's; an ingest rewrites its own year's page
and the index, not the other years' pages, and leaves the output as a regenerate makes it."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

from feedsvc import pipeline
from feedsvc.config import Settings
from feedsvc.render.common import Site
from feedsvc.render.feeds import FeedRenderer
from feedsvc.render.past import past_issues
from tests.render_helpers import instance_settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.issue import ArchiveSpec, iter_issues  # noqa: E402

NOW = dt.datetime(2021, 1, 10, 9, tzinfo=dt.UTC)


def _ingest(settings: Settings, folder: Path, days: int) -> list[set[str]]:
    """Issues from 2020-12-30 on, one file each: the files each ingest wrote."""
    spec = ArchiveSpec(start=dt.date(2020, 12, 30), days=days, seed=7, pages_per_issue=2, contributors=8)
    folder.mkdir()
    written = []
    for pages in iter_issues(spec):
        path = folder / f"qiantang-{pages[0].date.isoformat()}.txt"
        path.write_text("\f".join(p.text for p in pages), encoding="utf-8")
        written.append(set(pipeline.ingest_file(settings, path, NOW).written))
    return written


def _tree(folder: Path) -> dict[str, bytes]:  # the manifest too
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_an_ingest_rewrites_its_year_and_the_index_only(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    written = _ingest(settings, tmp_path / "drops", days=4)  # 2020-12-30, 12-31, 2021-01-01, 01-02
    assert {"issues/index.html", "issues/2020.html"} <= written[1]
    assert "issues/2020.html" in written[2]  # 2021 begins: 2020's page links to it now
    assert {"issues/index.html", "issues/2021.html"} <= written[3]
    assert "issues/2020.html" not in written[3]

    out = settings.paths.output
    index = (out / "issues/index.html").read_text(encoding="utf-8")
    years = re.findall(r'<a href="(\d{4})\.html">(\d{4})年</a> <small>(\d+) 期</small>', index)
    assert years == [("2021", "2021", "2"), ("2020", "2020", "2")]
    assert re.findall(r'href="(2021/01/\d\d)\.html"', index) == ["2021/01/01", "2021/01/02"]
    assert "2020/12/" not in index  # older years are on their own pages
    page = (out / "issues/2020.html").read_text(encoding="utf-8")
    assert re.findall(r'href="(2020/12/\d\d)\.html"', page) == ["2020/12/30", "2020/12/31"]
    assert '<a href="2021.html">2021年</a>' in page and '<strong aria-current="page">2020年</strong>' in page
    issue = (out / "issues/2020/12/31.html").read_text(encoding="utf-8")
    assert '<a href="../../2020.html">2020年</a>' in issue

    fresh = settings.model_copy(
        update={"paths": settings.paths.model_copy(update={"output": tmp_path / "re"})}
    )
    pipeline.regenerate(fresh, NOW)
    incremental, regenerated = _tree(out), _tree(tmp_path / "re")
    assert incremental.keys() == regenerated.keys()
    assert [k for k in incremental if incremental[k] != regenerated[k]] == []


def test_year_pages_current_on_disk_are_kept_and_other_years_are_obsolete(tmp_path: Path) -> None:
    settings = instance_settings(tmp_path)
    _ingest(settings, tmp_path / "drops", days=3)
    out = settings.paths.output
    (out / "issues/2019.html").write_bytes((out / "issues/2020.html").read_bytes())
    site, days = (
        Site.from_settings(settings),
        [dt.date(2020, 12, 30), dt.date(2020, 12, 31), dt.date(2021, 1, 1)],
    )
    made = past_issues(site, FeedRenderer(site, out), out, days)
    assert sorted(made.kept) == ["issues/2020.html", "issues/2021.html"]
    assert [path for path, _ in made.files] == ["issues/index.html"]
    assert made.obsolete == ["issues/2019.html"]
    dropped = past_issues(site, FeedRenderer(site, out), out, days[:2])  # 2021 gone: 2020's page changes
    assert [path for path, _ in dropped.files] == ["issues/index.html", "issues/2020.html"]
    assert dropped.obsolete == ["issues/2019.html", "issues/2021.html"]
