"""One HTTP server for several papers: each paper's output folder at its base URL's path, or,
when papers share a path (`https://a.example/` and `https://b.example/`), at its host name.

    base_url https://feeds.example.com/qiantang/  →  /qiantang/… serves qiantang's output folder
    base_url https://feeds.example.com/xiaoshan/  →  /xiaoshan/… serves xiaoshan's

Each paper keeps its own headers (`rel="self"` under its own base URL, its own hubs).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Host, Mount, Router

from feedsvc.config import Settings
from feedsvc.serve import app_for, feed_files, serve


def _prefix(settings: Settings) -> str:
    return urlsplit(settings.paper.base_url).path or "/"


def _mounts(papers: Mapping[str, Settings]) -> list[BaseRoute]:
    """A mount per paper at its base URL's path, the longest paths first."""
    ordered = sorted(papers.values(), key=lambda s: -len(_prefix(s)))
    return [Mount(_prefix(s).rstrip("/") or "/", app=feed_files(s.paths.output, s)) for s in ordered]


def make_papers_app(papers: Mapping[str, Settings]) -> Starlette:
    """The app serving every paper: by path when their base URLs' paths differ, else by host."""
    prefixes = [_prefix(s) for s in papers.values()]
    if len(set(prefixes)) == len(prefixes):
        return app_for(_mounts(papers))
    hosts: dict[str, dict[str, Settings]] = {}
    for key, settings in papers.items():
        hosts.setdefault(urlsplit(settings.paper.base_url).hostname or "", {})[key] = settings
    return app_for([Host(host, app=Router(routes=_mounts(group))) for host, group in hosts.items()])


def serve_papers(papers: Mapping[str, Settings], host: str | None, port: int | None) -> None:
    """`feedsvc serve` for several papers: the [serve] settings are shared, so any paper's do."""
    first = next(iter(papers.values()))
    serve(first.paths.output, first, host, port, app=make_papers_app(papers))
