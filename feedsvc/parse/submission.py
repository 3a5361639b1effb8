"""A submission's bytes, read by the front end that fits them: the page PDF, or its exported text."""

from __future__ import annotations

from feedsvc.parse import ParseHints, parse_bytes
from feedsvc.parse.pdf import PdfParse, is_pdf, parse_pdf

__all__ = ["PdfParse", "parse_submission"]


def parse_submission(data: bytes, *, source: str, hints: ParseHints | None = None) -> PdfParse:
    """The issue, and the JPEG bytes of its photos by published path (none for a text page)."""
    if is_pdf(data):
        return parse_pdf(data, source=source, hints=hints)
    return PdfParse(issue=parse_bytes(data, source=source, hints=hints), images={})
