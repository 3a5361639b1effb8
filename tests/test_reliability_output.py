"""Issue 9, items 4 and 5: the output folder is feedsvc's alone, and is never published over from
a store that is not the one it shows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from feedsvc import manifest, pipeline
from feedsvc.config import load_settings
from feedsvc.errors import ConfigError, StoreError
from feedsvc.store import DB_NAME
from tests.e2e_helpers import SAMPLE
from tests.fault_helpers import T0, T1, Instance

NOW0 = pipeline.dt.datetime.fromisoformat(T0)
NOW1 = pipeline.dt.datetime.fromisoformat(T1)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    base = Instance(tmp_path_factory.mktemp("output") / "base")
    pipeline.ingest_file(load_settings(base.config, cwd=base.folder), SAMPLE, NOW0)
    return base


@pytest.fixture
def inst(published: Instance, tmp_path: Path) -> Instance:
    return published.copy(tmp_path / "instance")


def articles(inst: Instance) -> list[str]:
    return sorted(p.relative_to(inst.output).as_posix() for p in (inst.output / "articles").rglob("*.html"))


# ------------------------------------------------------------------------------------ item 4


def test_an_empty_output_path_is_refused(inst: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    """`FEEDSVC_PATHS__OUTPUT=` used to mean the working folder (and regenerate deleted its files)."""
    monkeypatch.setenv("FEEDSVC_PATHS__OUTPUT", "")
    with pytest.raises(ConfigError, match=r"paths.output: .*an empty path"):
        load_settings(inst.config, cwd=inst.folder)
    result = inst.cli("regenerate")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("feedsvc: FEEDSVC_PATHS__OUTPUT: paths.output: ")


@pytest.mark.parametrize(
    ("output", "why"),
    [
        ("inbox", "the same folder as paths.inbox"),
        (".", "contains paths.inbox"),
        ("var/feeds", "is inside paths.store"),
        ("inbox/feeds", "is inside paths.inbox"),
    ],
)
def test_an_output_folder_overlapping_the_inbox_or_the_store_is_refused(
    inst: Instance, monkeypatch: pytest.MonkeyPatch, output: str, why: str
) -> None:
    monkeypatch.setenv("FEEDSVC_PATHS__OUTPUT", output)
    with pytest.raises(ConfigError, match=why):
        load_settings(inst.config, cwd=inst.folder)


def test_regenerate_deletes_only_files_feedsvc_wrote(inst: Instance) -> None:
    """Files someone else put into the output folder stay; obsolete outputs feedsvc wrote go."""
    settings = load_settings(inst.config, cwd=inst.folder)
    theirs = {
        "notes.html": b"<p>mine</p>",
        "data.json": b"{}",
        "sections/extra.atom": b"<feed/>",
        "articles/2023/06/26/p9-99.html": b"<p>kept by hand</p>",
    }
    for rel, data in theirs.items():
        (inst.output / rel).parent.mkdir(parents=True, exist_ok=True)
        (inst.output / rel).write_bytes(data)
    ours = inst.output / "articles" / "2023" / "06" / "26" / "p1-01.html"
    listed = manifest.read(inst.output)
    assert listed is not None and "articles/2023/06/26/p1-01.html" in listed.files

    # a correction retracting every item but one makes feedsvc's own pages obsolete
    text = SAMPLE.read_text(encoding="utf-8")
    short = text[: text.index("会议强调")]
    path = inst.folder / "qiantang-2023-06-26-p1.txt"
    path.write_text(short, encoding="utf-8")
    pipeline.ingest_file(settings, path, NOW1)
    report = pipeline.regenerate(settings, NOW1)
    for rel, data in theirs.items():
        assert (inst.output / rel).read_bytes() == data, rel
    assert not set(report.removed) & set(theirs)
    assert ours.exists()  # the item kept
    after = manifest.read(inst.output)
    assert after is not None and not set(theirs) & after.files


# ------------------------------------------------------------------------------------ item 5


@pytest.mark.parametrize("damage", ["deleted", "truncated", "unmounted"])
def test_a_missing_store_is_not_silently_made_anew(inst: Instance, damage: str) -> None:
    """Before: the next ingest made an empty store and regenerate deleted every older article."""
    settings = load_settings(inst.config, cwd=inst.folder)
    before = articles(inst)
    assert before
    db = inst.store / DB_NAME
    if damage == "deleted":
        for extra in inst.store.glob(DB_NAME + "*"):
            extra.unlink()
    elif damage == "truncated":
        for extra in inst.store.glob(DB_NAME + "-*"):
            extra.unlink()
        db.write_bytes(b"")
    else:
        shutil.rmtree(inst.store)
    other = inst.folder / "qiantang-2023-06-27-p1.txt"
    other.write_text(
        SAMPLE.read_text(encoding="utf-8").replace("2023年6月26", "2023年6月27"), encoding="utf-8"
    )
    with pytest.raises(StoreError, match=r"missing or empty.*published from store"):
        pipeline.ingest_file(settings, other, NOW1)
    with pytest.raises(StoreError, match="missing or empty"):
        pipeline.regenerate(settings, NOW1)
    assert articles(inst) == before
    assert not db.exists() or db.stat().st_size == 0

    result = inst.cli("regenerate")
    assert result.returncode == 2 and "--new-store" in result.stderr and "Traceback" not in result.stderr
    result = inst.cli("run")  # the daemon refuses to start
    assert result.returncode == 2 and "--new-store" in result.stderr

    result = inst.cli("ingest", "--new-store", str(other))
    assert result.returncode == 0, result.stderr
    result = inst.cli("regenerate")  # the output folder shows the new store now
    assert result.returncode == 0, result.stderr
    assert all("/06/26/" not in rel for rel in articles(inst))  # the operator said so
    assert any("/06/27/" in rel for rel in articles(inst))


def test_another_store_is_refused(inst: Instance, tmp_path: Path) -> None:
    elsewhere = Instance(tmp_path / "elsewhere")
    pipeline.ingest_file(load_settings(elsewhere.config, cwd=elsewhere.folder), SAMPLE, NOW0)
    shutil.rmtree(inst.store)
    shutil.copytree(elsewhere.store, inst.store)
    with pytest.raises(StoreError, match="is not the one the output folder"):
        pipeline.regenerate(load_settings(inst.config, cwd=inst.folder), NOW1)
    pipeline.regenerate(load_settings(inst.config, cwd=inst.folder), NOW1, new_store=True)
    pipeline.regenerate(load_settings(inst.config, cwd=inst.folder), NOW1)  # it shows this store now
