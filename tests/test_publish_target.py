"""`publish._target`: a relative POSIX path below the output folder, or `PublishError`; the slash
checks give the answer splitting the path into parts gave, for any path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsvc.errors import PublishError
from feedsvc.publish import _target, write


def _by_parts(folder: Path, rel: str) -> str | None:
    """The rule as it was written before: None where the path is refused."""
    if (
        not rel
        or "\\" in rel
        or "\0" in rel
        or rel.startswith("/")
        or any(part in ("", ".", "..") for part in rel.split("/"))
    ):
        return None
    return os.path.join(folder, rel)


def _answer(folder: Path, rel: str) -> str | None:
    try:
        return _target(folder, rel)
    except PublishError:
        return None


PARTS = st.sampled_from(["", ".", "..", "...", "a", ".a", "a.", "x.html", "..b", "\\", "\0", " "])
PATHS = st.lists(PARTS, max_size=5).map("/".join) | st.text(alphabet="/.a\\\0", max_size=10)


@given(PATHS)
def test_target_refuses_what_the_parts_rule_refuses(rel: str) -> None:
    for folder in (Path("/srv/feeds"), Path("feeds"), Path("/")):
        assert _answer(folder, rel) == _by_parts(folder, rel), (folder, rel)


@pytest.mark.parametrize("rel", ["", "/a.html", "a/", "a//b", "./a", "a/../b", "a/..", "..", "a\\b", "a\0"])
def test_write_refuses_a_path_outside_or_odd(tmp_path: Path, rel: str) -> None:
    with pytest.raises(PublishError, match="not a relative path"):
        write(tmp_path, [(rel, b"x")])
    assert not any(tmp_path.iterdir())


def test_write_puts_files_below_the_folder(tmp_path: Path) -> None:
    assert write(tmp_path, [("a/b.html", b"1"), ("c.atom", b"2"), ("..d/.e", b"3")]) == [
        "a/b.html",
        "c.atom",
        "..d/.e",
    ]
    assert (tmp_path / "a" / "b.html").read_bytes() == b"1" and (tmp_path / "..d" / ".e").read_bytes() == b"3"


def test_a_cold_build_does_not_walk_the_folder_a_warm_one_finds_strays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into an empty folder every file at the end is the build's own: nothing to walk or delete.
    Into a folder with files, one the build does not produce is obsolete (and walking finds it)."""
    from feedsvc import publish
    from feedsvc.render import builder
    from tests.render_helpers import FakeSource, fixture_entries, settings

    conf = settings(tmp_path)
    walked: list[Path] = []
    real = builder.stale_files

    def counted(folder: Path, keep: set[str]) -> list[str]:
        walked.append(folder)
        return real(folder, keep)

    monkeypatch.setattr("feedsvc.publish.stale_files", counted)
    cold = publish.build_all(FakeSource(fixture_entries()), conf)
    written = write(conf.paths.output, cold)
    assert written and cold.obsolete == [] and walked == []
    (conf.paths.output / "stray.atom").write_bytes(b"old")
    warm = publish.build_all(FakeSource(fixture_entries()), conf)
    write(conf.paths.output, warm)
    assert warm.obsolete == ["stray.atom"] and walked == [conf.paths.output]


def test_the_walk_lists_a_crashed_runs_temporary_files_not_this_processs(tmp_path: Path) -> None:
    """The walk for stale files runs while the writer may still rename the build's last files: its
    own temporary files (named with this process's id) are not stale; another process's are."""
    from feedsvc.render.builder import TEMP_SUFFIX, stale_files

    ours = f".1.atom.{os.getpid()}-0a1b2c3d-7{TEMP_SUFFIX}"
    crashed = f".1.atom.{os.getpid() + 1}-0a1b2c3d-7{TEMP_SUFFIX}"
    for name in (ours, crashed, "1.atom"):
        (tmp_path / name).write_text("x")
    assert stale_files(tmp_path, {"1.atom"}) == [crashed]
