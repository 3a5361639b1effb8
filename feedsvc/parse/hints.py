"""What a submission's file name says about it, for pages that print no header.

Convention: `<anything>-YYYY-MM-DD-p<N>.txt` (also `_`, `.` separators, `YYYYMMDD`, and `第N版`).
The name is the only source besides the text and the configuration (no sidecar file is read).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from feedsvc.config import Settings

_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-_.]?(?P<m>[01]\d)[-_.]?(?P<d>[0-3]\d)(?!\d)")
_PAGE = re.compile(r"(?:(?<![A-Za-z])p(?:age)?[-_]?|第)(?P<n>\d{1,3})(?:版)?(?!\d)", re.IGNORECASE)


class ParseHints(BaseModel):
    """What the parser may use besides the text: configuration and the file's name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    publication: str | None = None
    name_en: str | None = None
    sections: Mapping[int, str] = Field(default_factory=dict)
    date: dt.date | None = None
    page: int | None = None
    section: str | None = None
    # ASCII punctuation between Han characters becomes full-width (`typography`, config
    # `paper.fullwidth_punctuation`)
    fullwidth_punctuation: bool = True


def hints_from_settings(settings: Settings) -> ParseHints:
    """What the parser may use besides the text: the paper's names and its page → section map."""
    return ParseHints(
        publication=settings.paper.name,
        name_en=settings.paper.name_en or None,
        sections=settings.sections,
        fullwidth_punctuation=settings.paper.fullwidth_punctuation,
    )


def from_name(name: str) -> dict[str, object]:
    """Date and page from a file name such as `qiantang-2023-06-26-p1.txt`."""
    stem = name.rsplit("/", 1)[-1]
    found: dict[str, object] = {}
    m = _DATE.search(stem)
    if m:
        with contextlib.suppress(ValueError):
            found["date"] = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        stem = stem[: m.start()] + stem[m.end() :]
    p = _PAGE.search(stem)
    if p and 0 < int(p["n"]) <= 200:
        found["page"] = int(p["n"])
    return found


def with_name(hints: ParseHints | None, source: str) -> ParseHints:
    """A submission's hints: `hints` (from configuration) with what its file name `source` tells
    (date, page, section) filled in where the name tells it. Both front ends start here."""
    named = from_name(source)
    return (hints or ParseHints()).model_copy(update={k: v for k, v in named.items() if v is not None})
