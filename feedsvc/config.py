"""Typed settings: `config/feedsvc.toml`, overridden by `FEEDSVC_…` environment variables.

Nested keys use a double underscore: `FEEDSVC_PATHS__OUTPUT=/srv/feeds`, `FEEDSVC_SERVE__PORT=8080`.
Relative folders resolve against the current working directory when the settings are loaded.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import idna
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from feedsvc.errors import ConfigError

DEFAULT_CONFIG = Path("config/feedsvc.toml")
ENV_PREFIX = "FEEDSVC_"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PaperSettings(_Section):
    name: str = Field(min_length=1)
    name_en: str = ""
    language: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    base_url: str = "http://127.0.0.1:8000/"
    tag_authority: str = Field(min_length=3)
    edition_time: dt.time = dt.time(6, 0)
    # Issue dates before this are refused as misread (the paper did not exist yet). Never before
    # 1901: time zones then had local mean time offsets in seconds, which RFC 3339 cannot write.
    earliest_date: dt.date = dt.date(1901, 1, 1)
    # One line about the paper: the feeds' subtitle / description ("" = a sentence made from the name).
    description: str = ""
    # ASCII , : ; ? ! and paired " left between Han characters by the PDF export become the
    # full-width forms the paper printed (feedsvc/typography.py), when a page is parsed.
    fullwidth_punctuation: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("base_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"base_url must be an absolute http(s) URL, got {value!r}")
        value = ascii_url(value, "base_url")
        return value if value.endswith("/") else value + "/"

    @field_validator("earliest_date")
    @classmethod
    def _after_1901(cls, value: dt.date) -> dt.date:
        if value < dt.date(1901, 1, 1):
            raise ValueError(f"earliest_date must be 1901-01-01 or later, got {value}")
        return value

    @field_validator("tag_authority")
    @classmethod
    def _tag_authority(cls, value: str) -> str:
        # RFC 4151: authorityName "," date, e.g. "qiantang.example.com,2023"
        if not re.fullmatch(r"[A-Za-z0-9.\-@]+,\d{4}(-\d{2}(-\d{2})?)?", value):
            raise ValueError(f"tag_authority must look like 'example.com,2023', got {value!r}")
        return value

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


_URL_SAFE = "/%:@!$&'()*+,;=-._~"


def ascii_url(value: str, key: str, *, query: bool = False) -> str:
    """An http(s) URL as it goes into headers and documents: the host IDNA-encoded
    (`钱塘.中国` → `xn--…`), the path (and, if allowed, the query) percent-encoded as UTF-8.
    ValueError (naming `key`) for a host that is no domain name, a bad port, credentials, a
    fragment, or a query where `query` is False."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{key} must be an absolute http(s) URL, got {value!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{key} must not carry a user name or password")
    if (parts.query and not query) or parts.fragment:
        raise ValueError(
            f"{key} must not have a {'fragment' if query else 'query or a fragment'}, got {value!r}"
        )
    host = parts.hostname
    try:
        port = parts.port
        if ":" in host:  # an IPv6 address
            host = f"[{ipaddress.IPv6Address(host)}]"
        elif not host.isascii():
            host = idna.encode(host, uts46=True).decode("ascii")
        elif not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", host):
            raise ValueError(f"not a host name: {host!r}")
    except (ValueError, idna.IDNAError) as exc:
        raise ValueError(f"{key}: {value!r} has no valid host name and port: {exc}") from exc
    netloc = host if port is None else f"{host}:{port}"
    path, search = quote(parts.path, safe=_URL_SAFE), quote(parts.query, safe=_URL_SAFE + "?")
    return urlunsplit((parts.scheme, netloc, path, search, ""))


class PathSettings(_Section):
    inbox: Path = Path("inbox")
    store: Path = Path("var")
    output: Path = Path("feeds")
    corrections: Path = Path("corrections")

    @field_validator("inbox", "store", "output", "corrections", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        # Path("") is the working directory: an empty setting is a mistake, not a folder
        if isinstance(value, str) and not value.strip():
            raise ValueError(
                "an empty path: name the folder (relative to the working directory, or absolute)"
            )
        return value


def _overlap(paths: PathSettings) -> str | None:
    """Why the output folder may not be where it is: it contains, or is inside, the inbox, the
    store or the corrections folder (it is served, and feedsvc deletes obsolete files below it)."""
    output = paths.output.resolve()
    for key in ("inbox", "store", "corrections"):
        other = getattr(paths, key).resolve()
        if output == other:
            return f"paths.output is the same folder as paths.{key} ({output})"
        if other.is_relative_to(output):
            return f"paths.output ({output}) contains paths.{key} ({other})"
        if output.is_relative_to(other):
            return f"paths.output ({output}) is inside paths.{key} ({other})"
    return None


class FeedSettings(_Section):
    max_entries: int = Field(default=50, ge=1, le=1000)
    archive_page_size: int = Field(default=100, ge=10, le=10000)
    hubs: tuple[str, ...] = ()

    @field_validator("hubs")
    @classmethod
    def _hub_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(ascii_url(hub, "feeds.hubs", query=True) for hub in value)


class DaemonSettings(_Section):
    scan_interval: float = Field(default=2.0, gt=0, le=3600)
    nightly_regenerate: dt.time | None = dt.time(3, 30)
    max_submission_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    ping_timeout: float = Field(default=5.0, gt=0)
    ping_retries: int = Field(default=3, ge=0, le=20)


class PublishSettings(_Section):
    # "warnings": items the parser was unsure of stay out of the feeds until approved or corrected
    hold: Literal["off", "warnings"] = "off"


class ServeSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    max_connections: int = Field(default=256, ge=1, le=100000)  # more are closed at once
    header_timeout: float = Field(default=10.0, gt=0, le=600)  # seconds for a request's head
    keepalive_timeout: int = Field(default=5, ge=1, le=600)  # seconds idle after a response


class SiteSettings(_Section):
    """The HTML site: its look (a theme folder overriding any template or static file), the
    language of its interface, the nameplate and search."""

    theme: Path | None = None  # a folder: `<name>.html` overrides a template, `static/<file>` a static file
    ui_language: Literal["zh", "en"] = "zh"
    logo: str | None = None  # a file in the theme's `static/` folder shown as the nameplate
    search: bool = False  # build the Pagefind search index after publishing (config/feedsvc.toml: on)

    @field_validator("logo")
    @classmethod
    def _logo_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value):
            raise ValueError(f"logo must be a file name in the theme's static folder, got {value!r}")
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    paper: PaperSettings
    sections: dict[int, str] = Field(default_factory=dict)
    slugs: dict[str, str] = Field(default_factory=dict)
    paths: PathSettings = PathSettings()
    feeds: FeedSettings = FeedSettings()
    daemon: DaemonSettings = DaemonSettings()
    serve: ServeSettings = ServeSettings()
    site: SiteSettings = SiteSettings()
    publish: PublishSettings = PublishSettings()

    @field_validator("slugs")
    @classmethod
    def _slug_shape(cls, value: dict[str, str]) -> dict[str, str]:
        for name, slug in value.items():
            if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
                raise ValueError(f"slug for {name!r} must be lowercase words joined by '-', got {slug!r}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # environment variables win over the file's values, which arrive as init arguments
        return (env_settings, init_settings)

    def section_for(self, page: int) -> str | None:
        return self.sections.get(page)


def _resolve(paths: PathSettings, base: Path) -> PathSettings:
    return PathSettings(**{k: (v if v.is_absolute() else base / v) for k, v in paths.model_dump().items()})


def _override(loc: tuple[str | int, ...]) -> str | None:
    """The environment variable that set the setting at `loc` (or a table holding it), if any."""
    present = {name.upper(): name for name in os.environ if name.upper().startswith(ENV_PREFIX)}
    parts = [str(part).upper() for part in loc]
    for end in range(len(parts), 0, -1):
        name = ENV_PREFIX + "__".join(parts[:end])
        if name in present:
            return present[name]
    return None


def _unparsable_override(field: str | None) -> str:
    """The `FEEDSVC_…` variable a JSON error is about: one setting `field` (itself or a key of its
    table) whose value is not JSON; never a variable of another setting (CI's or a shell's own)."""
    names = sorted(n for n in os.environ if n.upper().startswith(ENV_PREFIX))
    if field:
        top = ENV_PREFIX + field.upper()
        names = [n for n in names if n.upper() == top or n.upper().startswith(top + "__")] or names
    for name in names:
        try:
            json.loads(os.environ[name])
        except ValueError:
            return name
    return names[0] if names else ENV_PREFIX + "…"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def load_settings(path: Path | None = None, *, cwd: Path | None = None) -> Settings:
    """Read the TOML file, apply `FEEDSVC_…` overrides, resolve folders against `cwd`. A bad value
    is a one-line ConfigError naming the environment variable that set it, else the file and key."""
    path = path or DEFAULT_CONFIG
    return settings_from(read_toml(path), path, cwd=cwd)


def read_toml(path: Path) -> dict[str, Any]:
    """A configuration file's tables; ConfigError naming the file when it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc


def settings_from(raw: dict[str, Any], path: Path, *, cwd: Path | None = None, where: str = "") -> Settings:
    """`Settings` from a file's tables (see `load_settings`). `where` prefixes the keys named in
    errors: `papers.KEY.` for one paper of a file listing several (instance.py)."""
    try:
        settings = Settings(**raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        key = where + (key.removeprefix("paper.") if where else key)
        msg = _one_line(first["msg"])
        if (var := _override(tuple(first["loc"]))) is not None:
            raise ConfigError(f"{var}: {key}: {msg} (environment override)") from exc
        raise ConfigError(f"{path}: {key}: {msg}") from exc
    except SettingsError as exc:  # an override of a table or list that is not valid JSON
        field = re.search(r'field "([^"]+)"', str(exc))
        var = _unparsable_override(field.group(1) if field else None)
        raise ConfigError(
            f"{var}: not valid JSON (tables and lists are given as JSON, "
            'e.g. FEEDSVC_FEEDS__HUBS=\'["https://hub.example/"]\', FEEDSVC_SECTIONS=\'{"1": "要闻"}\')'
        ) from exc
    base = (cwd or Path.cwd()).resolve()
    paths = _resolve(settings.paths, base)
    if (problem := _overlap(paths)) is not None:
        source = _override(("paths", "output")) or str(path)
        raise ConfigError(f"{source}: {where}{problem}: give each its own folder")
    update: dict[str, Any] = {"paths": paths}
    theme = settings.site.theme
    if theme is not None and not theme.is_absolute():
        update["site"] = settings.site.model_copy(update={"theme": base / theme})
    return settings.model_copy(update=update)
