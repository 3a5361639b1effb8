"""Smoke tests of benchmarks/: the synthetic archive is deterministic and shaped like the paper,
and the parse benchmark runs."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
MASTHEAD = re.compile(
    r"^(\d{4})年(\d{1,2})月(\d{1,2})日? 农历[甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥]年\S+ 今日4版总第(\d+)期$"
)
HEADER = re.compile(r"^(?:\d{4}年\d{1,2}月\d{1,2}日 星期[一二三四五六日] )?第(\d)版 (要闻|综合|民生|副刊)$")
NAME = re.compile(r"^qiantang-(\d{4}-\d{2}-\d{2})-p(\d)\.txt$")
SECTIONS = {1: "要闻", 2: "综合", 3: "民生", 4: "副刊"}


def _module(name: str) -> ModuleType:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(name)


make_archive = _module("benchmarks.make_archive")


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_same_bytes_and_another_seed_other_bytes(tmp_path: Path) -> None:
    spec = make_archive.ArchiveSpec(start=dt.date(2014, 1, 1), days=3, seed=1)
    make_archive.generate(tmp_path / "a", spec)
    make_archive.generate(tmp_path / "b", spec)
    make_archive.generate(tmp_path / "c", make_archive.ArchiveSpec(start=dt.date(2014, 1, 1), days=3, seed=2))
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert a == b
    assert a.keys() == c.keys()
    assert all(a[name] != c[name] for name in a)


def test_a_run_of_days_is_the_same_inside_a_longer_archive_and_with_workers(tmp_path: Path) -> None:
    long = make_archive.ArchiveSpec(start=dt.date(2016, 2, 27), days=6, seed=5, first_issue=100)
    tail = make_archive.ArchiveSpec(start=dt.date(2016, 3, 1), days=3, seed=5, first_issue=103)
    make_archive.generate(tmp_path / "long", long, jobs=2)
    make_archive.generate(tmp_path / "tail", tail)
    whole, part = _files(tmp_path / "long"), _files(tmp_path / "tail")
    assert len(whole) == 24
    assert part == {name: data for name, data in whole.items() if name >= "qiantang-2016-03-01"}


def test_archive_shape(tmp_path: Path) -> None:
    truth = tmp_path / "truth.jsonl"
    spec = make_archive.ArchiveSpec(start=dt.date(2023, 6, 26), days=3, seed=1, first_issue=521)
    summary = make_archive.generate(tmp_path / "inbox", spec, truth=truth)
    files = _files(tmp_path / "inbox")
    assert summary.files == summary.pages == len(files) == 12
    assert summary.items == summary.articles + summary.photos
    assert 12 * 4 <= summary.items <= 12 * 8
    records = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]
    assert [r["file"] for r in records] == list(files)
    assert sum(len(r["items"]) for r in records) == summary.items
    for name, data in files.items():
        m = NAME.match(name)
        assert m, name
        date, number = dt.date.fromisoformat(m[1]), int(m[2])
        text = data.decode("utf-8")
        assert "\r" not in text and "\f" not in text and text.endswith("\n")
        blocks = [b for b in text.split("\n\n") if b.strip()]
        assert all("\n" not in b.strip("\n") for b in blocks), "one block, one line"
        first = blocks[0].strip()
        if number == 1:
            head = MASTHEAD.match(first)
            assert head, first
            assert dt.date(int(head[1]), int(head[2]), int(head[3])) == date
            assert int(head[4]) == 521 + (date - spec.start).days
            assert "QIANTANG NEW AREA DAILY" in text and re.search(r"倒计时\d+天", text)
        else:
            header = HEADER.match(first)
            assert header, first
            assert int(header[1]) == number and header[2] == SECTIONS[number]
        record = records[list(files).index(name)]
        assert record["page"] == number and record["section"] == SECTIONS[number]
        assert 4 <= len(record["items"]) <= 8
        for item in record["items"]:
            assert item["kind"] in ("article", "photo") and item["contributors"] and item["text"]
            if item["kind"] == "photo":
                assert item["contributors"][0]["credit"] == "摄"
    every = "".join(data.decode() for data in files.values())
    assert "■记者 " in every and " 摄\n" in every and "本报讯" in every


def test_issue_files_split_pages_with_form_feeds(tmp_path: Path) -> None:
    spec = make_archive.ArchiveSpec(days=2, pages_per_issue=6)
    summary = make_archive.generate(tmp_path, spec, per_issue=True)
    files = _files(tmp_path)
    assert list(files) == ["qiantang-2014-01-01.txt", "qiantang-2014-01-02.txt"]
    assert summary.pages == 12
    pages = files["qiantang-2014-01-01.txt"].decode().split("\f")
    assert len(pages) == 6
    assert "今日6版" in pages[0] and pages[5].startswith(("第6版 副刊", "2014年1月1日 星期三 第6版 副刊"))


def test_contributor_pool() -> None:
    paper = _module("benchmarks.paper")
    cast = paper.make_cast(1, 300)
    names = [p.name for p in (*cast.reporters, *cast.correspondents)]
    assert len(names) == len(set(names)) == 300
    assert {"张伟", "张玮", "章伟"} <= set(names)
    assert any(len(n) == 2 for n in names) and not set(cast.editors) & set(names)
    assert {p.role for p in cast.reporters} == {"记者", "首席记者"}


def test_calendar_helpers() -> None:
    paper = _module("benchmarks.paper")
    assert make_archive.years_to_days(dt.date(2014, 1, 1), 10) == 3652
    assert make_archive.years_to_days(dt.date(2016, 2, 29), 1) == 365
    lunar = paper.lunar_date(dt.date(2023, 6, 26))  # printed: 癸卯年五月初九 (2023 had a leap month)
    assert lunar.startswith("癸卯年") and lunar[-2:] in ("初八", "初九", "初十")
    assert paper.lunar_date(dt.date(2014, 1, 30)).startswith("癸巳年")
    assert paper.lunar_date(dt.date(2014, 1, 31)) == "甲午年正月初一"


def test_make_archive_runs_as_a_script_from_elsewhere(tmp_path: Path) -> None:
    script = ROOT / "benchmarks" / "make_archive.py"
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(script), str(out), "--days", "2", "--pages-per-issue", "2", "--jobs", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "4 files, 4 pages" in done.stdout
    bad = subprocess.run(
        [sys.executable, str(script), str(out), "--days", "1", "--truth", str(out / "t.jsonl")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "OUT_DIR" in bad.stderr


def test_parse_benchmark_runs() -> None:
    bench = _module("benchmarks.parse")
    assert bench.main(["--seconds", "0.2", "--pages", "8", "--no-pin", "--check"]) == 0


def test_synthetic_pages_parse_to_their_date_page_and_section() -> None:
    from feedsvc import parse

    hints = parse.ParseHints(publication="钱塘新区报", name_en="QIANTANG NEW AREA DAILY", sections=SECTIONS)
    for page in make_archive.iter_pages(make_archive.ArchiveSpec(days=5, seed=9)):
        named = {k: v for k, v in parse.from_name(page.name).items() if v is not None}
        issue = parse.parse(page.text, source=page.name, hints=hints.model_copy(update=named))
        assert issue.date == page.date
        assert [p.number for p in issue.pages] == [page.number]
        assert issue.pages[0].section == page.section
        assert abs(len(issue.items) - len(page.items)) <= 2


def test_the_growth_benchmark_runs() -> None:
    """benchmarks/growth.py (issue 9, item 8) prints its three tables."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "growth.py"), "--quick", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("| min s | median s | max s |") == 3
    assert "x for 2.00x the size" in done.stdout
