"""Where the output is served from (links between pages: `render.common.relative_url`).

* `is_loopback(url)`: a base URL nobody else can reach (127.0.0.0/8, ::1, localhost), refused
  for deployment output (`feedsvc deploy`), where feeds must carry their public address.
* `warn_if_served_elsewhere(…)`: `serve` / `run --serve` on an address other than `base_url`
  still works for people (relative links), but feed ids, `rel="self"` and WebSub topics carry
  `base_url`: say so once at start.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from feedsvc.config import Settings
from feedsvc.errors import ConfigError

log = logging.getLogger(__name__)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ANY = frozenset({"", "0.0.0.0", "::"})


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_public(settings: Settings, key: str) -> None:
    """ConfigError unless the paper's base_url is one readers elsewhere can reach."""
    if is_loopback(settings.paper.base_url):
        raise ConfigError(
            f"paper {key!r}: base_url is {settings.paper.base_url}, a loopback address: feeds deployed"
            " with it would point readers at their own machine; set paper.base_url to the public URL"
            " (then feedsvc regenerate)"
        )


def served_elsewhere(settings: Settings, host: str | None, port: int | None) -> str | None:
    """Why serving on `host:port` (None: the [serve] settings) is not where `base_url` points,
    or None when it is."""
    host = settings.serve.host if host is None else host
    port = settings.serve.port if port is None else port
    base = urlsplit(settings.paper.base_url)
    base_port = base.port or _DEFAULT_PORTS.get(base.scheme, 80)
    base_host = (base.hostname or "").lower()
    same_host = (
        host in _ANY
        or host.lower() == base_host
        or (is_loopback(f"http://{host}/") and is_loopback(settings.paper.base_url))
    )
    if same_host and port == base_port:
        return None
    shown = f"[{host}]" if ":" in host else host
    return (
        f"serving {settings.paper.name} on http://{shown}:{port}/ but its base_url is"
        f' {settings.paper.base_url}: pages work, but feed ids, rel="self" links and WebSub topics'
        " carry base_url (set paper.base_url, then feedsvc regenerate, if this is the public address)"
    )


def warn_if_served_elsewhere(papers: Iterable[Settings], host: str | None, port: int | None) -> None:
    for settings in papers:
        why = served_elsewhere(settings, host, port)
        if why is not None:
            log.warning("%s", why)
