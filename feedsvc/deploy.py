"""`feedsvc deploy nginx|systemd`: an nginx site and a systemd unit for an instance.

Both are filled from the instance's settings, with absolute paths (folders are resolved when the
settings load, so the output does not depend on where the command was run from); templates live
in `feedsvc/templates/`, so an installed wheel has them. Several papers give one nginx site: a
`server` per host name of their base URLs, a `location` per path prefix. A paper whose base_url
is a loopback address is refused: deployed feeds would point readers at their own machine.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from feedsvc.config import Settings
from feedsvc.errors import ConfigError
from feedsvc.urls import require_public

_UNSAFE = frozenset("\"'\\;{}$#\n\r")
_PRIVATE_ROOTS = (Path("/home"), Path("/root"), Path("/run/user"))
_TMP_ROOTS = (Path("/tmp"), Path("/var/tmp"))


def template(name: str) -> str:
    return resources.files("feedsvc").joinpath("templates", name).read_text(encoding="utf-8")


def _fill(text: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def _safe(value: str, what: str) -> str:
    """A value written into nginx or systemd text: refuse what would change the file's meaning."""
    if not value or any(c in _UNSAFE for c in value):
        raise ConfigError(f"{what}: {value!r} cannot be written into a deployment file")
    return value


def nginx_site(
    config: Path, papers: Mapping[str, Settings], *, listen: str = "80", server_name: str | None = None
) -> str:
    """The nginx site serving every paper's output folder at its base URL's host and path."""
    hosts: dict[str, list[tuple[str, Settings]]] = {}
    for key, settings in papers.items():
        require_public(settings, key)
        host = urlsplit(settings.paper.base_url).hostname or ""
        hosts.setdefault(host, []).append((key, settings))
    if server_name is not None and len(hosts) > 1:
        raise ConfigError("--server-name: the papers' base URLs name several hosts; each gets its own server")
    servers = []
    for host, members in hosts.items():
        prefixes = [urlsplit(s.paper.base_url).path or "/" for _, s in members]
        if len(set(prefixes)) != len(prefixes):
            raise ConfigError(
                f"papers {', '.join(k for k, _ in members)}: the same host and path in base_url"
            )
        locations = "".join(_location(key, settings) for key, settings in members)
        servers.append(
            _fill(
                template("nginx-server.conf"),
                {
                    "LISTEN": _safe(listen, "--listen"),
                    "SERVER_NAME": _safe(server_name or host, "server_name"),
                    "LOCATIONS": locations,
                },
            )
        )
    return _fill(template("nginx-site.conf"), {"SERVERS": "".join(servers), "CONFIG": str(config.resolve())})


def _location(key: str, settings: Settings) -> str:
    parts = urlsplit(settings.paper.base_url)
    prefix = parts.path or "/"
    root = settings.paths.output
    if not root.is_absolute():
        raise ConfigError(f"paper {key!r}: paths.output must resolve to an absolute folder, got {root}")
    hub_links = "".join(f', <{_safe(hub, "feeds.hubs")}>; rel=\\"hub\\"' for hub in settings.feeds.hubs)
    text = _fill(
        template("nginx-location.conf"),
        {
            "PAPER": _safe(settings.paper.name, "paper.name").replace("@", ""),
            "BASE_URL": settings.paper.base_url,
            "PREFIX": _safe(prefix, "base_url path"),
            "ROOT_DIRECTIVE": "root" if prefix == "/" else "alias",
            "ROOT": _safe(str(root) + ("" if prefix == "/" else "/"), "paths.output"),
            "ORIGIN": _safe(f"{parts.scheme}://{parts.netloc}", "base_url"),
            "HUB_LINKS": hub_links,
        },
    )
    if prefix != "/":  # /qiantang → /qiantang/
        text += f"    location = {prefix.rstrip('/')} {{\n        return 301 {prefix};\n    }}\n"
    return text


def systemd_unit(
    config: Path,
    workdir: Path,
    papers: Mapping[str, Settings],
    *,
    user: str = "feedsvc",
    executable: Path | None = None,
    serve: bool = False,
    paper: str | None = None,
) -> str:
    """A systemd unit running `feedsvc run` for the instance: every paper of `config`, or the
    one `paper` names (`--paper`; save it as `feedsvc-KEY.service`)."""
    for key, settings in papers.items():
        require_public(settings, key)
    program = executable or _this_program()
    if not program.is_absolute():
        raise ConfigError(f"--executable: an absolute path is needed, got {program}")
    folders = sorted({folder.resolve() for s in papers.values() for folder in _folders(s)})
    under = [str(f) for f in folders]
    private = any(f.is_relative_to(root) for f in folders for root in _PRIVATE_ROOTS)
    in_tmp = any(f.is_relative_to(root) for f in folders for root in _TMP_ROOTS)
    text = _fill(
        template("systemd.service"),
        {
            "CONFIG": _safe(str(config.resolve()), "--config"),
            "PAPERS": ", ".join(s.paper.name for s in papers.values()).replace("%", "%%"),
            "USER": _safe(user, "--user"),
            "GROUP": _safe(user, "--user"),
            "WORKDIR": _safe(str(workdir.resolve()), "the instance folder"),
            "EXEC": _safe(str(program), "--executable"),
            "RUN_OPTIONS": (f" --paper {_safe(paper, '--paper')}" if paper else "")
            + (" --serve" if serve else ""),
            "WRITABLE": " ".join(_safe(f, "a folder") for f in under),
            "PROTECT_HOME": "read-only" if private else "true",
        },
    )
    if in_tmp:
        text = text.replace("PrivateTmp=true", "PrivateTmp=false")
    return text


def _folders(settings: Settings) -> Sequence[Path]:
    return [Path(p) for p in settings.paths.model_dump().values()]


def _this_program() -> Path:
    """The `feedsvc` script beside the running interpreter (a venv's bin/), else on the PATH."""
    beside = Path(sys.executable).parent / "feedsvc"
    if beside.exists():
        return beside.absolute()
    found = shutil.which("feedsvc")
    if found is None:
        raise ConfigError("cannot find the feedsvc program: give --executable /path/to/feedsvc")
    return Path(found).absolute()
