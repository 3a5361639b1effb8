"""Ingest and regenerate: parse → store → plan → render → publish."""

from __future__ import annotations

import json
from pathlib import Path

from feedsvc.config import Settings
from feedsvc.parse import ParseHints


def hints_for(settings: Settings, path: Path | None = None) -> ParseHints:
    """Parse hints from configuration and, when there is one, a sidecar `<file>.json`."""
    extra: dict[str, object] = {}
    if path is not None:
        sidecar = path.with_name(path.name + ".json")
        if sidecar.is_file():
            try:
                raw = json.loads(sidecar.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raw = {}
            if isinstance(raw, dict):
                extra = {k: raw[k] for k in ("date", "page", "section") if k in raw}
    return ParseHints(
        publication=settings.paper.name,
        name_en=settings.paper.name_en or None,
        sections=settings.sections,
        **extra,  # type: ignore[arg-type]
    )
