"""Golden files: every tests/data/pages/NAME.txt parses to NAME.expected.json.

Regenerate after an intended change with `UPDATE_GOLDEN=1 pytest tests/test_parse_golden.py` and
review the diff. The sample front page is also checked against the reference parse that came with
it (NAME.reference.json), field by field, the way ../shared/tools/compare-parse scores it.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

import pytest

from feedsvc import preview
from feedsvc.parse import parse_bytes
from tests.parse_helpers import HINTS

PAGES = Path(__file__).parent / "data" / "pages"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("page", sorted(PAGES.glob("*.txt")), ids=lambda p: p.stem)
def test_page_parses_as_recorded(page: Path) -> None:
    actual = preview.as_json(parse_bytes(page.read_bytes(), source=page.name, hints=HINTS)) + "\n"
    golden = page.with_suffix(".expected.json")
    if UPDATE:
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run with UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_text(encoding="utf-8")


def _norm(text: str | None) -> str | None:
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).translate(str.maketrans("“”‘’", "\"\"''"))
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("reference", sorted(PAGES.glob("*.reference.json")), ids=lambda p: p.stem)
def test_page_matches_reference_parse(reference: Path) -> None:
    expected = json.loads(reference.read_text(encoding="utf-8"))
    page = reference.with_name(reference.name.replace(".reference.json", ".txt"))
    issue = parse_bytes(page.read_bytes(), source=page.name, hints=HINTS)
    assert issue.date is not None and issue.date.isoformat() == expected["date"]
    assert issue.issue_number == expected["issue_number"]
    assert issue.page_count == expected["page_count"]
    assert [p.number for p in issue.pages] == [p["number"] for p in expected["pages"]]
    got = [item for p in issue.pages for item in p.items]
    want = [item for p in expected["pages"] for item in p["items"]]
    assert len(got) == len(want)
    for mine, theirs in zip(got, want, strict=True):
        assert mine.kind == theirs["kind"]
        for field in ("kicker", "headline", "subtitle"):
            assert _norm(getattr(mine, field)) == _norm(theirs[field]), field
        assert {(c.role, c.name) for c in mine.contributors} == {
            (c["role"], c["name"]) for c in theirs["contributors"]
        }
        assert _norm(mine.text) == _norm(theirs["text"])
