"""Issue 9, items 10-13 (input and settings): implausible dates, a non-ASCII base_url, garbage in
environment overrides, `ingest … | head -1`, the hints docstring."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from feedsvc import cli, intake, pipeline
from feedsvc.config import load_settings
from feedsvc.errors import ConfigError, ParseError
from feedsvc.render.common import Site
from feedsvc.serve import start_in_thread
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


# ------------------------------------------------------------------------------------ item 11


def test_a_non_ascii_base_url_is_written_as_ascii(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: accepted as is, then every feed request answered 500 (the Link header could not be
    encoded). Now the host is IDNA-encoded and the path percent-encoded at load time."""
    inst = Instance(tmp_path / "inst")
    monkeypatch.setenv("FEEDSVC_PAPER__BASE_URL", "http://钱塘新区报.中国/新闻")
    settings = load_settings(inst.config, cwd=inst.folder)
    assert settings.paper.base_url == "http://xn--dkrx2jcqk86c7r5f.xn--fiqs8s/%E6%96%B0%E9%97%BB/"
    pipeline.ingest_file(settings, SAMPLE, NOW1)
    feed = (inst.output / "feed.atom").read_text(encoding="utf-8")
    assert 'href="http://xn--dkrx2jcqk86c7r5f.xn--fiqs8s/%E6%96%B0%E9%97%BB/feed.atom"' in feed

    with start_in_thread(inst.output, settings, "127.0.0.1", 0) as server:
        response = httpx.get(server.url + "feed.atom", timeout=10)
    assert response.status_code == 200
    assert response.headers["link"].startswith(
        "<http://xn--dkrx2jcqk86c7r5f.xn--fiqs8s/%E6%96%B0%E9%97%BB/feed.atom>"
    )


@pytest.mark.parametrize(
    "url", ["http://a_b.example/", "http://paper.example:99999/", "http://user:pw@paper.example/",
            "http://paper.example/?edition=1", "ftp://paper.example/"],
)  # fmt: skip
def test_a_base_url_that_cannot_be_written_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    inst = Instance(tmp_path / "inst")
    monkeypatch.setenv("FEEDSVC_PAPER__BASE_URL", url)
    with pytest.raises(ConfigError, match=r"^FEEDSVC_PAPER__BASE_URL: paper\.base_url: "):
        load_settings(inst.config, cwd=inst.folder)


# ------------------------------------------------------------------------------------ item 12


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FEEDSVC_FEEDS__HUBS", "not json"),
        ("FEEDSVC_FEEDS__HUBS", '["hub.example"]'),
        ("FEEDSVC_FEEDS__HUBS", '["ftp://hub.example/"]'),
        ("FEEDSVC_SECTIONS", "x"),
        ("FEEDSVC_SECTIONS", '{"a": "要闻"}'),
        ("FEEDSVC_SLUGS", "{"),
        ("FEEDSVC_SLUGS", '{"要闻": "Not A Slug"}'),
        ("FEEDSVC_PAPER", "1"),
        ("FEEDSVC_PAPER", '{"name": ""}'),
        ("FEEDSVC_SERVE__PORT", "eighty"),
    ],
)
def test_a_bad_environment_override_is_one_line_naming_the_variable(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
) -> None:
    """Before: a traceback (JSON that is not), or an error naming the file that did not set it. A
    stray FEEDSVC_ variable that is no setting (as CI's FEEDSVC_INSTALL_PYTHON=1, "1" being JSON,
    "yes" not) is never the one named."""
    inst = Instance(tmp_path / "inst")
    monkeypatch.setenv("FEEDSVC_AAA_NOT_A_SETTING", "yes")  # sorts before every real setting
    monkeypatch.setenv("FEEDSVC_INSTALL_PYTHON", "1")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings(inst.config, cwd=inst.folder)
    assert str(raised.value).startswith(f"{variable}: ") and "\n" not in str(raised.value)
    assert str(inst.config) not in str(raised.value)
    assert cli.main(["--config", str(inst.config), "regenerate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"feedsvc: {variable}: ") and err.count("\n") == 1, err


# ------------------------------------------------------------------------------------ item 13


def test_ingest_into_a_closed_pipe_ingests_every_file(tmp_path: Path) -> None:
    """`feedsvc ingest a b c | head -1`: before, the first print into the closed pipe raised
    BrokenPipeError and the other files were skipped."""
    inst = Instance(tmp_path / "inst")
    files = []
    for day in (26, 27, 28):
        path = tmp_path / f"qiantang-2023-06-{day}-p1.txt"
        path.write_text(page_of(f"2023年6月{day}"), encoding="utf-8")
        files.append(str(path))
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (head -1) is gone before anything is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "feedsvc.cli", "--config", str(inst.config), "ingest", *files],
            cwd=inst.folder, env=inst.env(T1), stdout=write_end, stderr=subprocess.PIPE, text=True,
            timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert len(inst.originals()) == 3
    for day in (26, 27, 28):
        assert (inst.output / "articles" / "2023" / "06" / str(day)).is_dir()


def test_hints_come_from_the_name_alone(tmp_path: Path) -> None:
    """The hints docstring promised a `<file>.json` sidecar nobody reads: it is not read, and the
    docstring no longer says it is."""
    from feedsvc.parse import hints

    assert "sidecar" not in (hints.__doc__ or "").replace("no sidecar", "")
    text = SAMPLE.read_text(encoding="utf-8")
    headless = text[text.index("区委常委会会议传达") :]
    inst = Instance(tmp_path / "inst")
    page = tmp_path / "qiantang-2023-06-25-p1.txt"
    page.write_text(headless, encoding="utf-8")
    (tmp_path / "qiantang-2023-06-25-p1.txt.json").write_text('{"date": "2023-06-20", "page": 3}')
    _data, issue = intake.read_submission(load_settings(inst.config, cwd=inst.folder), page)
    assert issue.date == dt.date(2023, 6, 25) and [p.number for p in issue.pages] == [1]
