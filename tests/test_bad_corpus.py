"""The hostile-submission corpus (tests/data/bad/): complete, reproducible, and what the parser makes of it.

For every file EXPECTED.toml says whether it must be rejected or accepted and by which layer. Here:
the listing matches the files, make_bad.py rebuilds the committed bytes, and decode + parse (with
the file-name hints the pipeline uses) either raise ParseError with a fitting reason (rejected at the
parse layer) or return an Issue with items, the expected text and nothing a feed cannot carry
(accepted), and never raise anything else, quickly. The daemon's own tests push the same files
through an inbox.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BAD = Path(__file__).resolve().parent / "data" / "bad"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads((BAD / "EXPECTED.toml").read_text(encoding="utf-8"))[
    "files"
]
PUBLICATION = "钱塘新区报"
NAME_EN = "QIANTANG NEW AREA DAILY"
SECTIONS = {1: "要闻", 2: "综合", 3: "民生", 4: "副刊"}
SECONDS_PER_FILE = 5.0  # a regular expression that backtracks for ever fails this
UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
UNSAFE_NAME = re.compile(r"[/\\<>&]|^\.")

# Where the parser falls short of EXPECTED.toml today (reported to its owner); strict=False so a
# fix does not break the build, but the entry should then be removed.
KNOWN_GAPS: dict[str, str] = {}


def _load_make_bad() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_bad", BAD / "make_bad.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_bad", module)
    spec.loader.exec_module(module)
    return module


make_bad = _load_make_bad()


def key(name: str) -> str:
    """EXPECTED.toml's key for a file name: bytes that are not UTF-8 written as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _committed_names() -> list[str]:
    return sorted(p.name for p in BAD.iterdir() if p.name not in make_bad.NOT_CORPUS)


def test_every_committed_file_is_listed_and_every_listing_exists() -> None:
    committed = {key(n) for n in _committed_names()}
    generated = {key(n) for n in make_bad.GENERATED}
    listed_committed = {k for k, v in EXPECTED.items() if not v.get("generated")}
    listed_generated = {k for k, v in EXPECTED.items() if v.get("generated")}
    assert committed == listed_committed
    assert generated == listed_generated
    assert len(committed) + len(generated) >= 30


def test_committed_bytes_are_what_make_bad_builds() -> None:
    assert set(make_bad.COMMITTED) == set(_committed_names())
    for name, build in make_bad.COMMITTED.items():
        assert (BAD / name).read_bytes() == build(), f"{name}: run tests/data/bad/make_bad.py --write"


def test_committed_files_are_small() -> None:
    for name in _committed_names():
        assert (BAD / name).stat().st_size <= 128 * 1024, name


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda k: k.replace("\n", "\\n"))
def test_expected_entries_are_well_formed(name: str) -> None:
    entry = EXPECTED[name]
    assert entry["expect"] in ("reject", "accept", "ignore")
    assert entry["layer"] in ("parse", "inbox", "pipeline")
    if entry["expect"] == "reject":
        re.compile(entry["reason"])
    if entry["expect"] == "accept":
        assert entry["layer"] == "parse"
        assert entry.get("contains") or entry.get("min_items")


@pytest.fixture(scope="module")
def generated_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    inbox = tmp_path_factory.mktemp("bad") / "inbox"
    make_bad.generated(inbox)
    yield inbox


def _cases() -> list[Any]:
    cases = []
    for name in [*_committed_names(), *make_bad.GENERATED]:
        if EXPECTED[key(name)].get("parse") is False:
            continue  # too big to parse in a unit test: the inbox refuses it by size (test_inbox)
        marks = []
        if key(name) in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[key(name)], raises=AssertionError, strict=False))
        cases.append(pytest.param(name, marks=marks, id=key(name).replace("\n", "\\n")))
    return cases


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("name", _cases())
def test_parse_meets_expectation(name: str, generated_dir: Path) -> None:
    import feedsvc.parse as parse_module
    from feedsvc.errors import ParseError
    from feedsvc.models import Issue

    entry = EXPECTED[key(name)]
    path = (generated_dir if entry.get("generated") else BAD) / name
    data = path.read_bytes()
    hints = parse_module.ParseHints(publication=PUBLICATION, name_en=NAME_EN, sections=SECTIONS)
    named = {k: v for k, v in parse_module.from_name(name).items() if v is not None}
    issue: Issue | None = None
    rejected: ParseError | None = None
    started = time.perf_counter()
    try:
        text = parse_module.decode(data, name)
        issue = parse_module.parse(text, source=name, hints=hints.model_copy(update=named))
    except ParseError as error:
        rejected = error
    elapsed = time.perf_counter() - started
    assert elapsed < SECONDS_PER_FILE, f"{elapsed:.1f} s"

    if entry["layer"] != "parse":
        return  # the daemon decides (type, size, link, name, date); parse only must not crash
    if entry["expect"] == "reject":
        assert rejected is not None, f"accepted: {[i.title for i in issue.items][:5] if issue else None}"
        assert re.search(entry["reason"], rejected.reason, re.IGNORECASE), rejected.reason
        assert rejected.source == name
        return
    assert rejected is None, f"rejected: {rejected}"
    assert issue is not None
    assert len(issue.items) >= entry.get("min_items", 1)
    fields = [
        s for item in issue.items for s in (item.kicker, item.headline, item.subtitle, item.title, item.text)
    ]
    published = "".join("".join(s.split()) for s in fields if s)
    for needle in entry.get("contains", []):
        assert "".join(needle.split()) in published, needle
    every = list(_strings(issue.model_dump(mode="python")))
    for value in every:
        assert not UNSAFE_CHARS.search(value), repr(value[:80])
        for forbidden in entry.get("forbid", []):
            assert forbidden not in value, repr(value[:80])
    for item in issue.items:
        for person in item.contributors:
            assert not UNSAFE_NAME.search(person.name) and ".." not in person.name, person.name
