"""The `feedsvc` command: a few lines around a library call per subcommand.

commands:
  init DIR                        create an instance: a commented config and its folders
  parse FILE                      preview how a submission parses (nothing is written)
  ingest FILE...                  parse, store and publish submissions; rewrite the feeds they touch
  regenerate                      rewrite every output from the store
  run                             the daemon: watch the inbox, publish, ping WebSub hubs
  serve                           serve the output folder over HTTP
  review / correct / approve      for editors: doubtful items, corrections, held items
  deploy nginx|systemd            print an nginx site or a systemd unit for this instance

`--config`, `--log-level` and `--paper` go before or after the command.
`feedsvc COMMAND --help` describes each command's arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from feedsvc import logs
from feedsvc.config import DEFAULT_CONFIG, Settings
from feedsvc.errors import ConfigError, FeedsvcError, ParseError
from feedsvc.instance import Instance, load_instance

Command = Callable[[argparse.Namespace, Settings], int]  # works on one paper
InstanceCommand = Callable[[argparse.Namespace, Instance], int]  # works on all of the config's papers


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


def cmd_run(args: argparse.Namespace, instance: Instance) -> int:
    from feedsvc import urls

    papers = instance.select(args.paper)
    if args.serve:
        urls.warn_if_served_elsewhere(papers.values(), args.host, args.port)
    if not instance.several:
        from feedsvc.daemon import Daemon

        settings = next(iter(papers.values()))
        daemon = Daemon(
            settings,
            clock=lambda: _now(settings),
            serve=args.serve,
            host=args.host,
            port=args.port,
            new_store=args.new_store,
        )
        return daemon.run()
    from feedsvc.service import Service

    service = Service(
        papers, clock=_now, serve=args.serve, host=args.host, port=args.port, new_store=args.new_store
    )
    return service.run()


def cmd_serve(args: argparse.Namespace, instance: Instance) -> int:
    from feedsvc import urls
    from feedsvc.serve import serve

    papers = instance.select(args.paper)
    urls.warn_if_served_elsewhere(papers.values(), args.host, args.port)
    for settings in papers.values():
        settings.paths.output.mkdir(parents=True, exist_ok=True)
    if not instance.several:  # served at `/`; several papers: each at its base URL's path or host
        settings = next(iter(papers.values()))
        serve(settings.paths.output, settings, args.host, args.port)
    else:
        from feedsvc.router import serve_papers

        serve_papers(papers, args.host, args.port)
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


def cmd_init(args: argparse.Namespace) -> int:
    from feedsvc.quickstart import create_instance

    year = dt.datetime.now(dt.UTC).year  # the tag authority's date
    created = create_instance(
        args.dir, paper=args.paper_name, base_url=args.base_url, key=args.key, year=year
    )
    for path in created:
        print(path)
    print(f"feedsvc: instance ready; start it with: cd {args.dir} && feedsvc run --serve")
    return 0


def cmd_deploy(args: argparse.Namespace, instance: Instance) -> int:
    from feedsvc import deploy

    papers = instance.select(args.paper)
    if args.target == "nginx":
        text = deploy.nginx_site(instance.config, papers, listen=args.listen, server_name=args.server_name)
    else:
        text = deploy.systemd_unit(
            instance.config,
            instance.root,
            papers,
            user=args.user,
            executable=args.executable,
            serve=args.serve,
            paper=args.paper,
        )
    sys.stdout.write(text)
    return 0


DESCRIPTION = """\
Turn a newspaper's pages, dropped into an inbox as text exported from the page PDFs, into
subscription feeds (Atom, JSON Feed) for the paper, each section and each contributor, and HTML
pages, in a folder any web server can serve."""

EPILOG = """\
examples:
  feedsvc init /srv/feedsvc --paper 钱塘新区报 --base-url https://feeds.example.com/
  cd /srv/feedsvc && feedsvc run --serve        the daemon, serving on serve.host:serve.port
  feedsvc parse page.txt                        how a page reads, before it is published
  feedsvc ingest page.txt --paper qiantang      one paper of a config listing several
  feedsvc deploy nginx > /etc/nginx/sites-available/feedsvc

--config, --log-level and --paper go before or after the command.
feedsvc COMMAND --help describes each command's arguments."""


def _version() -> str:
    try:
        return metadata.version("feedsvc")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _global_options(parser: argparse.ArgumentParser, *, after: bool) -> None:
    """--config, --log-level, --paper: before the command, and (`after`) after it too, where
    they are only set when given, so that a value before the command is not undone."""
    suppress: dict[str, Any] = {"default": argparse.SUPPRESS} if after else {}
    parser.add_argument(
        "--config", type=Path, metavar="FILE", **suppress,
        help=f"the instance's settings file (default: {DEFAULT_CONFIG}, relative to the working folder)",
    )  # fmt: skip
    parser.add_argument(
        "--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), type=str.upper, **suppress,
        help="how much to log on standard error (default: INFO)",
    )  # fmt: skip
    parser.add_argument(
        "--paper", metavar="KEY", **suppress,
        help="in a config listing several papers, the one to work on (its [papers.KEY] key or its name)",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedsvc",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _global_options(parser, after=False)
    parser.set_defaults(config=DEFAULT_CONFIG, log_level="INFO", paper=None)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, after=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, summary: str, description: str, *, options: bool = True
    ) -> argparse.ArgumentParser:
        return sub.add_parser(
            name, help=summary, description=description, parents=[common] if options else [],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip

    p = command(
        "init", "create an instance: a commented config and its folders",
        "Create DIR with feedsvc.toml (every setting, commented) and the folders inbox/, var/ and\n"
        "feeds/. Nothing existing is overwritten. Then: cd DIR && feedsvc run --serve",
        options=False,
    )  # fmt: skip
    p.add_argument("dir", type=Path, metavar="DIR", help="the instance's folder (created if missing)")
    p.add_argument(
        "--paper", dest="paper_name", metavar="NAME", default=None,
        help="the paper's name as readers see it (default: a placeholder to edit)",
    )  # fmt: skip
    p.add_argument(
        "--base-url", metavar="URL", default=None,
        help="the public URL the output folder is served at (default: http://127.0.0.1:8000/)",
    )  # fmt: skip
    p.add_argument(
        "--key", default=None, metavar="KEY",
        help="a short ASCII name for the paper, used in its tag authority (default: from the URL's host)",
    )  # fmt: skip
    p.set_defaults(func=cmd_init, no_config=True)

    p = command(
        "parse", "preview how a submission parses (nothing is written)",
        "Parse FILE as the daemon would and print, per item, its kind, headline, contributors,\n"
        "dateline, first line and the parser's warnings. Nothing is stored or published.",
    )  # fmt: skip
    p.add_argument("file", type=Path, metavar="FILE", help="a page export (*.txt)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text: a summary per item (default); json: the whole parse")  # fmt: skip
    p.set_defaults(func=cmd_parse)

    p = command(
        "ingest", "parse, store and publish submissions",
        "Parse each FILE, store it and rewrite only the outputs it changes, as the daemon does\n"
        "with a file dropped into the inbox. Prints what changed. Exit status 2 if a file was bad.",
    )  # fmt: skip
    p.add_argument("files", type=Path, nargs="+", metavar="FILE", help="page exports (*.txt)")
    _new_store_option(p)
    p.set_defaults(func=cmd_ingest)

    p = command(
        "regenerate", "rewrite every output from the store",
        "Rebuild every feed and page from the store. Files whose bytes do not change are left\n"
        "alone (their mtime too). Run it after changing the settings.",
    )  # fmt: skip
    p.add_argument(
        "--reparse", action="store_true", help="parse every stored original again first (ids kept)"
    )
    _new_store_option(p)
    p.set_defaults(func=cmd_regenerate)

    from feedsvc.editors_cli import add_arguments

    add_arguments(sub, review=cmd_review, correct=cmd_correct, approve=cmd_approve)
    for name in ("review", "correct", "approve"):  # made by editors_cli: the global options too
        _global_options(sub.choices[name], after=True)

    for name, func, summary, description in (
        ("run", cmd_run, "the daemon: watch the inbox, publish, ping hubs",
         "Watch the inbox (every paper's, in a config with several), ingest each complete file,\n"
         "publish, ping the WebSub hubs. SIGTERM or Ctrl-C: the file in hand is finished first."),
        ("serve", cmd_serve, "serve the output folder over HTTP",
         "Serve the output folder (every paper's, by path prefix or host name, in a config with\n"
         "several) with the feed media types and caching headers. For previews and small sites;\n"
         "behind a public address, use nginx: feedsvc deploy nginx."),
    ):  # fmt: skip
        p = command(name, summary, description)
        if name == "run":
            p.add_argument("--serve", action="store_true", help="also serve the output folder over HTTP")
            _new_store_option(p)
        p.add_argument(
            "--host", default=None, help="address to listen on (default: serve.host in the config)"
        )
        p.add_argument("--port", type=int, default=None, help="port to listen on (default: serve.port)")
        p.set_defaults(instance_func=func)

    p = command(
        "deploy", "print an nginx site or a systemd unit for this instance",
        "Print, for this instance's config, an nginx site serving every paper's output folder\n"
        "(nginx) or a systemd unit running the daemon (systemd). Paths are absolute. A loopback\n"
        "base_url (127.0.0.1, localhost) is refused: set the public URL first.\n\n"
        "  feedsvc --config /srv/feedsvc/feedsvc.toml deploy nginx > /etc/nginx/sites-available/feedsvc\n"
        "  feedsvc --config /srv/feedsvc/feedsvc.toml deploy systemd > /etc/systemd/system/feedsvc.service",
    )  # fmt: skip
    p.add_argument("target", choices=("nginx", "systemd"), help="what to print")
    p.add_argument("--listen", default="80", help="nginx: the listen argument (default: 80)")
    p.add_argument("--server-name", default=None, metavar="NAME",
                   help="nginx: server_name (default: the host of each paper's base_url)")  # fmt: skip
    p.add_argument(
        "--user", default="feedsvc", help="systemd: the user the daemon runs as (default: feedsvc)"
    )
    p.add_argument("--executable", type=Path, default=None, metavar="PATH",
                   help="systemd: the feedsvc program (default: the one running now)")  # fmt: skip
    p.add_argument("--serve", action="store_true",
                   help="systemd: the daemon also serves HTTP itself (without nginx)")  # fmt: skip
    p.set_defaults(instance_func=cmd_deploy)
    return parser


def _run(args: argparse.Namespace) -> int:
    if getattr(args, "no_config", False):
        init: Callable[[argparse.Namespace], int] = args.func
        return init(args)
    instance = load_instance(args.config)
    whole: InstanceCommand | None = getattr(args, "instance_func", None)
    if whole is not None:
        return whole(args, instance)
    _, settings = instance.one(args.paper, args.command)
    func: Command = args.func
    return func(args, settings)


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
        status = _run(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return status
    except FeedsvcError as exc:
        print(f"feedsvc: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`feedsvc ingest … | head -1`): no traceback, and none at exit either
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a pipe's writer


if __name__ == "__main__":
    sys.exit(main())
