"""Issue 9, the daemon and the inbox: nothing lost, nothing applied out of order, no file stops the scan.

Each test drives a `Daemon` in this process, one `tick()` at a time, on an instance whose store
holds the sample page (2023-06-26, page 1), with faults injected where the store must fail.
"""

from __future__ import annotations

import errno
import itertools
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from feedsvc import faults, pipeline
from feedsvc.config import Settings, load_settings
from feedsvc.daemon import Daemon
from feedsvc.store import Store
from tests.e2e_helpers import SAMPLE, drop
from tests.fault_helpers import T0, T1, Instance

NOW0 = pipeline.dt.datetime.fromisoformat(T0)
NOW1 = pipeline.dt.datetime.fromisoformat(T1)


def ticking() -> Callable[[], pipeline.dt.datetime]:
    """A clock from T1 that moves a minute each time it is read (an edit gets a new `updated`)."""
    reads = itertools.count()
    return lambda: NOW1 + pipeline.dt.timedelta(minutes=next(reads))


def settings_of(inst: Instance) -> Settings:
    return load_settings(inst.config, cwd=inst.folder)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    base = Instance(tmp_path_factory.mktemp("reliability") / "base")
    pipeline.ingest_file(settings_of(base), SAMPLE, NOW0)
    return base


@pytest.fixture
def inst(published: Instance, tmp_path: Path) -> Instance:
    return published.copy(tmp_path / "instance")


@contextmanager
def store_disk_full() -> Iterator[None]:
    saved = faults._fail, faults.ACTIVE
    faults._fail, faults.ACTIVE = ("store.add_submission.uncommitted", errno.ENOSPC, ""), True
    try:
        yield
    finally:
        faults._fail, faults.ACTIVE = saved


def version(n: int) -> bytes:
    """The sample page with one sentence of its first article rewritten: version `n`."""
    text = SAMPLE.read_text(encoding="utf-8")
    edited = text.replace("协奏曲。", f"协奏曲,这是第{n}版的更正。")
    assert edited != text
    return edited.encode("utf-8")


def paper_text(inst: Instance) -> str:
    feed = json.loads((inst.output / "feed.json").read_text(encoding="utf-8"))
    return "".join(item.get("content_html", "") + item.get("content_text", "") for item in feed["items"])


def renamed_in(inbox: Path, name: str, data: bytes) -> Path:
    path = drop(inbox, name, data)
    os.utime(path, ns=(10**12, 10**12))  # renamed in after its last write: taken at the first scan
    return path


# ------------------------------------------------------------------------------------ item 1


def test_a_late_retry_never_overtakes_a_newer_submission_of_the_same_page(
    inst: Instance, caplog: pytest.LogCaptureFixture
) -> None:
    """Version 1 waits for a retry (store disk full); version 2 of the same page arrives and the
    disk takes writes again: version 2 waits behind version 1, then both apply in arrival order, so
    the feed ends with version 2's text (before the fix, the retry of version 1 came last)."""
    daemon = Daemon(settings_of(inst), clock=ticking())
    daemon.retry_delays = (3600.0,)
    caplog.set_level(logging.INFO)
    renamed_in(inst.inbox, "qiantang-2023-06-26-p1-v1.txt", version(1))
    with store_disk_full():
        daemon.tick()
    assert "not stored, will retry" in caplog.text
    renamed_in(inst.inbox, "qiantang-2023-06-26-p1-v2.txt", version(2))
    daemon.tick()  # the disk has room again, but version 1's retry is not due yet
    assert "第2版的更正" not in paper_text(inst)
    processing = sorted(p.name for p in (inst.inbox / ".processing").iterdir())
    assert processing == ["qiantang-2023-06-26-p1-v1.txt", "qiantang-2023-06-26-p1-v2.txt"]
    assert "waiting: qiantang-2023-06-26-p1-v2.txt" in caplog.text

    daemon._retries = {name: (1, 0.0) for name in daemon._retries}  # version 1's retry is due
    daemon.tick()
    assert not list((inst.inbox / ".processing").iterdir())
    text = paper_text(inst)
    assert "第2版的更正" in text and "第1版的更正" not in text
    with Store.open(inst.store) as store:
        names = [s.name for s, _ in store.originals()]
    assert names[-2:] == ["qiantang-2023-06-26-p1-v1.txt", "qiantang-2023-06-26-p1-v2.txt"]


def test_a_waiting_retry_does_not_hold_back_other_pages(inst: Instance) -> None:
    daemon = Daemon(settings_of(inst), clock=lambda: NOW1)
    daemon.retry_delays = (3600.0,)
    renamed_in(inst.inbox, "qiantang-2023-06-26-p1-v1.txt", version(1))
    with store_disk_full():
        daemon.tick()
    other = SAMPLE.read_text(encoding="utf-8").replace("2023年6月26", "2023年6月27")
    renamed_in(inst.inbox, "qiantang-2023-06-27-p1.txt", other.encode("utf-8"))
    daemon.tick()
    assert [p.name for p in (inst.inbox / ".processing").iterdir()] == ["qiantang-2023-06-26-p1-v1.txt"]
    assert (inst.output / "articles" / "2023" / "06" / "27").is_dir()


# ------------------------------------------------------------------------------------ item 6


def twice_page_one() -> bytes:
    text = SAMPLE.read_text(encoding="utf-8")
    return (text + "\f" + text).encode("utf-8")


def test_the_same_page_number_twice_is_refused_before_anything_is_stored(inst: Instance) -> None:
    path = inst.folder / "qiantang-2023-06-26-p1-twice.txt"
    path.write_bytes(twice_page_one())
    with Store.open(inst.store) as store:
        before = store.submission_count()
    with pytest.raises(pipeline.ParseError, match="page 1 appears twice"):
        pipeline.ingest_file(settings_of(inst), path, NOW1)
    with Store.open(inst.store) as store:
        assert store.submission_count() == before  # not half-stored

    daemon = Daemon(settings_of(inst), clock=ticking())
    renamed_in(inst.inbox, path.name, path.read_bytes())
    daemon.tick()  # straight to failed/, not retried as a store error
    reason = (inst.inbox / "failed" / f"{path.name}.error.txt").read_text(encoding="utf-8")
    assert "page 1 appears twice" in reason and not daemon._retries


def test_reparse_skips_a_stored_submission_the_parser_rejects(
    inst: Instance, caplog: pytest.LogCaptureFixture
) -> None:
    """A store written before the check may hold such a submission as received: reparse goes on."""
    with Store.open(inst.store) as store:
        store.add_submission("twice.txt", twice_page_one(), NOW1)
    caplog.set_level(logging.WARNING)
    report = pipeline.regenerate(settings_of(inst), NOW1, reparse=True)
    assert report.name == "regenerate"
    assert "re-parse skipped: twice.txt: page 1 appears twice" in caplog.text


# ------------------------------------------------------------------------------------ item 2


def test_a_shorter_copy_that_retracts_items_is_logged_and_both_originals_kept(
    inst: Instance, caplog: pytest.LogCaptureFixture
) -> None:
    """A copy of the page cut off mid-write, arriving minutes after the full one, retracts the
    items it lacks: it is said in the log (naming both copies) and both originals stay stored."""
    full = version(1)
    cut = full[: full.rindex(b"\n", 0, len(full) // 2)]  # cut off at a line end, as a writer stops
    settings = settings_of(inst)
    first, second = inst.folder / "qiantang-2023-06-26-p1-a.txt", inst.folder / "qiantang-2023-06-26-p1-b.txt"
    first.write_bytes(full)
    second.write_bytes(cut)
    pipeline.ingest_file(settings, first, NOW1)
    caplog.set_level(logging.WARNING)
    report = pipeline.ingest_file(settings, second, NOW1 + pipeline.dt.timedelta(minutes=3))
    assert any(c.after is None for c in report.changes)
    line = next(r.getMessage() for r in caplog.records if "retracted by a copy" in r.getMessage())
    assert "qiantang-2023-06-26-p1-b.txt: page 1" in line and "qiantang-2023-06-26-p1-a.txt" in line
    assert "received 3 min earlier" in line and "the start of that copy" in line
    with Store.open(inst.store) as store:
        kept = {bytes(data) for _, data in store.originals()}
    assert {full, cut} <= kept


# ------------------------------------------------------------------------------------ item 3


def headless_page() -> bytes:
    """The sample page without its masthead: the date and page come from the file name."""
    text = SAMPLE.read_text(encoding="utf-8")
    return text[text.index("区委常委会会议传达") :].encode("utf-8")


def test_the_same_bytes_under_a_corrected_name_are_a_correction(tmp_path: Path) -> None:
    """The page went out named for the wrong day; the same bytes resent under the right name are
    applied (before the fix: skipped as a duplicate, and the daemon deleted the resend), and the
    wrongly dated page is withdrawn. A reparse keeps it that way."""
    inst = Instance(tmp_path / "inst")
    settings = settings_of(inst)
    wrong, right = tmp_path / "qiantang-2023-06-25-p1.txt", tmp_path / "qiantang-2023-06-26-p1.txt"
    wrong.write_bytes(headless_page())
    right.write_bytes(headless_page())
    pipeline.ingest_file(settings, wrong, NOW0)
    assert (inst.output / "articles" / "2023" / "06" / "25").is_dir()

    report = pipeline.ingest_file(settings, right, NOW1)
    assert not report.duplicate
    assert (inst.output / "articles" / "2023" / "06" / "26").is_dir()
    assert not (inst.output / "articles" / "2023" / "06" / "25").exists()
    with Store.open(inst.store) as store:
        dates = {e.issue_date.isoformat() for e in store.all_entries()}
    assert dates == {"2023-06-26"}

    pipeline.regenerate(settings, NOW1, reparse=True)
    with Store.open(inst.store) as store:
        assert {e.issue_date.isoformat() for e in store.all_entries()} == {"2023-06-26"}
    again = tmp_path / "copy of qiantang-2023-06-26-p1.txt"  # another name, the same contribution
    again.write_bytes(headless_page())
    assert pipeline.ingest_file(settings, again, NOW1).duplicate


# ------------------------------------------------------------------------------------ item 7


def test_a_long_file_name_goes_to_failed_shortened_and_the_scan_goes_on(inst: Instance) -> None:
    """A name of ~250 bytes cannot take `.error.txt` (ENAMETOOLONG): before, the error escaped and
    every scan stopped before the next file. Now it is set aside under a shortened name, its note
    gives the full name, and the page after it is ingested in the same scan."""
    long_garbage = "页" * 77 + "-2023-06-26-p1.txt"  # 249 bytes
    long_other = "x" * 240 + ".docx"
    assert len(long_garbage.encode()) > 240 and len(long_other) > 240
    renamed_in(inst.inbox, long_garbage, b"\x00\x01 not a page at all")
    renamed_in(inst.inbox, long_other, b"a word file")
    page = renamed_in(
        inst.inbox,
        "qiantang-2023-06-27-p1.txt",
        version(3).replace("2023年6月26".encode(), "2023年6月27".encode()),
    )
    os.utime(page, ns=(2 * 10**12, 2 * 10**12))  # after the long ones
    daemon = Daemon(settings_of(inst), clock=ticking())
    daemon.tick()
    assert (inst.output / "articles" / "2023" / "06" / "27").is_dir()
    failed = inst.inbox / "failed"
    notes = sorted(failed.glob("*.error.txt"))
    assert len(notes) == 2
    texts = "".join(n.read_text(encoding="utf-8") for n in notes)
    assert long_garbage in texts and long_other in texts and "set aside as" in texts
    kept = {p.read_bytes() for p in failed.iterdir() if not p.name.endswith(".error.txt")}
    assert kept == {b"\x00\x01 not a page at all", b"a word file"}
    assert all(len(os.fsencode(p.name)) <= 255 for p in failed.iterdir())
    assert not list(inst.inbox.glob("*.txt")) and not list((inst.inbox / ".processing").iterdir())
