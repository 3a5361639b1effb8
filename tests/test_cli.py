"""The command line as operators expect it: --version, global options on either side of the
command, every argument described, no traceback when the reader of the output goes away."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedsvc import cli
from tests.e2e_helpers import ROOT, SAMPLE, write_config

FEEDSVC = [sys.executable, "-m", "feedsvc.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "FEEDSVC_NOW": "2023-06-27T10:00:00+08:00"}


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("feedsvc ") and out.strip() != "feedsvc unknown"


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_options_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    config = write_config(tmp_path, port=8000)
    options = ["--config", str(config), "--log-level", "warning"]
    argv = [*options, "parse", str(SAMPLE)] if where == "before" else ["parse", str(SAMPLE), *options]
    assert cli.main(argv) == 0
    assert "钱塘新区报" in capsys.readouterr().out


def test_an_option_after_the_command_wins_and_one_before_is_kept(tmp_path: Path) -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["--config", "a.toml", "parse", "x.txt"])
    assert args.config == Path("a.toml") and args.log_level == "INFO"
    args = parser.parse_args(["--config", "a.toml", "parse", "x.txt", "--config", "b.toml"])
    assert args.config == Path("b.toml")


def _actions(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    found = [(parser.prog, a) for a in parser._actions]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _actions(sub)
    return found


def test_every_argument_and_command_is_described() -> None:
    parser = cli.build_parser()
    missing = [
        f"{prog}: {action.dest}"
        for prog, action in _actions(parser)
        if not isinstance(action, argparse._SubParsersAction) and not (action.help or "").strip()
    ]
    assert missing == []
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {c.dest for c in sub._choices_actions} == set(sub.choices)
    assert all(c.help for c in sub._choices_actions)
    for name, command in sub.choices.items():
        assert command.description, name


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    config = write_config(tmp_path, port=8000)
    pages = []
    for n in range(3):
        page = tmp_path / f"qiantang-2023-06-2{6 + n}-p1.txt"
        page.write_bytes(SAMPLE.read_bytes().replace("2023年6月26".encode(), f"2023年6月2{6 + n}".encode()))
        pages.append(str(page))
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line (`feedsvc ingest … | head -0`)
    try:
        done = subprocess.run(
            [*FEEDSVC, "--config", str(config), "ingest", *pages],
            stdout=write, stderr=subprocess.PIPE, cwd=tmp_path, env=_env(), timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.close(write)
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert done.returncode == 0  # a closed pipe never skips a file: every page was ingested
    feed = (tmp_path / "feeds" / "feed.atom").read_text(encoding="utf-8")
    assert all(f"2023-06-2{6 + n}" in feed for n in range(3))
