"""Typed settings: `config/feedsvc.toml`, overridden by `FEEDSVC_…` environment variables.

Nested keys use a double underscore: `FEEDSVC_PATHS__OUTPUT=/srv/feeds`, `FEEDSVC_SERVE__PORT=8080`.
Relative folders resolve against the current working directory when the settings are loaded.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from feedsvc.errors import ConfigError

DEFAULT_CONFIG = Path("config/feedsvc.toml")


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
        return value if value.endswith("/") else value + "/"

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


class PathSettings(_Section):
    inbox: Path = Path("inbox")
    store: Path = Path("var")
    output: Path = Path("feeds")
    corrections: Path = Path("corrections")


class FeedSettings(_Section):
    max_entries: int = Field(default=50, ge=1, le=1000)
    archive_page_size: int = Field(default=100, ge=10, le=10000)
    hubs: tuple[str, ...] = ()


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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FEEDSVC_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    paper: PaperSettings
    sections: dict[int, str] = Field(default_factory=dict)
    slugs: dict[str, str] = Field(default_factory=dict)
    paths: PathSettings = PathSettings()
    feeds: FeedSettings = FeedSettings()
    daemon: DaemonSettings = DaemonSettings()
    serve: ServeSettings = ServeSettings()
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


def load_settings(path: Path | None = None, *, cwd: Path | None = None) -> Settings:
    """Read the TOML file, apply `FEEDSVC_…` overrides, resolve folders against `cwd`."""
    path = path or DEFAULT_CONFIG
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    try:
        settings = Settings(**raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{path}: {key}: {first['msg']}") from exc
    base = (cwd or Path.cwd()).resolve()
    return settings.model_copy(update={"paths": _resolve(settings.paths, base)})
