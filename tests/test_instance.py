"""Instances: `feedsvc init`, configs with several papers, where the output is served from."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from feedsvc import cli
from feedsvc.config import Settings
from feedsvc.errors import ConfigError
from feedsvc.instance import load_instance
from feedsvc.urls import is_loopback, served_elsewhere

TWO_PAPERS = """\
[serve]
port = 8123
[feeds]
max_entries = 20

[papers.qiantang]
name = "钱塘新区报"
base_url = "https://feeds.example.com/qiantang/"
tag_authority = "qiantang.example.com,2023"
[papers.qiantang.sections]
1 = "要闻"

[papers.xiaoshan]
name = "萧山日报"
base_url = "https://feeds.example.com/xiaoshan/"
tag_authority = "xiaoshan.example.com,2024"
[papers.xiaoshan.feeds]
max_entries = 30
[papers.xiaoshan.paths]
output = "/srv/xiaoshan-out"
"""


def test_init_writes_every_setting_and_the_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "paper"
    argv = ["init", str(folder), "--paper", "测试报", "--base-url", "https://news.example.org/feeds"]
    assert cli.main(argv) == 0
    config = folder / "config" / "feedsvc.toml"
    text = config.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():  # every key, set or commented
        model = field.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            assert f"[{name}]" in text
            for key in model.model_fields:
                assert f"\n{key} = " in text or f"\n# {key} = " in text, f"{name}.{key}"
    assert all((folder / sub).is_dir() for sub in ("inbox", "var", "feeds"))
    raw = tomllib.loads(text)
    assert raw["paper"]["tag_authority"].startswith("news.example.org,")
    # folders resolve against the instance, wherever the command runs
    monkeypatch.chdir(tmp_path)
    instance = load_instance(config)
    settings = instance.first
    assert settings.paper.name == "测试报" and settings.paper.base_url == "https://news.example.org/feeds/"
    assert settings.paths.output == folder.resolve() / "feeds"
    assert cli.main(["init", str(folder)]) == 2  # never overwritten
    assert config.read_text(encoding="utf-8") == text


def test_init_then_ingest_from_the_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.main(["init", str(tmp_path / "i")]) == 0
    monkeypatch.chdir(tmp_path / "i")
    monkeypatch.setenv("FEEDSVC_NOW", "2023-06-27T10:00:00+08:00")
    sample = Path(__file__).parent / "data" / "pages" / "qiantang-2023-06-26-p1.txt"
    assert cli.main(["ingest", str(sample)]) == 0
    assert (tmp_path / "i" / "feeds" / "feed.atom").is_file()


def test_a_single_paper_config_is_one_paper(tmp_path: Path) -> None:
    instance = load_instance(Path(__file__).parents[1] / "config" / "feedsvc.toml", cwd=tmp_path)
    assert not instance.several and list(instance.papers) == ["钱塘新区报"]
    assert instance.first.paths.output == tmp_path.resolve() / "feeds"
    assert instance.one(None, "ingest")[1] is instance.first


def test_several_papers_each_complete_and_separate(tmp_path: Path) -> None:
    config = tmp_path / "feedsvc.toml"
    config.write_text(TWO_PAPERS, encoding="utf-8")
    instance = load_instance(config, cwd=tmp_path)
    assert instance.several and list(instance.papers) == ["qiantang", "xiaoshan"]
    qiantang, xiaoshan = instance.papers["qiantang"], instance.papers["xiaoshan"]
    assert qiantang.serve.port == xiaoshan.serve.port == 8123  # shared
    assert (qiantang.feeds.max_entries, xiaoshan.feeds.max_entries) == (20, 30)  # default, own
    assert qiantang.sections == {1: "要闻"} and xiaoshan.sections == {}
    assert qiantang.paths.inbox == tmp_path.resolve() / "qiantang" / "inbox"
    assert xiaoshan.paths.output == Path("/srv/xiaoshan-out")
    assert instance.select("萧山日报") == {"xiaoshan": xiaoshan}
    with pytest.raises(ConfigError, match="--paper KEY ingest"):
        instance.one(None, "ingest")
    with pytest.raises(ConfigError, match="no paper 'nope'"):
        instance.select("nope")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("/srv/xiaoshan-out", "qiantang/feeds"), "overlap"),
        (("/srv/xiaoshan-out", "qiantang/feeds/x"), "overlap"),
        (("xiaoshan.example.com,2024", "qiantang.example.com,2023"), "tag_authority: the same as"),
        (("萧山日报", ""), "papers.xiaoshan.name"),
        (("[papers.xiaoshan.paths]", "[papers.xiaoshan.serve]"), "shared by all papers"),
    ],
)
def test_papers_that_would_share_state_are_refused(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    config = tmp_path / "feedsvc.toml"
    config.write_text(TWO_PAPERS.replace(*change), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as error:
        load_instance(config, cwd=tmp_path)
    assert str(config) in str(error.value)


def test_loopback_addresses() -> None:
    for url in ("http://127.0.0.1:8000/", "http://localhost/", "http://[::1]:80/", "http://127.9.9.9/"):
        assert is_loopback(url), url
    for url in ("https://feeds.example.com/", "http://10.0.0.1/", "http://localhost.example/"):
        assert not is_loopback(url), url


def test_serving_elsewhere_than_base_url_is_told(tmp_path: Path) -> None:
    config = Path(__file__).parents[1] / "config" / "feedsvc.toml"
    settings = load_instance(config, cwd=tmp_path).first  # base_url http://127.0.0.1:8000/
    assert served_elsewhere(settings, None, None) is None
    assert served_elsewhere(settings, "localhost", 8000) is None
    assert served_elsewhere(settings, "0.0.0.0", 8000) is None
    why = served_elsewhere(settings, "127.0.0.1", 8080)
    assert why is not None and "http://127.0.0.1:8080/" in why and "base_url" in why
