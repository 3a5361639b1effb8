"""An instance: one configuration file describing one paper, or several papers served together.

A single-paper file is what `config.load_settings` reads (`[paper]`, `[sections]`, `[paths]` …)
and keeps working unchanged. A file with a `[papers.<key>]` table per paper describes several:

    [serve]                    # shared by every paper: one server, one daemon
    port = 8000
    [daemon]
    scan_interval = 2.0
    [feeds]                    # defaults; a paper may override them in [papers.<key>.feeds]
    max_entries = 50

    [papers.qiantang]          # the paper's own keys ([paper] of a single-paper file)…
    name = "钱塘新区报"
    base_url = "https://feeds.example.com/qiantang/"
    tag_authority = "qiantang.example.com,2023"
    [papers.qiantang.sections] # …and its own tables
    1 = "要闻"
    [papers.qiantang.paths]    # default: <key>/inbox, <key>/var, <key>/feeds
    output = "/srv/feedsvc/qiantang/feeds"

Each paper becomes a complete `Settings`, so everything below the CLI works on one paper at a
time. Papers never share state: two papers with the same inbox, store, output folder, tag
authority or base URL (or one folder inside another's) are refused, naming both.

An optional `[instance]` table with `root = "."` makes relative folders resolve against the
configuration file's folder (`feedsvc init` writes it); without it they resolve against the
working directory, as they always have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedsvc.config import DEFAULT_CONFIG, PathSettings, Settings, read_toml, settings_from
from feedsvc.errors import ConfigError

PAPER_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_SHARED_ONLY = ("daemon", "serve")  # one daemon and one server for all the papers


@dataclass(frozen=True, slots=True)
class Instance:
    """The papers of one configuration file, by key, in the file's order."""

    config: Path
    papers: dict[str, Settings]
    several: bool  # the file lists papers in [papers.<key>] tables
    root: Path  # what relative folders resolved against: the working folder, or [instance] root

    @property
    def first(self) -> Settings:
        return next(iter(self.papers.values()))

    def select(self, key: str | None) -> dict[str, Settings]:
        """The papers a command works on: all of them, or the one named by `--paper`."""
        if key is None:
            return self.papers
        if key in self.papers:
            return {key: self.papers[key]}
        by_name = {k: s for k, s in self.papers.items() if s.paper.name == key}
        if by_name:
            return by_name
        raise ConfigError(f"{self.config}: no paper {key!r} (papers: {', '.join(self.papers)})")

    def one(self, key: str | None, command: str) -> tuple[str, Settings]:
        """The single paper a one-shot command such as `ingest` works on."""
        chosen = self.select(key)
        if len(chosen) > 1:
            raise ConfigError(
                f"{self.config} lists several papers ({', '.join(chosen)}): "
                f"say which with `feedsvc --paper KEY {command} …`"
            )
        return next(iter(chosen.items()))


def load_instance(path: Path | None = None, *, cwd: Path | None = None) -> Instance:
    """Read a configuration file with one paper or several (see the module docstring)."""
    path = path or DEFAULT_CONFIG
    raw = read_toml(path)
    instance = raw.pop("instance", {})
    if not isinstance(instance, dict) or set(instance) - {"root"}:
        raise ConfigError(f"{path}: instance: the only key is root")
    base = (cwd or Path.cwd()).resolve()
    if "root" in instance:
        base = (path.resolve().parent / str(instance["root"])).resolve()
    if "papers" not in raw:
        settings = _validated(path, raw, "", base)
        return Instance(config=path, papers={settings.paper.name: settings}, several=False, root=base)
    papers = raw.pop("papers")
    if not isinstance(papers, dict) or not papers:
        raise ConfigError(f"{path}: papers: give one [papers.<key>] table per paper")
    if "paper" in raw:
        raise ConfigError(f"{path}: [paper] and [papers.<key>] together: move [paper] into a [papers.<key>]")
    result: dict[str, Settings] = {}
    for key, table in papers.items():
        if not PAPER_KEY.fullmatch(key):
            raise ConfigError(f"{path}: papers.{key}: a key is lowercase letters, digits, '-' or '_'")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: papers.{key}: must be a table")
        result[key] = _paper_settings(path, key, raw, table, base)
    _check_separate(path, result)
    return Instance(config=path, papers=result, several=True, root=base)


def _paper_settings(
    path: Path, key: str, shared: dict[str, Any], table: dict[str, Any], base: Path
) -> Settings:
    tables = set(Settings.model_fields) - {"paper"}
    own = {k: v for k, v in table.items() if k in tables}
    for name in _SHARED_ONLY:
        if name in own:
            raise ConfigError(f"{path}: papers.{key}.{name}: [{name}] is shared by all papers; set it once")
    raw: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v for k, v in shared.items()}
    for name, value in own.items():
        merged = raw.get(name)
        raw[name] = {**merged, **value} if isinstance(merged, dict) and isinstance(value, dict) else value
    raw["paper"] = {k: v for k, v in table.items() if k not in tables}
    folders = raw.setdefault("paths", {})
    for field, default in PathSettings().model_dump().items():
        folders.setdefault(field, str(Path(key) / default))
    return _validated(path, raw, f"papers.{key}.", base)


def _validated(path: Path, raw: dict[str, Any], where: str, base: Path) -> Settings:
    """`Settings` from a file's tables (`FEEDSVC_…` variables win), folders resolved against `base`;
    a bad value is a ConfigError naming the file and the key (`where` + key)."""
    return settings_from(raw, path, cwd=base, where=where)


def _check_separate(path: Path, papers: dict[str, Settings]) -> None:
    """Papers share nothing they write: no folder of one is, or is inside, a folder of another."""
    seen: dict[tuple[str, str], str] = {}
    folders: list[tuple[Path, str]] = []
    for key, settings in papers.items():
        for label, value in (
            ("tag_authority", settings.paper.tag_authority),
            ("base_url", settings.paper.base_url),
        ):
            first = seen.setdefault((label, value), key)
            if first != key:
                raise ConfigError(f"{path}: papers.{key}.{label}: the same as papers.{first}'s ({value})")
        for name, folder in settings.paths.model_dump().items():
            folders.append((Path(folder), f"papers.{key}.paths.{name}"))
    for i, (one, one_key) in enumerate(folders):
        for other, other_key in folders[i + 1 :]:
            if one_key.split(".")[1] == other_key.split(".")[1]:
                continue  # a paper's own folders (inbox inside the store folder, say) are its business
            if one == other or one.is_relative_to(other) or other.is_relative_to(one):
                raise ConfigError(
                    f"{path}: {other_key} ({other}) and {one_key} ({one}) overlap: papers share no folder"
                )
