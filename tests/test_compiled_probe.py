"""benchmarks/compiled.py: which modules it hands to mypyc, and what it copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import compiled


def _tree(root: Path, files: list[str]) -> None:
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")


def test_modules_follow_the_groups_and_leave_out_the_listed(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        [
            "feedsvc/__init__.py",
            "feedsvc/parse/__init__.py",
            "feedsvc/parse/blocks.py",
            "feedsvc/parse/submission.py",
            "feedsvc/render/__init__.py",
            "feedsvc/render/codegen.py",
            "feedsvc/render/html.py",
            "feedsvc/records.py",
            "feedsvc/store/base.py",
            "feedsvc/store/writer.py",
            "feedsvc/cli.py",
        ],
    )
    assert compiled.modules(tmp_path, ["parse"]) == ["feedsvc/parse/blocks.py"]
    assert compiled.modules(tmp_path, ["render", "parse"]) == [
        "feedsvc/parse/blocks.py",
        "feedsvc/render/html.py",
    ]
    assert compiled.modules(tmp_path, ["ingest"]) == ["feedsvc/store/writer.py"]


def test_every_left_out_module_exists_in_this_tree() -> None:
    root = Path(compiled.__file__).resolve().parents[1]
    for name in compiled.LEFT_OUT:
        if name != "__init__.py":
            assert (root / name).is_file(), name


def test_copy_leaves_out_compiled_files_and_caches(tmp_path: Path) -> None:
    root, dest = tmp_path / "root", tmp_path / "dest"
    _tree(root, ["feedsvc/a.py", "benchmarks/b.py", "config/c.toml", "pyproject.toml", ".git/HEAD"])
    (root / "feedsvc" / "a.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    for name in ("feedsvc/__pycache__", "benchmarks/out", ".venv/bin", "build", ".mypy_cache"):
        (root / name).mkdir(parents=True)
    compiled.copy_tree(root, dest)
    (dest / "stale").mkdir()
    compiled.copy_tree(root, dest)  # a copy it made: made anew
    found = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*"))
    assert found == [
        compiled.MARK,
        "benchmarks",
        "benchmarks/b.py",
        "config",
        "config/c.toml",
        "feedsvc",
        "feedsvc/a.py",
        "pyproject.toml",
    ]


def test_figure_reads_counts_with_commas() -> None:
    assert compiled.figure(r"Collected : ([\d,]+)", "==1== Collected : 1,330,599,790") == 1330599790.0


@pytest.mark.parametrize("where", ["root", "parent", "inside", "unrelated"])
def test_copy_removes_nothing_it_did_not_make(tmp_path: Path, where: str) -> None:
    """A DEST that is the tree, holds it, lies in it or is someone's folder: refused, untouched."""
    root = tmp_path / "home" / "src" / "tree"
    _tree(root, ["feedsvc/a.py", "docs/d.md", ".git/HEAD"])
    (tmp_path / "home" / "thesis.tex").write_text("years of work\n")
    _tree(tmp_path / "photos", ["img.jpg"])
    dest = {
        "root": root,
        "parent": tmp_path / "home",
        "inside": root / "docs" / "copy",
        "unrelated": tmp_path / "photos",
    }[where]
    before = sorted(p.as_posix() for p in tmp_path.rglob("*"))
    with pytest.raises(SystemExit):
        compiled.copy_tree(root, dest)
    assert sorted(p.as_posix() for p in tmp_path.rglob("*")) == before


def test_missing_ingest_arguments_stop_it_before_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default paths count the ingest: without its base it stops at once, not after a build."""
    dest = tmp_path / "dest"

    def no_build(*_: object) -> float:
        raise AssertionError("built before checking its arguments")

    monkeypatch.setattr(compiled, "build", no_build)
    with pytest.raises(SystemExit):
        compiled.main([str(dest)])
    assert not dest.exists()
