"""Reading a corrections file: TOML, validated; any fault is one `CorrectionError` naming the file
and the key, and nothing from that file is used."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from feedsvc.corrections.model import PageCorrections, PageKey
from feedsvc.errors import CorrectionError

_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})-p(\d{1,3})\.toml")


def page_key(name: str) -> PageKey:
    """The page a file name stands for: `2023-06-26-p1.toml` → 2023-06-26, page 1."""
    m = _NAME.fullmatch(name)
    try:
        if m is None:
            raise ValueError
        return PageKey(date=dt.date(int(m[1]), int(m[2]), int(m[3])), page=int(m[4]))
    except ValueError:
        raise CorrectionError(name, "", "not a corrections file name (YYYY-MM-DD-p<N>.toml)") from None


def _key(loc: tuple[int | str, ...]) -> str:
    """pydantic's location as the editor reads the file: ('item', 0, 'headline') → item[1].headline."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif not part.startswith(("constrained-", "function-")) and part not in ("int", "str"):
            out += f".{part}" if out else part
    return out


def load_text(text: str, name: str) -> PageCorrections:
    """Validate a file's text (`name` is for messages)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CorrectionError(name, "", f"not valid TOML: {exc}") from exc
    try:
        return PageCorrections.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CorrectionError(name, _key(tuple(first["loc"])), first["msg"]) from exc


def load(path: Path) -> tuple[PageKey, PageCorrections]:
    """The page a file corrects and its corrections."""
    key = page_key(path.name)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorrectionError(path.name, "", "not UTF-8 text") from exc
    except OSError as exc:
        raise CorrectionError(path.name, "", f"cannot read: {exc.strerror}") from exc
    return key, load_text(text, path.name)
