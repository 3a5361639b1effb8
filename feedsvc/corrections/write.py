"""The TOML `feedsvc correct` writes: one `[[item]]` table appended to the page's file, so what an
editor wrote there (comments included) stays as it was. Deterministic: keys in a fixed order,
strings as TOML basic strings."""

from __future__ import annotations

import json

from feedsvc.corrections.model import ItemEdit, PageKey, Person

_ORDER = ("item", "kicker", "headline", "subtitle", "kind", "contributors", "hide")


def _string(text: str) -> str:
    # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Person):
        fields = value.model_dump(exclude_none=True)
        return "{ " + ", ".join(f"{k} = {_string(v)}" for k, v in fields.items()) + " }"
    if isinstance(value, tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def item_table(edit: ItemEdit) -> str:
    """`[[item]]` with the keys the edit sets."""
    given = edit.model_fields_set | {"item"}
    lines = ["[[item]]"]
    for key in _ORDER:
        if key in given:
            value = getattr(edit, key)
            lines.append(f"{key} = {_value('' if value is None else value)}")
    return "\n".join(lines) + "\n"


def appended(existing: str, key: PageKey, edit: ItemEdit) -> str:
    """A corrections file's new text: `existing` (or a header for a new file) and the edit."""
    head = existing if existing else f"# Corrections for page {key.page} of {key.date} (feedsvc correct)\n"
    if not head.endswith("\n"):
        head += "\n"
    return f"{head}\n{item_table(edit)}"
