"""Issue 9, items 10-13 (input and settings): implausible dates, a non-ASCII base_url, garbage in
environment overrides, `ingest … | head -1`, the hints docstring."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from feedsvc import pipeline
from feedsvc.config import load_settings
from feedsvc.errors import ParseError
from feedsvc.render.common import Site
from tests.e2e_helpers import SAMPLE
from tests.fault_helpers import T1, Instance

NOW1 = dt.datetime.fromisoformat(T1)


def page_of(day: str) -> str:
    return SAMPLE.read_text(encoding="utf-8").replace("2023年6月26", day)


# ------------------------------------------------------------------------------------ item 10


def test_an_issue_dated_before_the_paper_existed_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: a page dated 1900 was published with Asia/Shanghai's local mean time offset."""
    inst = Instance(tmp_path / "inst")
    old = tmp_path / "old.txt"
    old.write_text(page_of("1900年6月26"), encoding="utf-8")
    with pytest.raises(ParseError, match=r"1900-06-26 is before the paper's first issue"):
        pipeline.ingest_file(load_settings(inst.config, cwd=inst.folder), old, NOW1)

    monkeypatch.setenv("FEEDSVC_PAPER__EARLIEST_DATE", "2020-01-01")
    settings = load_settings(inst.config, cwd=inst.folder)
    older = tmp_path / "older.txt"
    older.write_text(page_of("2019年6月26"), encoding="utf-8")
    with pytest.raises(ParseError, match=r"paper\.earliest_date = 2020-01-01"):
        pipeline.ingest_file(settings, older, NOW1)
    result = inst.cli("ingest", str(older))
    assert result.returncode == 2 and "before the paper's first issue" in result.stderr

    monkeypatch.setenv("FEEDSVC_PAPER__EARLIEST_DATE", "1850-01-01")
    with pytest.raises(Exception, match="1901-01-01 or later"):
        load_settings(inst.config, cwd=inst.folder)


def test_no_timestamp_is_written_with_a_seconds_offset(tmp_path: Path) -> None:
    site = Site.from_settings(load_settings(Instance(tmp_path / "inst").config, cwd=tmp_path))
    early = dt.datetime(1900, 6, 26, 6, 0, tzinfo=site.tz)  # +08:05:43 local mean time
    stamp = site.stamp(early)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+\d\d:\d\d|Z|\+00:00)", stamp), stamp
    assert dt.datetime.fromisoformat(stamp) == early
    assert site.stamp(dt.datetime(2023, 6, 26, 6, 0, tzinfo=site.tz)) == "2023-06-26T06:00:00+08:00"
