"""Page PDFs through the pipeline: ingest stores the photos with their items and publishes them
under images/; regenerate (also --reparse, from the stored PDF) writes them again; the daemon
takes a PDF from its inbox and serves it with its photo, and sets a bad PDF aside in failed/."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from feedsvc import pipeline
from feedsvc.config import Settings, load_settings
from feedsvc.store import Store
from tests.e2e_helpers import drop, free_port, wait_for, write_config
from tests.pdf_helpers import article_page

SAMPLE_PDF = Path(__file__).parent / "data" / "pages" / "qiantang-2023-06-26-p1.pdf"
PHOTO = "images/2023/06/26/p1-1.jpg"
NOW = dt.datetime.fromisoformat("2023-06-26T10:00:00+08:00")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(write_config(tmp_path, port=free_port()), cwd=tmp_path)


def _entries_with_photo(settings: Settings) -> list[str]:
    with Store.open(settings.paths.store) as store:
        return sorted(
            e.title for e in store.issue_entries(NOW.date()) if any(i.path == PHOTO for i in e.images)
        )


def test_ingest_publishes_the_photo_and_regenerate_writes_it_again(
    settings: Settings, tmp_path: Path
) -> None:
    submission = tmp_path / SAMPLE_PDF.name
    shutil.copy(SAMPLE_PDF, submission)
    report = pipeline.ingest_file(settings, submission, NOW)
    assert report.items == 6 and PHOTO in report.written
    photo = settings.paths.output / PHOTO
    data = photo.read_bytes()
    assert data.startswith(b"\xff\xd8\xff")
    assert _entries_with_photo(settings) == ["打造具有钱塘特色基层治理品牌", "钱塘绿岛即将开放"]
    assert not list(photo.parent.glob(".*"))  # no temporary file left beside it

    photo.unlink()
    again = pipeline.regenerate(settings, NOW, reparse=True)  # the stored original is the PDF
    assert PHOTO in again.written and photo.read_bytes() == data
    assert again.changes == ()  # the same parse: ids, entries and images kept
    assert _entries_with_photo(settings) == ["打造具有钱塘特色基层治理品牌", "钱塘绿岛即将开放"]

    with Store.open(settings.paths.store) as store:
        assert dict(store.image_files()) == {PHOTO: data}


def test_a_text_page_after_its_pdf_drops_the_photo_from_the_entries(
    settings: Settings, tmp_path: Path
) -> None:
    """The same page sent again as text is a correction: its items no longer carry the photo."""
    pdf = tmp_path / SAMPLE_PDF.name
    shutil.copy(SAMPLE_PDF, pdf)
    pipeline.ingest_file(settings, pdf, NOW)
    text = tmp_path / "qiantang-2023-06-26-p1.txt"
    shutil.copy(SAMPLE_PDF.with_suffix(".txt"), text)
    report = pipeline.ingest_file(settings, text, NOW + dt.timedelta(hours=1))
    assert {c.after.title for c in report.changes if c.after is not None} >= {"钱塘绿岛即将开放"}
    assert _entries_with_photo(settings) == []


@pytest.mark.e2e
def test_the_daemon_serves_a_dropped_pdf_with_its_photo_and_sets_a_bad_one_aside(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import httpx

    port = free_port()
    config = write_config(tmp_path, port=port)
    log = (tmp_path / "daemon.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "feedsvc.cli", "--config", str(config), "run", "--serve"],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "FEEDSVC_NOW": NOW.isoformat()},
    )
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5)
    try:

        def served(path: str) -> bool:
            assert proc.poll() is None, (tmp_path / "daemon.log").read_text()
            try:
                return http.get(path).status_code == 200
            except httpx.TransportError:
                return False

        wait_for("the server", lambda: served("/") or True)
        inbox = tmp_path / "inbox"
        drop(inbox, SAMPLE_PDF.name, SAMPLE_PDF.read_bytes())
        wait_for("the photo", lambda: served("/" + PHOTO))
        assert http.get("/" + PHOTO).content == (tmp_path / "feeds" / PHOTO).read_bytes()
        titles = [item["title"] for item in json.loads(http.get("/feed.json").content)["items"]]
        assert "钱塘绿岛即将开放" in titles

        drop(inbox, "locked-2023-06-27-p1.pdf", article_page().pdf(encrypt="secret"))
        note = inbox / "failed" / "locked-2023-06-27-p1.pdf.error.txt"
        wait_for("the encrypted PDF in failed/", note.exists)
        assert "encrypted" in note.read_text(encoding="utf-8")
        assert (inbox / "failed" / "locked-2023-06-27-p1.pdf").read_bytes().startswith(b"%PDF")
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        http.close()
        log.close()
