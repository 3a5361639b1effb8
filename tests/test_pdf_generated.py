"""Generated page PDFs (tests/pdfpages) parse back to their truth.

- The generator is deterministic and its truths are recorded: tests/data/pdfpages/NAME.truth.json
  (and the parse the PDF front end gives, NAME.expected.json). After an intended change,
  `UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_pdf_generated.py` rewrites both; review the diff.
- Every generated page parses to its truth with a score of at least 0.97 (tests/scoring.py, the
  metric of ../shared/tools/compare-parse), and the mean over a set of seeds is at least 0.97.
- Photos: each photo item, and each article a photo sits inside, carries the photo (its box).
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from feedsvc import preview
from feedsvc.models import Issue
from feedsvc.parse import ParseHints
from tests.pdfpages import LAYOUTS, GeneratedPage, generate, generate_issue
from tests.scoring import items_of, pair, score

GOLDEN = Path(__file__).parent / "data" / "pdfpages"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
GOAL = 0.97
# A few pages of each layout, recorded with their truth and the parse the front end gives.
GOLDEN_PAGES = [(layout, seed) for layout in LAYOUTS for seed in (101,)] + [("front", 7), ("photos", 12)]
MEAN_SEEDS = range(1000, 1015)


def parse_page(page: GeneratedPage) -> Issue:
    """The page's PDF through the PDF front end, as `feedsvc parse` runs it for this paper."""
    from feedsvc.parse.pdf import parse_pdf  # the front end (branch `pdf`)

    hints = ParseHints(publication=page.paper, name_en=page.name_en)
    return parse_pdf(page.pdf, source=f"generated-{page.layout}-{page.seed}.pdf", hints=hints).issue


def parsed_json(issue: Issue) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(preview.as_json(issue))
    return parsed


def _record(path: Path, text: str) -> str:
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1 and review it"
    return path.read_text(encoding="utf-8")


# -- the generator itself -------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_generator_is_deterministic_and_its_truth_is_well_formed(layout: str) -> None:
    page = generate(5, layout)
    again = generate(5, layout)
    assert page.pdf == again.pdf and page.truth == again.truth
    assert page.pdf.startswith(b"%PDF-") and b"/Encrypt" not in page.pdf
    assert page.pdf != generate(6, layout).pdf
    items = [item for p in page.truth["pages"] for item in p["items"]]
    assert len(items) >= 3
    for item in items:
        assert item["text"].strip(), item
        assert item["kind"] in ("article", "photo")
        if item["kind"] == "photo":
            assert len(item["images"]) == 1 and {c["credit"] for c in item["contributors"]} <= {
                "摄",
                "摄影报道",
            }
        for person in item["contributors"]:
            assert person["name"] and not person["name"].startswith(("记者", "通讯员"))


@pytest.mark.parametrize(
    ("layout", "seed"), GOLDEN_PAGES, ids=[f"{layout}-{seed}" for layout, seed in GOLDEN_PAGES]
)
def test_generated_truth_as_recorded(layout: str, seed: int) -> None:
    page = generate(seed, layout)
    actual = json.dumps(page.truth, ensure_ascii=False, indent=1) + "\n"
    assert actual == _record(GOLDEN / f"{layout}-{seed}.truth.json", actual)


# -- the PDF front end on generated pages -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "seed"), GOLDEN_PAGES, ids=[f"{layout}-{seed}" for layout, seed in GOLDEN_PAGES]
)
def test_generated_page_parses_as_recorded(layout: str, seed: int) -> None:
    page = generate(seed, layout)
    parsed = parsed_json(parse_page(page))
    actual = json.dumps(parsed, ensure_ascii=False, indent=1) + "\n"
    recorded = _record(GOLDEN / f"{layout}-{seed}.expected.json", actual)
    result = score(page.truth, parsed)
    assert result.score >= GOAL, f"{layout} seed {seed}: {result.summary()}\n" + "\n".join(result.problems)
    assert actual == recorded


# No shrinking: a smaller seed is not a simpler page, and each example lays out and parses a page.
@settings(derandomize=True, max_examples=6, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(seed=st.integers(min_value=0, max_value=10**6), layout=st.sampled_from(LAYOUTS))
def test_any_generated_page_parses_back_to_its_truth(seed: int, layout: str) -> None:
    page = generate(seed, layout)
    result = score(page.truth, parsed_json(parse_page(page)))
    assert result.score >= GOAL, f"{layout} seed {seed}: {result.summary()}\n" + "\n".join(result.problems)


def test_mean_score_over_seeds_reaches_the_goal() -> None:
    scores = {}
    for seed in MEAN_SEEDS:
        page = generate(seed)
        scores[f"{page.layout}-{seed}"] = score(page.truth, parsed_json(parse_page(page))).score
    mean = statistics.fmean(scores.values())
    assert mean >= GOAL, f"mean {mean:.3f} over {len(scores)} pages: {scores}"


def test_an_issue_of_several_pages_parses_back_to_its_truth() -> None:
    issue = generate_issue(4, pages=3)
    truth = json.dumps(issue.truth, ensure_ascii=False, indent=1) + "\n"
    assert truth == _record(GOLDEN / "issue-4.truth.json", truth)
    parsed = parsed_json(parse_page(issue))
    assert [p["number"] for p in parsed["pages"]] == [1, 2, 3]
    result = score(issue.truth, parsed)
    assert result.score >= GOAL, f"issue seed 4: {result.summary()}\n" + "\n".join(result.problems)


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_photos_are_carried_by_their_items(seed: int) -> None:
    """A photo item carries its photo, and an article a photo sits inside carries it too, at the
    place it is printed (boxes within 2 pt)."""
    page = generate(seed, "photos")
    issue = parse_page(page)
    parsed = parsed_json(issue)
    truth_items = [i for p in page.truth["pages"] for i in p["items"]]
    parsed_items = [i for p in parsed["pages"] for i in p["items"]]
    pairs = pair(items_of(page.truth), items_of(parsed))
    assert any(item["images"] for item in truth_items)
    for k, item in enumerate(truth_items):
        if not item["images"]:
            continue
        assert k in pairs, f"item with a photo not found: {item['headline'] or item['text'][:20]}"
        got = parsed_items[pairs[k][0]]["images"]
        assert len(got) == len(item["images"]), (item["headline"] or item["text"][:20], got)
        for want, have in zip(item["images"], got, strict=True):
            assert all(abs(a - b) <= 2.0 for a, b in zip(want["bbox"], have["bbox"], strict=True)), (
                want,
                have,
            )
            assert have["path"].startswith(f"images/{page.truth['date'].replace('-', '/')}/p")
