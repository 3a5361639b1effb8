"""How well a parse matches its truth: the metric of ../shared/tools/compare-parse, owned here so
the tests stand without the shared tools.

Both documents have the shape of ../shared/fixtures/*.expected.json: {"date", "issue_number",
"page_count", "pages": [{"number", "items": [{kind, kicker, headline, subtitle, contributors,
text}]}]}; an actual item may give "paragraphs" instead of "text". Text compares after NFKC with
whitespace removed and quotes unified; roles compare without a leading 本报. Items pair one to one
by body similarity (greedy, best first, at least 0.5). The score is the mean of four parts: item
F1; the mean agreement of kind, kicker, headline, subtitle and contributors over paired items;
their mean text similarity; and the issue fields (date, number, page count, page numbers) that
the truth gives.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})
FIELDS = ("kind", "kicker", "headline", "subtitle")


def norm(text: str | None) -> str | None:
    if text is None:
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(_QUOTES))


def role(text: str | None) -> str | None:
    """本报记者 and 记者 are one role (本报 says whose, not what)."""
    text = norm(text)
    return text[2:] if text and text.startswith("本报") and len(text) > 2 else text


@dataclass(frozen=True)
class Scored:
    kind: str | None
    kicker: str | None
    headline: str | None
    subtitle: str | None
    people: frozenset[tuple[str | None, str | None]]
    text: str


def items_of(doc: dict[str, Any]) -> list[Scored]:
    out = []
    for page in doc.get("pages", []):
        for it in page.get("items", page.get("articles", [])):
            text = it.get("text")
            if text is None:
                text = "".join(it.get("paragraphs") or [])
            people = frozenset(
                (role(c.get("role")), norm(c.get("name"))) for c in it.get("contributors") or []
            )
            out.append(
                Scored(
                    it.get("kind"),
                    norm(it.get("kicker")),
                    norm(it.get("headline")),
                    norm(it.get("subtitle")),
                    people,
                    norm(text) or "",
                )
            )
    return out


def similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def pair(expected: list[Scored], actual: list[Scored]) -> dict[int, tuple[int, float]]:
    """Expected index -> (actual index, text similarity); greedy, best pairs first, threshold 0.5."""
    cands = sorted(
        ((similarity(e.text, a.text), i, j) for i, e in enumerate(expected) for j, a in enumerate(actual)),
        reverse=True,
    )
    used_e: set[int] = set()
    used_a: set[int] = set()
    pairs: dict[int, tuple[int, float]] = {}
    for s, i, j in cands:
        if s < 0.5:
            break
        if i not in used_e and j not in used_a:
            used_e.add(i)
            used_a.add(j)
            pairs[i] = (j, s)
    return pairs


@dataclass
class Score:
    score: float
    f1: float
    fields: dict[str, float]
    text: float
    meta: float
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rates = ", ".join(f"{k} {v:.3f}" for k, v in self.fields.items())
        return f"item F1 {self.f1:.3f}; {rates}; text {self.text:.3f}; issue {self.meta:.3f}; score {self.score:.3f}"


def _meta(exp: dict[str, Any], act: dict[str, Any], problems: list[str]) -> float:
    hits = total = 0
    for key in ("date", "issue_number", "page_count"):
        if exp.get(key) is not None:
            total += 1
            if exp[key] == act.get(key):
                hits += 1
            else:
                problems.append(f"issue {key}: expected {exp[key]!r}, got {act.get(key)!r}")
    got = [p.get("number") for p in act.get("pages", [])]
    for page in exp.get("pages", []):
        if page.get("number") is not None:
            total += 1
            if page["number"] in got:
                hits += 1
            else:
                problems.append(f"page {page['number']}: not found (parsed pages: {got})")
    return hits / total if total else 1.0


def score(expected_doc: dict[str, Any], actual_doc: dict[str, Any]) -> Score:
    """Score `actual_doc` (a parse as `feedsvc parse --format json` prints it) against the truth."""
    problems: list[str] = []
    meta = _meta(expected_doc, actual_doc, problems)
    expected, actual = items_of(expected_doc), items_of(actual_doc)
    pairs = pair(expected, actual)
    hits = dict.fromkeys((*FIELDS, "contributors"), 0)
    sims = []
    for i, e in enumerate(expected):
        label = f"item {i + 1} ({(e.headline or e.text)[:16]})"
        if i not in pairs:
            problems.append(f"{label}: MISSING (no parsed item shares its body)")
            continue
        j, s = pairs[i]
        a = actual[j]
        sims.append(s)
        wrong = []
        for f in FIELDS:
            if getattr(e, f) == getattr(a, f):
                hits[f] += 1
            else:
                wrong.append(f"{f}: expected {getattr(e, f)!r}, got {getattr(a, f)!r}")
        if e.people == a.people:
            hits["contributors"] += 1
        else:
            wrong.append(
                f"contributors: expected {sorted(e.people, key=str)}, got {sorted(a.people, key=str)}"
            )
        if s < 0.999:
            wrong.append(f"text similarity {s:.3f}")
        if wrong:
            problems.append(f"{label} ~ parsed item {j + 1}: " + "; ".join(wrong))
    paired = {j for j, _ in pairs.values()}
    for j, a in enumerate(actual):
        if j not in paired:
            problems.append(
                f"parsed item {j + 1} ({(a.headline or a.text)[:16]}): EXTRA (matches no expected item)"
            )
    n, m, k = len(expected), len(actual), len(pairs)
    f1 = 2 * k / (n + m) if n + m else 1.0
    rates = {f: hits[f] / k if k else 0.0 for f in hits}
    text = sum(sims) / k if k else 0.0
    total = (f1 + sum(rates.values()) / len(rates) + text + meta) / 4
    return Score(total, f1, rates, text, meta, problems)
