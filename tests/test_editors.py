"""Editors at work on the sample page (item 5 lost its headline): corrections files applied at
ingest, regenerate, regenerate --reparse, a corrected submission and by the daemon; ids kept;
only the affected feeds rewritten; `[publish] hold`; `feedsvc review|correct|approve`."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedsvc import cli, editing, pipeline
from feedsvc.config import Settings, load_settings
from feedsvc.daemon import Daemon
from feedsvc.store import Store
from feedsvc.websub import Pinger
from tests.e2e_helpers import ROOT, SAMPLE, HubStub, wait_for

CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2023, 6, 26, 10, 0, tzinfo=CST)
TAG = "tag:qiantang.feedsvc.example,2023:2023-06-26/p1/"
HEADLINE = "金承涛督导检查安全生产和防汛备汛工作"
# every file that carries item 5 (its writer is 记者 董笑瑜, its section 要闻)
CARRIERS = (
    "feed.atom", "feed.rss", "feed.json", "sections/yaowen.atom", "sections/yaowen.rss", "sections/yaowen.json",
    "sections/yaowen.html", "contributors/dong-xiaoyu.atom", "contributors/dong-xiaoyu.rss",
    "contributors/dong-xiaoyu.json", "contributors/dong-xiaoyu.html",
    "articles/2023/06/26/p1-05.html", "index.html",
)  # fmt: skip
# pages that show item 5's headline too: its issue's page, the items before and after it (their
# previous/next links)
NEIGHBOURS = ("issues/2023/06/26.html", "articles/2023/06/26/p1-04.html", "articles/2023/06/26/p1-06.html")


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def shown5(when: dt.datetime) -> str:
    """An instant of item 5 (page 1, position 5) as the feeds show it: 4 s back (`common.shown`)."""
    return (when - dt.timedelta(seconds=4)).isoformat()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "feedsvc.toml", tmp_path / "config" / "feedsvc.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def settings_in(folder: Path, hold: str = "off") -> Settings:
    config = folder / "config" / "feedsvc.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"hold = \"\w+\"", f'hold = "{hold}"', text), encoding="utf-8")
    return load_settings(config, cwd=folder)


@pytest.fixture
def settings(folder: Path) -> Settings:
    return settings_in(folder)


def ingest(settings: Settings, when: dt.datetime, data: bytes | None = None) -> pipeline.Report:
    path = settings.paths.store.parent / "drop" / SAMPLE.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(SAMPLE.read_bytes() if data is None else data)
    return pipeline.ingest_file(settings, path, when)


def write(settings: Settings, text: str, name: str = "2023-06-26-p1.toml") -> Path:
    settings.paths.corrections.mkdir(parents=True, exist_ok=True)
    path = settings.paths.corrections / name
    path.write_text(text, encoding="utf-8")
    return path


def entries(settings: Settings) -> dict[str, dict[str, object]]:
    """The whole-paper JSON Feed's items by id."""
    doc = json.loads((settings.paths.output / "feed.json").read_text(encoding="utf-8"))
    return {item["id"]: item for item in doc["items"]}


def item5(settings: Settings) -> dict[str, object]:
    return entries(settings)[TAG + "5"]


def test_lost_headline_set_by_a_file_reaches_every_feed_and_page(settings: Settings) -> None:
    ingest(settings, at(0))
    before = item5(settings)
    assert before["title"] != HEADLINE
    write(settings, f'[[item]]\nitem = 5\nheadline = "{HEADLINE}"\n')

    report = pipeline.regenerate(settings, at(2))
    after = item5(settings)
    assert after["title"] == HEADLINE
    assert str(after["date_modified"]) > str(before["date_modified"])
    assert after["date_published"] == before["date_published"]
    for path in CARRIERS:
        assert HEADLINE in (settings.paths.output / path).read_text(encoding="utf-8"), path
    assert sorted(report.changed_feeds) == sorted(
        p for p in CARRIERS if p.endswith((".atom", ".rss", ".json"))
    )
    assert HEADLINE in (settings.paths.output / "feed.atom").read_text(encoding="utf-8")

    pipeline.regenerate(settings, at(3), reparse=True)
    assert item5(settings) == after  # same id, same headline, same `updated`
    assert len(entries(settings)) == 6


def test_correction_present_at_ingest_and_on_a_corrected_submission(settings: Settings) -> None:
    write(settings, f'[[item]]\nitem = 5\nexpect = "督导检查"\nheadline = "{HEADLINE}"\n')
    first = ingest(settings, at(0))
    assert item5(settings)["title"] == HEADLINE and first.notes == ()
    # the newsroom sends the page again, item 1 rewritten: the correction still fits item 5
    text = SAMPLE.read_text(encoding="utf-8").replace("区委常委 会召开会议", "区委常委 会召开扩大会议")
    again = ingest(settings, at(1), text.encode("utf-8"))
    assert item5(settings)["title"] == HEADLINE
    assert [c.after.id for c in again.changes if c.after] == [TAG + "1"]


def test_only_the_affected_feeds_are_rewritten_by_correct(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(settings, at(0))
    mtimes = {p: p.stat().st_mtime_ns for p in settings.paths.output.rglob("*") if p.is_file()}
    status = cli.main(["correct", TAG + "5", "--headline", HEADLINE, "--contributor", "记者 董笑瑜"])
    assert status == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1:] == [
        "  feed.atom", "  feed.rss", "  feed.json", "  sections/yaowen.atom", "  sections/yaowen.rss",
        "  sections/yaowen.json", "  contributors/dong-xiaoyu.atom", "  contributors/dong-xiaoyu.rss",
        "  contributors/dong-xiaoyu.json",
    ]  # fmt: skip
    changed = {
        str(p.relative_to(settings.paths.output)) for p, m in mtimes.items() if p.stat().st_mtime_ns != m
    }
    assert changed == set(CARRIERS) | set(NEIGHBOURS)
    text = (settings.paths.corrections / "2023-06-26-p1.toml").read_text(encoding="utf-8")
    assert (
        f'item = "{TAG}5"\nheadline = "{HEADLINE}"\ncontributors = [{{ role = "记者", name = "董笑瑜" }}]'
        in text
    )
    assert item5(settings)["title"] == HEADLINE


def test_merge_keeps_the_kept_items_id_and_undoing_it_brings_the_other_back(settings: Settings) -> None:
    ingest(settings, at(0))
    two = entries(settings)[TAG + "2"]
    write(settings, "[[merge]]\nitem = 3\ninto = 2\n")
    pipeline.regenerate(settings, at(1))
    merged = entries(settings)
    assert sorted(merged) == [TAG + n for n in "12456"]
    assert str(two["content_html"]).count("<p>") < str(merged[TAG + "2"]["content_html"]).count("<p>")
    assert "新区党工委书记、区委书记金承涛专题调研网格议事日工作" in str(merged[TAG + "2"]["content_html"])
    assert "打造具有钱塘特色基层治理品牌" not in (settings.paths.output / "feed.atom").read_text(
        encoding="utf-8"
    )
    pipeline.regenerate(settings, at(2), reparse=True)
    assert sorted(entries(settings)) == sorted(merged)

    (settings.paths.corrections / "2023-06-26-p1.toml").unlink()
    pipeline.regenerate(settings, at(3))
    back = entries(settings)
    assert sorted(back) == [TAG + n for n in "123456"]
    assert back[TAG + "3"]["title"] == "打造具有钱塘特色基层治理品牌"


def test_split_mints_one_id_for_good(settings: Settings) -> None:
    ingest(settings, at(0))
    write(settings, '[[split]]\nitem = 2\nat = 4\nheadline = "另一篇报道"\n')
    pipeline.regenerate(settings, at(1))
    split = entries(settings)
    assert sorted(split) == [TAG + n for n in "1234567"]
    assert split[TAG + "7"]["title"] == "另一篇报道"  # minted after the page's last id
    # more corrections and a re-parse later, the part keeps its id
    write(settings, '[[split]]\nitem = 2\nat = 4\nheadline = "另一篇报道"\n[[item]]\nitem = 4\nhide = true\n')
    pipeline.regenerate(settings, at(2), reparse=True)
    later = entries(settings)
    assert sorted(later) == [TAG + n for n in "123567"]
    assert later[TAG + "7"] == split[TAG + "7"]


def test_hold_keeps_a_warned_item_out_until_approved(folder: Path) -> None:
    settings = settings_in(folder, hold="warnings")
    ingest(settings, at(0))
    assert TAG + "5" not in entries(settings)
    assert not (settings.paths.output / "articles/2023/06/26/p1-05.html").exists()
    # item 4 too: its caption was moved out of the text it interrupted
    assert sorted(entries(settings)) == [TAG + n for n in "1236"]
    pipeline.regenerate(settings, at(1), reparse=True)
    assert TAG + "5" not in entries(settings)

    report = pipeline.edit(
        settings, at(2), lambda s, c, n: editing.approve(s, c, n, day=dt.date(2023, 6, 27))
    )
    assert report.changes == () and TAG + "5" not in entries(settings)  # another day's approval
    assert cli.main(["approve", TAG + "5"]) == 0
    assert TAG + "5" in entries(settings)
    assert item5(settings)["date_modified"] == shown5(at(5))  # FEEDSVC_NOW
    pipeline.regenerate(settings, at(3), reparse=True)
    assert TAG + "5" in entries(settings)


def test_hold_ends_when_the_item_is_corrected(folder: Path) -> None:
    settings = settings_in(folder, hold="warnings")
    ingest(settings, at(0))
    write(settings, f'[[item]]\nitem = 5\nheadline = "{HEADLINE}"\n')
    pipeline.regenerate(settings, at(1))
    assert item5(settings)["title"] == HEADLINE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[item]]\nitem = 5\nheadline = 'x'\n[[item]\n", "2023-06-26-p1.toml: not valid TOML"),
        ("[[item]]\nitem = 5\nheadline = 'x'\n[[item]]\nitem = 1\nkicker = 3\n",
         "2023-06-26-p1.toml: item[2].kicker: Input should be a valid string"),
        (f"[[item]]\nitem = 5\nheadline = 'x'\n[[item]]\nitem = '{TAG}9'\nhide = true\n",
         f"2023-06-26-p1.toml: item[2].item: unknown id {TAG}9 (not an item of page 1 of 2023-06-26)"),
    ],
)  # fmt: skip
def test_a_bad_file_is_reported_and_nothing_from_it_applied(
    settings: Settings, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(settings, at(0))
    before = entries(settings)
    write(settings, text)
    assert cli.main(["regenerate"]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("feedsvc:")]
    assert len(err) == 1 and err[0].startswith(f"feedsvc: {message}") and "nothing applied" in err[0]
    assert entries(settings) == before


def test_a_correction_that_no_longer_fits_is_reported_not_applied(settings: Settings) -> None:
    ingest(settings, at(0))
    write(settings, f'[[item]]\nitem = 9\nhide = true\n[[item]]\nitem = 5\nheadline = "{HEADLINE}"\n')
    report = pipeline.regenerate(settings, at(1))
    assert report.notes == (
        "2023-06-26-p1.toml: item[1]: item 9 is not on the page (it has 6 items); not applied",
    )
    assert item5(settings)["title"] == HEADLINE and len(entries(settings)) == 6


def test_review_lists_doubts_and_writes_a_page_beside_the_store(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(settings, at(0))
    assert cli.main(["review", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(i["id"], i["page"], i["position"], i["state"]) for i in listed["items"]] == [
        (TAG + "4", 1, 4, "published"),
        (TAG + "5", 1, 5, "published"),
    ]
    assert listed["items"][0]["warnings"] == ["caption moved out of the text it interrupted"]
    assert listed["items"][1]["warnings"] == ["no printed headline: title derived from the lead"]
    assert listed["items"][1]["excerpt"].startswith("本报讯 6月23日下午")
    page = (settings.paths.store / "review.html").read_text(encoding="utf-8")
    assert TAG + "5" in page and "title derived" in page
    assert not list(settings.paths.output.rglob("review*"))
    assert cli.main(["review", "--date", "2023-06-27"]) == 0
    assert capsys.readouterr().out.startswith("0 item(s) to review (issue 2023-06-27)")


def test_the_daemon_applies_changed_corrections_files_and_pings_their_feeds(folder: Path) -> None:
    hub = HubStub()
    config = folder / "config" / "feedsvc.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("hubs = []", f'hubs = ["{hub.url}"]'), encoding="utf-8"
    )
    settings = settings_in(folder)
    ingest(settings, at(0))
    ticks = iter(range(1, 100))
    daemon = Daemon(settings, clock=lambda: at(next(ticks)))  # an entry's `updated` moves on
    daemon.pinger = Pinger.from_settings(settings)
    try:
        daemon.tick()
        assert item5(settings)["title"] != HEADLINE
        write(settings, f'[[item]]\nitem = 5\nheadline = "{HEADLINE}"\n')
        daemon.tick()
        assert item5(settings)["title"] == HEADLINE
        wanted = sorted(
            settings.paper.base_url + p for p in CARRIERS if p.endswith((".atom", ".rss", ".json"))
        )
        topics: list[str] = []
        wait_for("the hub pings", lambda: sorted(topics.__iadd__(hub.take())) == wanted)
    finally:
        daemon.pinger.close(timeout=5)
        hub.close()
    with Store.open(settings.paths.store) as store:
        assert editing.Editorial(store).files() != {}
    (settings.paths.corrections / "2023-06-26-p1.toml").unlink()
    daemon.tick()
    assert item5(settings)["title"] != HEADLINE


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FEEDSVC_NOW", at(5).isoformat())
    yield


def test_a_held_item_merged_away_leaves_the_review(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_in(folder, hold="warnings")
    ingest(settings, at(0))
    assert cli.main(["review", "--format", "json"]) == 0
    assert [(i["id"], i["state"]) for i in json.loads(capsys.readouterr().out)["items"]] == [
        (TAG + "4", "held"),  # a caption moved out of the text it interrupted
        (TAG + "5", "held"),
    ]
    write(settings, "[[merge]]\nitem = 5\ninto = 3\n")
    pipeline.regenerate(settings, at(1))
    assert cli.main(["review", "--format", "json"]) == 0
    assert [i["id"] for i in json.loads(capsys.readouterr().out)["items"]] == [TAG + "4"]
    assert sorted(entries(settings)) == [TAG + n for n in "1236"]
    assert "金承涛开展安全生产和防汛备汛工作督导检查" in str(entries(settings)[TAG + "3"]["content_html"])


def test_review_shows_files_not_applied_and_escapes_what_it_shows(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(settings, at(0))
    write(settings, '[[item]]\nitem = 8\nheadline = "<script>alert(1)</script>"\n')
    write(settings, "[[item]]\nitem = 1\nhide = 'yes'\n", name="2023-06-26-p2.toml")
    pipeline.regenerate(settings, at(1))
    assert cli.main(["review", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["files"] == [
        {"file": "2023-06-26-p1.toml", "status": "applied",
         "problems": ["item[1]: item 8 is not on the page (it has 6 items); not applied"]},
        {"file": "2023-06-26-p2.toml", "status": "error",
         "problems": ["item[1].hide: Input should be a valid boolean"]},
    ]  # fmt: skip
    write(settings, '[[item]]\nitem = 5\nheadline = "<b>粗体</b>"\n')
    pipeline.regenerate(settings, at(2))
    page = (settings.paths.store / "review.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page and "<b>" not in page
    assert "2023-06-26-p2.toml" in page and "2023-06-26-p1.toml" not in page  # p1 now applied whole


def test_correct_hide_from_the_command_line(settings: Settings) -> None:
    ingest(settings, at(0))
    assert (settings.paths.output / "articles/2023/06/26/p1-04.html").exists()
    assert cli.main(["correct", TAG + "4", "--hide"]) == 0
    assert TAG + "4" not in entries(settings)
    assert not (settings.paths.output / "articles/2023/06/26/p1-04.html").exists()
    assert not (settings.paths.output / "contributors/zhang-xiangrong.atom").exists()
    assert cli.main(["correct", TAG + "9", "--hide"]) == 2  # unknown id: one line, nothing written
    assert "hide = true" in (settings.paths.corrections / "2023-06-26-p1.toml").read_text(encoding="utf-8")
    assert cli.main(["correct", TAG + "4"]) == 2  # nothing to correct


def test_turning_hold_off_releases_held_items_at_the_next_reparse(folder: Path) -> None:
    ingest(settings_in(folder, hold="warnings"), at(0))
    settings = settings_in(folder, hold="off")
    assert TAG + "5" not in entries(settings)
    pipeline.regenerate(settings, at(1), reparse=True)
    assert entries(settings)[TAG + "5"]["date_modified"] == shown5(at(1))
