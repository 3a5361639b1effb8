"""The parser's doubts reach the people who act on them: `parse` (also a page with no date),
`ingest` (printed with the file name) and the daemon (logged with the file name)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import pytest

from feedsvc import cli
from feedsvc.config import load_settings
from feedsvc.daemon import Daemon
from feedsvc.parse import NO_DATE, TITLE_DERIVED, warnings_of
from tests.e2e_helpers import write_config
from tests.parse_helpers import parse_text

# A caption spliced into a text the export cut mid-sentence, and an item whose headline was lost.
PAGE = (
    "2024年9月10日 星期二 第3版 要闻\n\n丰收节里话丰收\n\n■记者 林 夕\n\n"
    "本报讯 9月9日，丰收节庆祝活动在镇文化广场举行，现场还举办了农产品展销，当地特色的\n\n"
    "图为农民在展销会上展示自家种植的新米。\n\n"
    "高山茶叶和土蜂蜜吸引了不少市民选购。\n\n"
    "■记者 柯 蓝\n\n本报讯 每逢农历三、八，镇上的老街便热闹起来，周边村民前来赶集。\n"
)
NOW = dt.datetime(2024, 9, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_items_carry_their_own_doubts_and_the_issue_lists_them_all() -> None:
    issue = parse_text(PAGE)
    article, photo, lost = issue.items
    assert photo.kind == "photo" and "caption moved out of the text it interrupted" in photo.warnings
    assert TITLE_DERIVED in photo.warnings
    assert lost.title_derived and lost.warnings == (TITLE_DERIVED,)
    assert article.warnings == ()
    lines = warnings_of(issue)
    assert any(
        line.startswith("page 3: item 2 (图为农民在展销会上展示自家种植的新米): caption moved")
        for line in lines
    )
    # a derived title is said once per item, by the issue's own warnings
    assert sum("title derived" in line for line in lines) == 2


def test_a_page_without_a_date_warns_in_parse() -> None:
    issue = parse_text("老街夜市重新开张\n\n本报讯 周五晚，整修后的老街夜市重新开张。\n")
    assert issue.date is None and NO_DATE in issue.warnings
    dated = parse_text("2024年6月3日 星期一\n\n老街夜市重新开张\n\n本报讯 周五晚，老街夜市重新开张。\n")
    assert NO_DATE not in dated.warnings


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FEEDSVC_NOW", NOW.isoformat())
    return write_config(tmp_path, port=8000)


def test_parse_command_shows_the_missing_date(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "undated.txt"
    page.write_text("老街夜市重新开张\n\n本报讯 周五晚，整修后的老街夜市重新开张。\n", encoding="utf-8")
    assert cli.main(["--config", str(config), "parse", str(page)]) == 0
    assert NO_DATE in capsys.readouterr().out


def test_ingest_prints_the_warnings_with_the_file_name(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "harvest.txt"
    page.write_text(PAGE, encoding="utf-8")
    assert cli.main(["--config", str(config), "ingest", str(page)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert "feedsvc: harvest.txt: warning: page 3: item 3 has no printed headline; title derived" in err
    assert any(line.startswith("feedsvc: harvest.txt: warning: page 3: item 2 (") for line in err)


def test_the_daemon_logs_the_warnings_with_the_file_name(
    config: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(config)
    daemon = Daemon(settings, clock=lambda: NOW)
    processing = settings.paths.inbox / ".processing"
    processing.mkdir(parents=True, exist_ok=True)
    taken = processing / "harvest.txt"
    taken.write_text(PAGE, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="feedsvc.daemon"):
        daemon.process(taken)
    assert not taken.exists()  # stored, not set aside
    failed = settings.paths.inbox / "failed"
    assert not failed.exists() or not os.listdir(failed)
    logged = [r.getMessage() for r in caplog.records if r.name == "feedsvc.daemon"]
    assert "harvest.txt: page 3: item 3 has no printed headline; title derived" in logged
    assert any(m.startswith("harvest.txt: page 3: item 2 (") for m in logged)
