"""The `feedsvc` command: a few lines around a library call per subcommand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from feedsvc.config import DEFAULT_CONFIG, Settings, load_settings
from feedsvc.errors import FeedsvcError, ParseError

Command = Callable[[argparse.Namespace, Settings], int]


def cmd_parse(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc import preview
    from feedsvc.parse import parse_bytes
    from feedsvc.pipeline import hints_for

    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror}", str(path)) from exc
    issue = parse_bytes(data, source=path.name, hints=hints_for(settings, path))
    print(preview.as_json(issue) if args.format == "json" else preview.as_text(issue))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="feedsvc", description=__doc__)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="settings file (TOML)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="preview how a submission parses")
    p.add_argument("file", type=Path)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_parse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        func: Command = args.func
        return func(args, settings)
    except FeedsvcError as exc:
        print(f"feedsvc: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
