"""The output manifest: a publish that only adds files appends their lines; a line cut short by a
crash is not read, and the list is then written again whole."""

from __future__ import annotations

from pathlib import Path

from feedsvc import manifest


def _text(folder: Path) -> str:
    return (folder / manifest.NAME).read_text(encoding="utf-8")


def test_new_files_are_appended_and_read_back(tmp_path: Path) -> None:
    first = manifest.add(tmp_path, manifest.Manifest(), "s1", ["b.html", "a.html"])
    assert _text(tmp_path) == "feedsvc output manifest 1\nstore s1\na.html\nb.html\n"
    before = _text(tmp_path)
    again = manifest.read(tmp_path)
    assert again == first
    assert again is not None
    manifest.add(tmp_path, again, "s1", ["a.html", "c/d.html", "b.html"])
    text = _text(tmp_path)
    assert text == before + "c/d.html\n"  # the old list left as it was, one line added
    assert manifest.read(tmp_path) == manifest.Manifest("s1", {"a.html", "b.html", "c/d.html"})


def test_another_store_or_a_cut_line_writes_the_list_again(tmp_path: Path) -> None:
    manifest.add(tmp_path, manifest.Manifest(), "s1", ["a.html"])
    with open(tmp_path / manifest.NAME, "a", encoding="utf-8") as f:
        f.write("articles/2023/06/2")  # an append cut short
    cut = manifest.read(tmp_path)
    assert cut is not None and cut.files == {"a.html"}
    manifest.add(tmp_path, cut, "s1", ["b.html"])
    assert _text(tmp_path) == "feedsvc output manifest 1\nstore s1\na.html\nb.html\n"
    listed = manifest.read(tmp_path)
    assert listed is not None
    manifest.add(tmp_path, listed, "s2", [])  # a new store: the list is written for it
    assert _text(tmp_path) == "feedsvc output manifest 1\nstore s2\na.html\nb.html\n"
