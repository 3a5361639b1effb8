"""`feedsvc init DIR`: a new instance, as `pelican-quickstart` makes a new site.

    DIR/config/feedsvc.toml   every setting, the ones left at their default commented out
    DIR/inbox/ var/ feeds/    the folders the config names

The config lists every key of `config.Settings` (generated from the model, so a key added there
appears here too), with its default; `[instance] root = ".."` makes its relative folders resolve
against DIR wherever the command runs. Nothing existing is overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from feedsvc.config import PaperSettings, Settings
from feedsvc.errors import ConfigError
from feedsvc.urls import is_loopback

CONFIG_PATH = Path("config") / "feedsvc.toml"
DEFAULT_BASE_URL = "http://127.0.0.1:8000/"
PLACEHOLDER_NAME = "My Paper"

# What each key means, for the reader of the generated file (keys missing here get no comment).
NOTES: dict[str, str] = {
    "paper.name": "the paper's name, as readers see it in feed titles",
    "paper.name_en": "an English name, shown beside it",
    "paper.language": "BCP 47 language of the feeds",
    "paper.timezone": "IANA time zone of the issue dates",
    "paper.base_url": "the public URL the output folder is served at (feed ids and links carry it)",
    "paper.tag_authority": "RFC 4151 tag authority for ids: a domain you control and a date you held it."
    " Never change it once feeds are published",
    "paper.edition_time": "entries are published at this local time on the issue date",
    "paths.inbox": "where the newsroom drops page files",
    "paths.store": "the store (SQLite) and the lock: back this folder up",
    "paths.output": "the published feeds and pages: serve this folder",
    "feeds.max_entries": "entries per subscription feed",
    "feeds.archive_page_size": "entries per RFC 5005 archive page",
    "feeds.hubs": "WebSub hubs pinged after each publish",
    "daemon.scan_interval": "seconds between inbox scans",
    "daemon.nightly_regenerate": "local time of the nightly full rewrite",
    "daemon.max_submission_bytes": "larger submissions are set aside",
    "serve.host": "address `feedsvc serve` / `run --serve` listens on",
    "serve.port": "port it listens on",
}


def _toml(value: Any) -> str | None:
    """A TOML literal for a default value; None when TOML cannot say it (no default)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.time):
        return json.dumps(value.isoformat())
    if isinstance(value, Path | str):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, tuple | list):
        items = [_toml(v) for v in value]
        return "[" + ", ".join(i for i in items if i is not None) + "]"
    return None


def _table(name: str, model: type[BaseModel], given: dict[str, Any]) -> list[str]:
    lines = [f"[{name}]"]
    for field, info in model.model_fields.items():
        note = NOTES.get(f"{name}.{field}")
        if note:
            lines.append(f"# {note}")
        if field in given:
            lines.append(f"{field} = {_toml(given[field])}")
            continue
        literal = _toml(info.get_default(call_default_factory=True))
        lines.append(
            f"# {field} = {literal}" if literal is not None else f"# {field} =  (not set by default)"
        )
    return lines


def config_text(*, name: str, base_url: str, tag_authority: str) -> str:
    """The whole commented configuration for a new single-paper instance."""
    out = [
        "# feedsvc instance, made by `feedsvc init`. Every setting is listed; a commented one shows",
        "# its default. Any key can be overridden by FEEDSVC_<TABLE>__<KEY> (FEEDSVC_SERVE__PORT=8080).",
        "# After changing [paper] or [feeds], run `feedsvc regenerate`.",
        "",
        "[instance]",
        "# relative folders below resolve against this folder, taken from this file's folder",
        'root = ".."',
        "",
    ]
    paper = {"name": name, "base_url": base_url, "tag_authority": tag_authority}
    out += [*_table("paper", PaperSettings, paper), ""]
    out += [
        "# Printed page number -> section (版面), for pages that print no header of their own.",
        "[sections]",
        '# 1 = "要闻"',
        "",
        "# Slug overrides for section and contributor feeds (name -> slug).",
        "[slugs]",
        '# "要闻" = "yaowen"',
        "",
    ]
    for field, info in Settings.model_fields.items():
        model = info.annotation
        if field == "paper" or not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        given = {k: v for k, v in model().model_dump().items() if field == "paths"}
        out += [*_table(field, model, given), ""]
    return "\n".join(out)


def _key(base_url: str, key: str | None) -> str:
    if key is not None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
            raise ConfigError(f"--key: lowercase letters, digits and '-', got {key!r}")
        return key
    host = urlsplit(base_url).hostname or ""
    label = host.split(".")[0] if host and not host[0].isdigit() and host != "localhost" else ""
    return label or "paper"


def tag_authority_for(base_url: str, key: str, year: int) -> str:
    """`<host>,<year>` for a public base URL; `<key>.feedsvc.invalid,<year>` (to be replaced
    before publishing) for a loopback one."""
    host = urlsplit(base_url).hostname or ""
    if not host or is_loopback(base_url) or not re.fullmatch(r"[a-z0-9.-]+", host):
        host = f"{key}.feedsvc.invalid"
    return f"{host},{year}"


def create_instance(
    folder: Path, *, paper: str | None, base_url: str | None, key: str | None, year: int
) -> list[Path]:
    """Make `folder` an instance; returns what was created. Refuses to overwrite a config."""
    base_url = base_url or DEFAULT_BASE_URL
    try:
        checked = PaperSettings(name=paper or PLACEHOLDER_NAME, base_url=base_url, tag_authority="x.y,2000")
    except ValueError as exc:
        raise ConfigError(f"--base-url: {exc}") from exc
    text = config_text(
        name=checked.name,
        base_url=checked.base_url,
        tag_authority=tag_authority_for(checked.base_url, _key(checked.base_url, key), year),
    )
    config = folder / CONFIG_PATH
    if config.exists():
        raise ConfigError(f"{config}: already exists; an instance is there (nothing was changed)")
    created: list[Path] = []
    for sub in (config.parent, folder / "inbox", folder / "var", folder / "feeds"):
        if not sub.exists():
            sub.mkdir(parents=True)
            created.append(sub)
    tmp = config.with_name(f".{config.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(config)
    created.append(config)
    return created
