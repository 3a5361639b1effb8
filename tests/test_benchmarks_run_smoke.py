"""Smoke tests of benchmarks/run.py and benchmarks/latency.py at a tiny size: they run to the end
and print their rows. Nothing here is timed; the figures are not checked against the goals."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, timeout: float) -> str:
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_run_prints_the_table_at_a_tiny_size(tmp_path: Path) -> None:
    out = _run(
        "benchmarks/run.py", "--days", "3", "--skip-latency", "--skip-peer", "--parse-seconds", "0.2", "--parse-pages", "8",
        "--cold-runs", "2", "--out", str(tmp_path), timeout=120,
    )  # fmt: skip
    for row in (
        "| measure | result | goal |",
        "| parse, the sample page (one core) |",
        "| parse, 8 synthetic pages (one core) |",
        "| archive of 3 days | 3 issues 2014-01-01 … 2014-01-03, 12 pages,",
        "| regenerate 3 days, cold: empty output folder |",
        "| regenerate 3 days, warm: nothing changed |",
        "| output of 3 days |",
        "| ingest a 4-page issue, empty store |",
        "| ingest a 4-page issue, store of 3 days |",
        "| ingest, archive / empty |",
    ):
        assert row in out, f"{row!r} missing from:\n{out}"
    assert "0 files written" in out.split("warm: nothing changed", 1)[1].splitlines()[0]
    assert re.search(
        r"cold: empty output folder \| [\d.]+ / [\d.]+ / [\d.]+ s \(min / median / max of 2\)", out
    )
    assert not (tmp_path / "work").exists()  # the working copies are removed
    assert (tmp_path / ".deleted-at").is_file()
    again = _run(
        "benchmarks/run.py", "--days", "3", "--skip-latency", "--skip-peer", "--skip-parse", "--cold-runs", "1",
        "--keep", "--out", str(tmp_path), timeout=120,
    )  # fmt: skip
    assert re.search(r"a previous run deleted its copy \d+ s before this one", again)
    assert "(min / median / max" not in again
    assert (tmp_path / "work" / "archive-1").is_dir()  # kept
    _run(
        "benchmarks/run.py",
        "--days",
        "3",
        "--skip-latency",
        "--skip-peer",
        "--skip-parse",
        "--out",
        str(tmp_path),
        timeout=120,
    )
    assert not any(
        p.name.startswith("work") for p in tmp_path.iterdir()
    )  # the kept copy set aside, then deleted
    assert any(p.name.startswith("store-seed1-") for p in tmp_path.iterdir())  # the store is cached


def test_peer_builds_the_same_archive_with_pelican(tmp_path: Path) -> None:
    """Pelican (installed once into benchmarks/out/pelican-venv) and feedsvc on 2 days."""
    out = _run("benchmarks/peer.py", "--days", "2", "--runs", "1", "--out", str(tmp_path), timeout=600)
    assert "feedsvc and Pelican on 2 days of synthetic issues" in out
    line = out.splitlines()[-1]
    assert line.startswith("cold: feedsvc ") and "; warm: feedsvc " in line, out
    assert re.search(r"\(medians of 1; \d+ entries, 4 sections, \d+ contributors\)$", line), line
    assert not (tmp_path / "peer").exists()  # the working copies are removed


@pytest.mark.e2e
def test_latency_runs_the_daemon_for_two_drops() -> None:
    out = _run("benchmarks/latency.py", "--drops", "2", "--spacing", "0.2", "--idle", "1", timeout=90)
    assert "drop-to-served latency: 2 drops, p50 " in out
    assert "idle daemon CPU: " in out
    assert "daemon: first answer " in out


def test_ingest_benchmark_runs_against_another_tree_at_a_tiny_size(tmp_path: Path) -> None:
    """benchmarks/ingest.py: a base regenerated once per version, ingests into copies of it and
    into empty stores, both versions (here this tree twice), wall and CPU figures, splice counts."""
    out = _run(
        "benchmarks/ingest.py", "--days", "3", "--runs", "2", "--against", str(ROOT), "--out", str(tmp_path),
        timeout=300,
    )  # fmt: skip
    for name in ("this", "against"):
        for what in ("wall", "CPU "):
            assert re.search(
                rf"^{name} +{what} archive min/median/max [\d,]+ / [\d,]+ / [\d,]+ ms; empty", out, re.M
            ), out
    assert "spliced" in out  # the feed documents of the archive's ingests: how they were made
    bases = tmp_path / "ingest"
    assert {p.name for p in next(bases.iterdir()).iterdir()} >= {"base-this", "base-against", "issues"}
    assert not any(p.name == "work" for p in next(bases.iterdir()).iterdir())  # the working copy is removed


def test_file_creation_writes_a_folder_again_fresh_and_after_deleting(tmp_path: Path) -> None:
    source = tmp_path / "source"
    for n in range(20):
        (source / f"d{n % 3}").mkdir(parents=True, exist_ok=True)
        (source / f"d{n % 3}" / f"f{n}.html").write_bytes(b"x" * n)
    scratch = tmp_path / "scratch"
    out = _run(
        "benchmarks/file_creation.py", str(source), "--runs", "2", "--settle", "0", "--scratch", str(scratch),
        timeout=60,
    )  # fmt: skip
    assert out.startswith(f"20 files, 0 MB from {source}")
    assert re.search(r"^run 2 +after deleting: +[\d.]+ s wall", out, re.M), out
    assert re.search(r"^ +fresh: wall min/median/max [\d.]+ / [\d.]+ / [\d.]+ s$", out, re.M), out
    assert not scratch.exists()
    assert len(list(source.rglob("*.html"))) == 20  # the source is only read
