"""The `feedsvc` command: a few lines around a library call per subcommand.

feedsvc parse FILE [--format text|json]   preview how a submission parses
feedsvc ingest FILE...                    parse, store, rewrite the affected feeds
feedsvc regenerate [--reparse]            rewrite every output from the store
feedsvc run [--serve]                     the daemon: watch the inbox, publish, ping hubs
feedsvc review [--date D] [--all]         the items the parser was unsure of, for editors
feedsvc correct ID --headline TEXT …      correct an item (writes the page's corrections file)
feedsvc approve ID | --date D             publish items held for review
feedsvc serve                             serve the output folder over HTTP
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from feedsvc import logs
from feedsvc.config import DEFAULT_CONFIG, Settings, load_settings
from feedsvc.errors import ConfigError, FeedsvcError, ParseError

Command = Callable[[argparse.Namespace, Settings], int]


NOW_ENV = "FEEDSVC_NOW"  # for tests only: a fixed ISO 8601 time instead of the clock


def _now(settings: Settings) -> dt.datetime:
    """The one place the one-shot commands read the clock (FEEDSVC_NOW fixes it, for tests)."""
    fixed = os.environ.get(NOW_ENV)
    if fixed:
        try:
            when = dt.datetime.fromisoformat(fixed)
        except ValueError as exc:
            raise ConfigError(f"{NOW_ENV}={fixed!r}: not an ISO 8601 time") from exc
        return when if when.tzinfo is not None else when.replace(tzinfo=settings.paper.tz)
    return dt.datetime.now(settings.paper.tz)


def _progress(label: str) -> Callable[[int], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(n: int) -> None:
        if n % 50 == 0:
            print(f"\r{label}: {n} files built…", end="", file=sys.stderr, flush=True)

    return show


def cmd_parse(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc import preview
    from feedsvc.parse import hints_from_settings
    from feedsvc.parse.submission import parse_submission

    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror}", str(path)) from exc
    issue = parse_submission(data, source=path.name, hints=hints_from_settings(settings)).issue
    print(preview.as_json(issue) if args.format == "json" else preview.as_text(issue))
    return 0


def _say(text: str) -> None:
    """Print a line of a command's report; when the reader has gone (`… | head -1`), say nothing
    more, and go on with the work: a closed pipe never skips a file."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # later prints, and the flush at exit, go nowhere
        os.close(devnull)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc import pipeline

    status = 0
    for path in args.files:
        try:
            report = pipeline.ingest_file(
                settings, path, _now(settings), progress=_progress(path.name), new_store=args.new_store
            )
        except ParseError as exc:
            print(f"feedsvc: {exc}", file=sys.stderr)
            status = 2
            continue
        _say(report.summary())
        for written in report.changed_feeds:
            _say(f"  {written}")
        for warning in report.warnings:
            print(f"feedsvc: {report.name}: warning: {warning}", file=sys.stderr)
        for note in report.notes:
            print(f"feedsvc: {note}", file=sys.stderr)
    return status


def cmd_regenerate(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc import pipeline

    report = pipeline.regenerate(
        settings,
        _now(settings),
        reparse=args.reparse,
        progress=_progress("regenerate"),
        new_store=args.new_store,
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(report.summary())
    for note in report.notes:
        print(f"feedsvc: {note}", file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc.daemon import Daemon

    daemon = Daemon(
        settings,
        clock=lambda: _now(settings),
        serve=args.serve,
        host=args.host,
        port=args.port,
        new_store=args.new_store,
    )
    return daemon.run()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc.serve import serve

    settings.paths.output.mkdir(parents=True, exist_ok=True)
    serve(settings.paths.output, settings, args.host, args.port)
    return 0


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc import editors_cli as editors

    print(editors.review_text(settings, day=args.date, everything=args.all, fmt=args.format))
    return 0


def cmd_correct(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc import editors_cli as editors

    return editors.print_report(editors.correct(settings, _now(settings), args.id, editors.edit_of(args)))


def cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc import editors_cli as editors

    return editors.print_report(editors.approve(settings, _now(settings), entry_id=args.id, day=args.date))


def _new_store_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--new-store",
        action="store_true",
        help="publish from this store even though the output folder was published from another one"
        " (or the store is missing): its output replaces the old",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedsvc", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="settings file (default: %(default)s)"
    )
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="preview how a submission parses")
    p.add_argument("file", type=Path)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("ingest", help="parse, store and publish submissions")
    p.add_argument("files", type=Path, nargs="+", metavar="FILE")
    _new_store_option(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("regenerate", help="rewrite every output from the store")
    p.add_argument(
        "--reparse", action="store_true", help="parse every stored original again first (ids kept)"
    )
    _new_store_option(p)
    p.set_defaults(func=cmd_regenerate)

    from feedsvc.editors_cli import add_arguments

    add_arguments(sub, review=cmd_review, correct=cmd_correct, approve=cmd_approve)

    for name, func, text in (("run", cmd_run, "the daemon"), ("serve", cmd_serve, "serve the output folder")):
        p = sub.add_parser(name, help=text)
        if name == "run":
            p.add_argument("--serve", action="store_true", help="also serve the output folder over HTTP")
            _new_store_option(p)
        p.add_argument("--host", default=None, help="address to serve on (default: serve.host)")
        p.add_argument("--port", type=int, default=None, help="port to serve on (default: serve.port)")
        p.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    before = list(logging.getLogger().handlers)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # an error repeating at every event (a flood, a full disk) is logged once a minute; only on the
    # handler made here (a host that configured logging itself, e.g. pytest, keeps its own)
    logs.install([h for h in logging.getLogger().handlers if h not in before])
    # One line per event: the scheduler's own "running job" lines every scan are not events.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLevelName(args.log_level)))
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
