"""Editors' corrections: one TOML file per page (`YYYY-MM-DD-p<N>.toml`) in `paths.corrections`.

- `model`: what a file may say (pydantic, strict) and the page it is for;
- `load`: read and validate a file: `CorrectionError` names the file and the key, nothing is used;
- `apply`: pure, `apply(slots, corrections) -> Outcome`: the page's items as the editors want them,
  each with the id it keeps, and notes on what no longer fits the page;
- `write`: the files `feedsvc correct` writes (deterministic TOML).
"""

from feedsvc.corrections.apply import Outcome, Piece, Slot, apply
from feedsvc.corrections.load import load, load_text, page_key
from feedsvc.corrections.model import Fields, ItemEdit, Merge, Move, PageCorrections, PageKey, Person, Split

__all__ = [
    "Fields",
    "ItemEdit",
    "Merge",
    "Move",
    "Outcome",
    "PageCorrections",
    "PageKey",
    "Person",
    "Piece",
    "Slot",
    "Split",
    "apply",
    "load",
    "load_text",
    "page_key",
]
