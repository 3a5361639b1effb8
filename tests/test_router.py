"""One server, several papers: by base URL path, or by host when the papers share a path; and the
nginx site of such papers under the real nginx."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from feedsvc.config import Settings
from feedsvc.deploy import nginx_site
from feedsvc.router import make_papers_app
from feedsvc.serve import start_in_thread
from tests.test_deploy_e2e import nginx_with  # noqa: F401  (the fixture)


def _paper(tmp_path: Path, key: str, base_url: str) -> Settings:
    output = tmp_path / key / "feeds"
    (output / "sections").mkdir(parents=True)
    (output / "feed.atom").write_text(f"<feed>{key}</feed>\n", encoding="utf-8")
    (output / "sections" / "yaowen.json").write_text(f'{{"title": "{key}"}}\n', encoding="utf-8")
    (output / ".feed.atom.tmp").write_text("half written", encoding="utf-8")
    return Settings(
        paper={"name": key, "tag_authority": f"{key}.test,2024", "base_url": base_url},
        paths={"inbox": tmp_path / key / "inbox", "store": tmp_path / key / "var", "output": output},
    )


@contextlib.contextmanager
def _served(papers: dict[str, Settings]) -> Iterator[httpx.Client]:
    first = next(iter(papers.values()))
    app = make_papers_app(papers)
    with (
        start_in_thread(first.paths.output, first, "127.0.0.1", 0, app=app) as server,
        httpx.Client(base_url=server.url.rstrip("/"), timeout=5) as http,
    ):
        yield http


def test_papers_by_path_prefix(tmp_path: Path) -> None:
    papers = {
        "a": _paper(tmp_path, "a", "https://feeds.test/a/"),
        "b": _paper(tmp_path, "b", "https://feeds.test/b/"),
    }
    with _served(papers) as http:
        for key in ("a", "b"):
            response = http.get(f"/{key}/feed.atom")
            assert response.status_code == 200 and response.text == f"<feed>{key}</feed>\n"
            assert response.headers["link"] == f'<https://feeds.test/{key}/feed.atom>; rel="self"'
            assert http.get(f"/{key}/sections/yaowen.json").json() == {"title": key}
            assert http.get(f"/{key}/.feed.atom.tmp").status_code == 404
        assert http.get("/feed.atom").status_code == 404
        assert http.get("/c/feed.atom").status_code == 404


def test_papers_by_host(tmp_path: Path) -> None:
    papers = {
        "a": _paper(tmp_path, "a", "https://a.test/"),
        "b": _paper(tmp_path, "b", "https://b.test/"),
    }
    with _served(papers) as http:
        for key in ("a", "b"):
            response = http.get("/feed.atom", headers={"Host": f"{key}.test"})
            assert response.text == f"<feed>{key}</feed>\n"
            assert response.headers["link"] == f'<https://{key}.test/feed.atom>; rel="self"'
        assert http.get("/feed.atom", headers={"Host": "c.test"}).status_code == 404


@pytest.mark.e2e
def test_nginx_serves_papers_by_host(tmp_path: Path, nginx_with: Callable[[str], int]) -> None:  # noqa: F811
    papers = {
        "a": _paper(tmp_path, "a", "http://a.test/"),
        "b": _paper(tmp_path, "b", "http://b.test/news/"),
    }
    site = nginx_site(tmp_path / "feedsvc.toml", papers)
    assert site.count("server {") == 2
    port = nginx_with(site)
    for key, path in (("a", "/"), ("b", "/news/")):
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": f"{key}.test"}) as http:
            response = http.get(f"{path}feed.atom")
            assert response.text == f"<feed>{key}</feed>\n"
            assert response.headers["link"] == f'<http://{key}.test{path}feed.atom>; rel="self"'
            assert http.get(f"{path}.feed.atom.tmp").status_code == 404
